"""Eligibility rules: a small boolean query language and the rule set built from config.

Pure domain code: no I/O, no user interface. The config loader hands over the parsed
``[[rules]]`` array and ``[highlight]`` table (plain dicts and lists from tomllib);
:func:`load_rules` validates them and returns a :class:`RuleSet`.

Query language
--------------
* ``AND``, ``OR``, ``NOT`` (case-insensitive), precedence ``NOT`` > ``AND`` > ``OR``;
  two operands side by side are joined by an implicit ``AND`` (``a NOT b`` = ``a AND NOT b``).
* parentheses, quoted phrases (``"cognitive behavioral therapy"``), bare terms.
* wildcards: ``*`` any run of word characters (``rodent*``), ``?`` one optional word
  character (``behavio?ral`` matches behavioral and behavioural).
* field scopes ``title:``, ``abstract:``, ``keywords:``, ``type:`` (publication type) and
  ``any:`` (title + abstract + keywords, the default), on a term, a phrase or a group.
* ``a NEAR/n b``: both terms in the same field with at most ``n`` words between them,
  in either order. Operands must be terms or phrases.

Matching is case-insensitive, diacritics-insensitive and on word boundaries. Inside a
term, punctuation is optional (``covid-19`` matches "COVID-19", "covid 19", "covid19");
between the words of a phrase any run of spaces or punctuation matches. A phrase never
spans two keywords or two fields.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any, Final

from screener.errors import ConfigError, ScreenerError
from screener.model import Record

__all__ = [
    "FIELDS",
    "Action",
    "And",
    "Near",
    "Not",
    "Or",
    "Query",
    "Rule",
    "RuleHit",
    "RuleReport",
    "RuleSet",
    "RuleSyntaxError",
    "Term",
    "fold",
    "load_rules",
    "parse_query",
]

# --------------------------------------------------------------------------- text folding

#: Combining marks stripped after NFKD decomposition (Latin, Greek, Cyrillic diacritics).
_MARKS: Final = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
#: Joins keywords and fields; phrase gaps never cross it.
_SEP: Final = "\x1f"
_PHRASE_GAP: Final = r"[^\w\x1f]+"
_PUNCT_GAP: Final = r"[^\w\x1f]*"


def fold(text: str) -> str:
    """Lower-case, compatibility-decompose and strip diacritics: the form all matching uses."""
    if text.isascii():
        return text.lower()
    return _MARKS.sub("", unicodedata.normalize("NFKD", text).casefold())


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    return fold(char)


def _fold_with_map(text: str) -> tuple[str, list[int], list[str] | None]:
    """Fold `text` and return, per folded character, the index of its source character.

    For pure-ASCII text the map is the identity and the third item is None; otherwise it
    is the folded piece of each source character (empty for stripped marks).
    """
    if text.isascii():
        return text.lower(), [], None
    pieces = [_fold_char(c) for c in text]
    owner: list[int] = []
    for i, piece in enumerate(pieces):
        owner.extend([i] * len(piece))
    return "".join(pieces), owner, pieces


# --------------------------------------------------------------------------- errors


class RuleSyntaxError(ScreenerError):
    """A query that does not parse. `position` is 1-based, in characters."""

    title = "Invalid query"
    exit_code = 2

    def __init__(self, detail: str, position: int) -> None:
        super().__init__(f"{detail} at position {position}")
        self.detail = detail
        self.position = position


# --------------------------------------------------------------------------- query AST

FIELDS: Final = ("any", "title", "abstract", "keywords", "type")


@dataclass(frozen=True, slots=True)
class Term:
    """A bare term or a quoted phrase, with the field it is searched in."""

    text: str
    field: str = "any"
    phrase: bool = False
    position: int = 0

    def __str__(self) -> str:
        shown = f'"{self.text}"' if self.phrase else self.text
        return shown if self.field == "any" else f"{self.field}:{shown}"


@dataclass(frozen=True, slots=True)
class Near:
    left: Term
    right: Term
    distance: int

    def __str__(self) -> str:
        return f"({self.left} NEAR/{self.distance} {self.right})"


@dataclass(frozen=True, slots=True)
class Not:
    item: Node

    def __str__(self) -> str:
        return f"NOT {self.item}"


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Node, ...]

    def __str__(self) -> str:
        return "(" + " AND ".join(str(i) for i in self.items) + ")"


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Node, ...]

    def __str__(self) -> str:
        return "(" + " OR ".join(str(i) for i in self.items) + ")"


Node = Term | Near | Not | And | Or


# --------------------------------------------------------------------------- term patterns

_TERM_PIECES: Final = re.compile(r"\w+|[*?]|[^\w*?]+")


@dataclass(frozen=True, slots=True)
class _Pattern:
    """Regex of one term or phrase, over folded text.

    `source` has no boundaries; `opening` starts with the left word boundary written so
    that the regex engine can still scan for a literal first character (a lookbehind at
    the very start disables that and makes searches ~20 times slower); `bounded` is the
    whole-word regex. `literal` is the longest literal run, tested with `in` first.
    """

    source: str
    opening: str
    literal: str

    @property
    def bounded(self) -> str:
        return self.opening + r"(?!\w)"


@lru_cache(maxsize=2048)
def _term_pattern(text: str) -> _Pattern | None:
    """Translate a term or phrase into regexes; None if it has no letters or digits."""
    folded = fold(text)
    pieces = _TERM_PIECES.findall(folded)
    while pieces and _is_gap(pieces[0]):
        pieces.pop(0)
    while pieces and _is_gap(pieces[-1]):
        pieces.pop()
    if not any(_is_word(p) for p in pieces):
        return None
    out: list[str] = []
    literal = ""
    for piece in pieces:
        if piece == "*":
            out.append(r"\w*")
        elif piece == "?":
            out.append(r"\w?")
        elif _is_word(piece):
            out.append(re.escape(piece))
            if len(piece) > len(literal):
                literal = piece
        else:
            out.append(_PHRASE_GAP if any(c.isspace() for c in piece) else _PUNCT_GAP)
    source = "".join(out)
    first = pieces[0]
    if _is_word(first):
        # the first character is a word character: the one before it must not be
        rest = "".join(out[1:])
        opening = re.escape(first[0]) + r"(?<!\w.)" + re.escape(first[1:]) + rest
    else:
        opening = r"(?<!\w)" + source
    return _Pattern(source, opening, literal)


def _is_word(piece: str) -> bool:
    return re.fullmatch(r"\w+", piece) is not None


def _is_gap(piece: str) -> bool:
    return piece not in ("*", "?") and not _is_word(piece)


# --------------------------------------------------------------------------- tokenizer

_FIELD_RE: Final = re.compile(r"([A-Za-z_]+):")
_NEAR_RE: Final = re.compile(r"(?i)near/(\d+)(?=[\s()\"]|$)")
_WORD_RE: Final = re.compile(r"[^\s()\"]+")
_OPERATORS: Final = {"AND", "OR", "NOT"}


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # ( ) AND OR NOT NEAR FIELD TERM PHRASE END
    value: str
    position: int  # 1-based


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
            continue
        if char in "()":
            tokens.append(_Token(char, char, i + 1))
            i += 1
            continue
        if char == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise RuleSyntaxError("unterminated quote", i + 1)
            tokens.append(_Token("PHRASE", text[i + 1 : end], i + 1))
            i = end + 1
            continue
        if match := _FIELD_RE.match(text, i):
            tokens.append(_Token("FIELD", match.group(1), i + 1))
            i = match.end()
            continue
        if match := _NEAR_RE.match(text, i):
            tokens.append(_Token("NEAR", match.group(1), i + 1))
            i = match.end()
            continue
        match = _WORD_RE.match(text, i)
        assert match is not None  # any other character starts a word
        word = match.group()
        upper = word.upper()
        kind = upper if upper in _OPERATORS else "TERM"
        tokens.append(_Token(kind, upper if kind != "TERM" else word, i + 1))
        i = match.end()
    tokens.append(_Token("END", "", n + 1))
    return tokens


# --------------------------------------------------------------------------- parser

_STARTS_OPERAND: Final = frozenset({"TERM", "PHRASE", "FIELD", "(", "NOT"})


def _describe(token: _Token) -> str:
    if token.kind == "NEAR":
        return f"'NEAR/{token.value}'"
    if token.kind in ("TERM", "PHRASE"):
        return f"term {token.value!r}" if token.kind == "TERM" else f'phrase "{token.value}"'
    if token.kind == "FIELD":
        return f"'{token.value}:'"
    return f"'{token.value}'"


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.index = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def parse(self) -> Node:
        if self.token.kind == "END":
            raise RuleSyntaxError("empty query", 1)
        node = self.parse_or("any")
        token = self.token
        if token.kind == ")":
            raise RuleSyntaxError("unexpected ')'", token.position)
        if token.kind != "END":  # pragma: no cover - every other token is consumed above
            raise RuleSyntaxError(f"unexpected {_describe(token)}", token.position)
        return node

    def expect_operand_after(self, operator: _Token) -> None:
        if self.token.kind not in _STARTS_OPERAND:
            shown = _describe(operator)
            if self.token.kind == "END":
                raise RuleSyntaxError(f"operator {shown} has nothing after it", operator.position)
            raise RuleSyntaxError(
                f"operator {shown} is followed by {_describe(self.token)}", self.token.position
            )

    def parse_or(self, fld: str) -> Node:
        items = [self.parse_and(fld)]
        while self.token.kind == "OR":
            operator = self.advance()
            self.expect_operand_after(operator)
            items.append(self.parse_and(fld))
        return items[0] if len(items) == 1 else Or(tuple(items))

    def parse_and(self, fld: str) -> Node:
        items = [self.parse_not(fld)]
        while True:
            if self.token.kind == "AND":
                operator = self.advance()
                self.expect_operand_after(operator)
            elif self.token.kind not in _STARTS_OPERAND:
                break
            items.append(self.parse_not(fld))
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_not(self, fld: str) -> Node:
        if self.token.kind == "NOT":
            operator = self.advance()
            self.expect_operand_after(operator)
            return Not(self.parse_not(fld))
        return self.parse_near(fld)

    def parse_near(self, fld: str) -> Node:
        left = self.parse_primary(fld)
        while self.token.kind == "NEAR":
            operator = self.advance()
            shown = _describe(operator)
            if isinstance(left, Near):
                raise RuleSyntaxError(f"{shown} cannot be chained", operator.position)
            if not isinstance(left, Term):
                raise RuleSyntaxError(
                    f"{shown} needs a term or phrase on its left, not a group",
                    operator.position,
                )
            if self.token.kind not in ("TERM", "PHRASE", "FIELD"):
                if self.token.kind == "END":
                    raise RuleSyntaxError(
                        f"operator {shown} has nothing after it", operator.position
                    )
                raise RuleSyntaxError(
                    f"{shown} needs a term or phrase on its right, not {_describe(self.token)}",
                    self.token.position,
                )
            right_token = self.token
            right = self.parse_primary(fld)
            if not isinstance(right, Term):
                raise RuleSyntaxError(
                    f"{shown} needs a term or phrase on its right, not a group",
                    right_token.position,
                )
            if right.field != left.field:
                raise RuleSyntaxError(
                    f"{shown} joins terms of different fields ({left.field} and {right.field})",
                    operator.position,
                )
            left = Near(left, right, int(operator.value))
        return left

    def parse_primary(self, fld: str) -> Node:
        token = self.token
        if token.kind == "FIELD":
            name = token.value.lower()
            if name not in FIELDS:
                raise RuleSyntaxError(
                    f"unknown field '{token.value}:' (use title, abstract, keywords, type or any)",
                    token.position,
                )
            self.advance()
            if self.token.kind not in ("TERM", "PHRASE", "("):
                raise RuleSyntaxError(
                    f"field '{token.value}:' needs a term, phrase or parenthesised group after it",
                    token.position,
                )
            return self.parse_primary(name)
        if token.kind == "(":
            self.advance()
            if self.token.kind == ")":
                raise RuleSyntaxError("empty parentheses", token.position)
            node = self.parse_or(fld)
            if self.token.kind != ")":
                if self.token.kind == "END":
                    raise RuleSyntaxError(
                        "unbalanced parentheses: '(' is never closed", token.position
                    )
                raise RuleSyntaxError(  # pragma: no cover - parse_or consumes everything else
                    f"expected ')' but found {_describe(self.token)}", self.token.position
                )
            self.advance()
            return node
        if token.kind in ("TERM", "PHRASE"):
            self.advance()
            phrase = token.kind == "PHRASE"
            text = token.value.strip()
            if phrase and not text:
                raise RuleSyntaxError("empty phrase", token.position)
            if _term_pattern(text) is None:
                what = "phrase" if phrase else "term"
                raise RuleSyntaxError(f"{what} {text!r} has no letters or digits", token.position)
            return Term(text, fld, phrase, token.position)
        if token.kind == ")":
            raise RuleSyntaxError("unexpected ')'", token.position)
        if token.kind == "END":  # pragma: no cover - callers check for an operand first
            raise RuleSyntaxError("unexpected end of query", token.position)
        # AND / OR / NEAR with nothing before them
        raise RuleSyntaxError(f"operator {_describe(token)} has nothing before it", token.position)


# --------------------------------------------------------------------------- record view


class _View:
    """Folded field texts of one record, computed lazily and once."""

    __slots__ = ("_cache", "record")

    def __init__(self, record: Record) -> None:
        self.record = record
        self._cache: dict[str, str] = {}

    def text(self, name: str) -> str:
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        record = self.record
        value: str
        if name == "title":
            value = fold(record.title or "")
        elif name == "abstract":
            value = fold(record.abstract or "")
        elif name == "keywords":
            keywords = record.keywords or []
            if isinstance(keywords, str):
                keywords = [keywords]
            value = _SEP.join(fold(k) for k in keywords if k)
        elif name == "type":
            value = fold(record.publication_type or "")
        else:  # any
            value = _SEP.join((self.text("title"), self.text("abstract"), self.text("keywords")))
        self._cache[name] = value
        return value


_Predicate = Callable[[_View], bool]


def _search_predicate(fld: str, regex: re.Pattern[str], literal: str) -> _Predicate:
    """Regex search in one field, skipped when the required literal does not occur."""
    search = regex.search

    def found(view: _View) -> bool:
        text = view.text(fld)
        return literal in text and search(text) is not None

    return found


def _term_predicate(fld: str, text: str) -> _Predicate:
    pattern = _term_pattern(text)
    assert pattern is not None  # the parser and the loader refuse such terms
    return _search_predicate(fld, re.compile(pattern.bounded), pattern.literal)


def _any_predicate(options: Sequence[_Predicate]) -> _Predicate:
    if len(options) == 1:
        return options[0]
    choices = tuple(options)

    def any_of(view: _View) -> bool:
        return any(option(view) for option in choices)

    return any_of


def _near_predicate(node: Near) -> _Predicate:
    left, right = _term_pattern(node.left.text), _term_pattern(node.right.text)
    assert left is not None and right is not None
    gap = rf"(?!\w)(?:{_PHRASE_GAP}\w+){{0,{node.distance}}}{_PHRASE_GAP}"
    forward = re.compile(rf"{left.opening}{gap}(?:{right.source})(?!\w)").search
    backward = re.compile(rf"{right.opening}{gap}(?:{left.source})(?!\w)").search
    fld = node.left.field
    lits = (left.literal, right.literal)

    def near(view: _View) -> bool:
        text = view.text(fld)
        return (
            lits[0] in text
            and lits[1] in text
            and (forward(text) is not None or backward(text) is not None)
        )

    return near


def _compile(node: Node) -> _Predicate:
    if isinstance(node, Term):
        return _term_predicate(node.field, node.text)
    if isinstance(node, Near):
        return _near_predicate(node)
    if isinstance(node, Not):
        inner = _compile(node.item)
        return lambda view: not inner(view)
    if isinstance(node, And):
        parts = tuple(_compile(i) for i in node.items)

        def all_of(view: _View) -> bool:
            return all(part(view) for part in parts)

        return all_of
    return _any_predicate([_compile(i) for i in node.items])


def _positive_terms(node: Node, negated: bool = False) -> Iterable[Term]:
    if isinstance(node, Term):
        if not negated:
            yield node
    elif isinstance(node, Near):
        if not negated:
            yield node.left
            yield node.right
    elif isinstance(node, Not):
        yield from _positive_terms(node.item, not negated)
    else:
        for item in node.items:
            yield from _positive_terms(item, negated)


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed, compiled query. `str(query)` shows it fully parenthesised."""

    text: str
    root: Node
    _predicate: _Predicate = field(repr=False, compare=False, hash=False)

    def matches(self, record: Record) -> bool:
        return self._predicate(_View(record))

    def _matches_view(self, view: _View) -> bool:
        return self._predicate(view)

    def terms(self) -> list[Term]:
        """Terms that count for a match (those not under an odd number of NOTs)."""
        return list(_positive_terms(self.root))

    def __str__(self) -> str:
        shown = str(self.root)
        if isinstance(self.root, And | Or) and shown.startswith("("):
            return shown[1:-1]
        return shown


def parse_query(text: str) -> Query:
    """Parse and compile a query; raises :class:`RuleSyntaxError` with a 1-based position."""
    root = _Parser(text).parse()
    return Query(text, root, _compile(root))


# --------------------------------------------------------------------------- criteria


@dataclass(frozen=True, slots=True)
class _YearRange:
    low: int
    high: int

    def matches(self, view: _View) -> bool:
        year = view.record.year
        return year is not None and not self.low <= year <= self.high

    def __str__(self) -> str:
        return f"year outside {self.low}–{self.high}"


_LANGUAGE_SPLIT: Final = re.compile(r"\s*[;,/|]\s*")


@dataclass(frozen=True, slots=True)
class _Languages:
    allowed: frozenset[str]
    shown: tuple[str, ...]

    def matches(self, view: _View) -> bool:
        language = (view.record.language or "").strip()
        if not language:
            return False
        parts = [fold(p) for p in _LANGUAGE_SPLIT.split(language) if p.strip()]
        return bool(parts) and not any(p in self.allowed for p in parts)

    def __str__(self) -> str:
        return "language not in " + ", ".join(self.shown)


@dataclass(frozen=True, slots=True)
class _PublicationTypes:
    shown: tuple[str, ...]
    predicate: _Predicate = field(repr=False, compare=False, hash=False)

    def matches(self, view: _View) -> bool:
        return self.predicate(view)

    def __str__(self) -> str:
        return "publication type is " + ", ".join(self.shown)


@dataclass(frozen=True, slots=True)
class _QueryCriterion:
    query: Query

    def matches(self, view: _View) -> bool:
        return self.query._matches_view(view)

    def __str__(self) -> str:
        return self.query.text


_Criterion = _QueryCriterion | _YearRange | _Languages | _PublicationTypes


# --------------------------------------------------------------------------- rules


class Action(StrEnum):
    HIGHLIGHT = "highlight"
    FLAG = "flag"
    EXCLUDE = "exclude"


@dataclass(frozen=True, slots=True)
class Rule:
    """One validated ``[[rules]]`` entry."""

    name: str
    action: Action
    reason: str
    criterion: _Criterion
    kind: str = "include"  # highlight rules only: "include" or "exclude"

    @property
    def description(self) -> str:
        """What the rule tests, for listings (the query text, or a short phrase)."""
        return str(self.criterion)

    @property
    def query(self) -> Query | None:
        return self.criterion.query if isinstance(self.criterion, _QueryCriterion) else None

    def matches(self, record: Record) -> bool:
        return self.criterion.matches(_View(record))


@dataclass(frozen=True, slots=True)
class RuleHit:
    rule: str
    action: Action
    reason: str

    @property
    def name(self) -> str:
        return self.rule


@dataclass(frozen=True, slots=True)
class RuleReport:
    """How one rule fares on a set of records (``screener rules test``)."""

    rule: str
    action: Action
    reason: str
    description: str
    hits: int
    total: int
    samples: tuple[tuple[int, str], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "action": str(self.action),
            "reason": self.reason,
            "criterion": self.description,
            "hits": self.hits,
            "total": self.total,
            "samples": [{"index": i, "title": t} for i, t in self.samples],
        }


@dataclass(frozen=True, slots=True)
class _HighlightTerm:
    label: str
    kind: str  # include | exclude
    regex: re.Pattern[str]
    literal: str


#: Weights of :meth:`RuleSet.prior_score`.
EXCLUDE_TERM_PENALTY: Final = 1.0
FLAG_PENALTY: Final = 2.0
AUTO_EXCLUDE_PENALTY: Final = 5.0


class RuleSet:
    """The rules and highlight terms of a project, ready to evaluate records."""

    def __init__(self, rules: Sequence[Rule] = (), terms: Sequence[_HighlightTerm] = ()) -> None:
        self.rules: tuple[Rule, ...] = tuple(rules)
        self._checks = tuple(
            (r.criterion.matches, RuleHit(r.name, r.action, r.reason)) for r in rules
        )
        self._terms: tuple[_HighlightTerm, ...] = tuple(terms)
        self._include = tuple(t for t in self._terms if t.kind == "include")
        self._exclude = tuple(t for t in self._terms if t.kind == "exclude")

    def __repr__(self) -> str:
        return f"RuleSet({len(self.rules)} rules, {len(self._terms)} highlight terms)"

    @property
    def highlight_terms(self) -> list[tuple[str, str]]:
        """(term, kind) of every highlight term, in config order."""
        return [(t.label, t.kind) for t in self._terms]

    def rule(self, name: str) -> Rule | None:
        return next((r for r in self.rules if r.name == name), None)

    # ---- evaluation

    def _hits(self, view: _View) -> list[RuleHit]:
        return [hit for matches, hit in self._checks if matches(view)]

    def evaluate(self, record: Record) -> list[RuleHit]:
        """Every rule that fires on `record`, in config order (highlight rules included)."""
        return self._hits(_View(record))

    def auto_excluded(self, record: Record) -> RuleHit | None:
        """The first `exclude` rule that fires, if any."""
        view = _View(record)
        for matches, hit in self._checks:
            if hit.action is Action.EXCLUDE and matches(view):
                return hit
        return None

    def suggested_reason(self, record: Record) -> str | None:
        """The reason of the first `flag` or `exclude` rule that fires, if any."""
        view = _View(record)
        for matches, hit in self._checks:
            if hit.action is not Action.HIGHLIGHT and matches(view):
                return hit.reason
        return None

    # ---- highlighting and cold-start ordering

    def highlight(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping (start, end, kind) spans of highlight terms in `text`.

        Offsets index the original `text`; kind is "include" or "exclude". Where matches
        overlap the earliest wins, then the longest, then "exclude".
        """
        if not text or not self._terms:
            return []
        folded, owner, pieces = _fold_with_map(text)
        found: list[tuple[int, int, int]] = []
        for term in self._terms:
            if term.literal not in folded:
                continue
            rank = 0 if term.kind == "exclude" else 1
            for match in term.regex.finditer(folded):
                start, end = match.span()
                if pieces is not None:
                    start, end = owner[start], owner[end - 1] + 1
                    while end < len(pieces) and not pieces[end]:
                        end += 1
                found.append((start, end, rank))
        found.sort(key=lambda s: (s[0], s[0] - s[1], s[2]))
        spans: list[tuple[int, int, str]] = []
        last = 0
        for start, end, rank in found:
            if start >= last:
                spans.append((start, end, "exclude" if rank == 0 else "include"))
                last = end
        return spans

    def prior_score(self, record: Record) -> float:
        """Cold-start ordering score: higher means more likely relevant.

        Distinct inclusion terms found in title, abstract and keywords, minus
        ``EXCLUDE_TERM_PENALTY`` per distinct exclusion term, ``FLAG_PENALTY`` per firing
        flag rule and ``AUTO_EXCLUDE_PENALTY`` per firing exclude rule.
        """
        view = _View(record)
        text = view.text("any")
        score = float(_count_found(self._include, text))
        score -= EXCLUDE_TERM_PENALTY * _count_found(self._exclude, text)
        for r in self.rules:
            if r.action is Action.HIGHLIGHT or not r.criterion.matches(view):
                continue
            score -= FLAG_PENALTY if r.action is Action.FLAG else AUTO_EXCLUDE_PENALTY
        return score

    # ---- rules test

    def test(self, records: Iterable[Record], *, samples: int = 5) -> list[RuleReport]:
        """Per rule, how many of `records` it fires on and up to `samples` (index, title)."""
        counts = [0] * len(self.rules)
        found: list[list[tuple[int, str]]] = [[] for _ in self.rules]
        total = 0
        for index, record in enumerate(records):
            total += 1
            view = _View(record)
            for k, r in enumerate(self.rules):
                if r.criterion.matches(view):
                    counts[k] += 1
                    if len(found[k]) < samples:
                        found[k].append((index, record.title))
        return [
            RuleReport(r.name, r.action, r.reason, r.description, counts[k], total, tuple(found[k]))
            for k, r in enumerate(self.rules)
        ]


def _count_found(terms: Sequence[_HighlightTerm], text: str) -> int:
    return sum(1 for t in terms if t.literal in text and t.regex.search(text) is not None)


# --------------------------------------------------------------------------- loading

_CRITERIA: Final = ("query", "years", "languages", "publication_types")
_RULE_KEYS: Final = ("name", "action", "reason", "kind", *_CRITERIA)
_KINDS: Final = ("include", "exclude")


def _highlight_term(text: str, kind: str) -> _HighlightTerm | None:
    pattern = _term_pattern(text)
    if pattern is None:
        return None
    return _HighlightTerm(text, kind, re.compile(pattern.bounded), pattern.literal)


def _string_list(value: Any, key: str, who: str) -> list[str]:
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{who}must be a non-empty list of strings", key=key)
    for j, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise ConfigError(f"{who}item {j + 1} must be a non-empty string", key=key)
    return [item.strip() for item in value]


def _load_highlight(highlight: Mapping[str, Any] | None) -> list[_HighlightTerm]:
    if highlight is None:
        return []
    if not isinstance(highlight, Mapping):
        raise ConfigError("must be a table with include and exclude lists", key="highlight")
    terms: list[_HighlightTerm] = []
    for key, value in highlight.items():
        if key not in _KINDS:
            raise ConfigError(
                f"unknown key {key!r} (allowed: include, exclude)", key=f"highlight.{key}"
            )
        if not isinstance(value, list):
            raise ConfigError("must be a list of terms", key=f"highlight.{key}")
        for j, item in enumerate(value):
            where = f"highlight.{key}[{j}]"
            if not isinstance(item, str):
                raise ConfigError("must be a string", key=where)
            text = item.strip()
            if len(text) >= 2 and text[0] == text[-1] == '"':
                text = text[1:-1].strip()
            term = _highlight_term(text, key)
            if term is None:
                raise ConfigError(f"term {item!r} has no letters or digits", key=where)
            terms.append(term)
    return terms


def _load_rule(i: int, raw: Any, seen: set[str]) -> Rule:
    base = f"rules[{i}]"
    if not isinstance(raw, Mapping):
        raise ConfigError("must be a table ([[rules]])", key=base)
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError("every rule needs a non-empty name", key=f"{base}.name")
    name = name.strip()
    who = f'rule "{name}": '
    if name in seen:
        raise ConfigError(f"{who}duplicate rule name", key=f"{base}.name")
    seen.add(name)
    for key in raw:
        if key not in _RULE_KEYS:
            allowed = ", ".join(_RULE_KEYS)
            raise ConfigError(f"{who}unknown key {key!r} (allowed: {allowed})", key=f"{base}.{key}")

    action_raw = raw.get("action")
    if action_raw is None:
        raise ConfigError(
            f"{who}action is required (highlight, flag or exclude)", key=f"{base}.action"
        )
    try:
        action = Action(str(action_raw).strip().lower())
    except ValueError:
        raise ConfigError(
            f"{who}unknown action {action_raw!r} (expected highlight, flag or exclude)",
            key=f"{base}.action",
        ) from None

    reason = raw.get("reason", "")
    if not isinstance(reason, str):
        raise ConfigError(f"{who}reason must be a string", key=f"{base}.reason")
    reason = reason.strip()
    if action is not Action.HIGHLIGHT and not reason:
        raise ConfigError(
            f"{who}a {action} rule needs a reason (the exclusion reason it "
            f"{'suggests' if action is Action.FLAG else 'applies'})",
            key=f"{base}.reason",
        )

    kind = raw.get("kind", "include")
    if "kind" in raw and action is not Action.HIGHLIGHT:
        raise ConfigError(f"{who}kind only applies to highlight rules", key=f"{base}.kind")
    if kind not in _KINDS:
        raise ConfigError(
            f"{who}unknown kind {kind!r} (expected include or exclude)", key=f"{base}.kind"
        )

    present = [k for k in _CRITERIA if k in raw]
    if not present:
        raise ConfigError(
            f"{who}needs one criterion: query, years, languages or publication_types", key=base
        )
    if len(present) > 1:
        raise ConfigError(
            f"{who}has both {present[0]!r} and {present[1]!r}; use one criterion per rule",
            key=f"{base}.{present[1]}",
        )
    criterion_key = present[0]
    key = f"{base}.{criterion_key}"
    value = raw[criterion_key]
    if action is Action.HIGHLIGHT and criterion_key != "query":
        raise ConfigError(f"{who}a highlight rule needs a query (terms to highlight)", key=key)

    criterion: _Criterion
    if criterion_key == "query":
        if not isinstance(value, str):
            raise ConfigError(f"{who}query must be a string", key=key)
        try:
            criterion = _QueryCriterion(parse_query(value))
        except RuleSyntaxError as err:
            raise ConfigError(f"{who}{err}", key=key) from err
    elif criterion_key == "years":
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(y, int) and not isinstance(y, bool) for y in value)
        ):
            raise ConfigError(f"{who}years must be [first, last], two whole years", key=key)
        if value[0] > value[1]:
            raise ConfigError(f"{who}years [{value[0]}, {value[1]}] is backwards", key=key)
        criterion = _YearRange(value[0], value[1])
    elif criterion_key == "languages":
        shown = _string_list(value, key, who)
        criterion = _Languages(frozenset(fold(s) for s in shown), tuple(shown))
    else:
        shown = _string_list(value, key, who)
        for j, item in enumerate(shown):
            if _term_pattern(item) is None:
                raise ConfigError(f"{who}item {j + 1} {item!r} has no letters or digits", key=key)
        predicate = _any_predicate([_term_predicate("type", item) for item in shown])
        criterion = _PublicationTypes(tuple(shown), predicate)
    return Rule(name, action, reason, criterion, kind)


def load_rules(
    rules: Sequence[Mapping[str, Any]] | None, highlight: Mapping[str, Any] | None
) -> RuleSet:
    """Validate ``[[rules]]`` and ``[highlight]`` as parsed by tomllib; raise ConfigError."""
    if rules is None:
        rules = []
    if not isinstance(rules, list | tuple):
        raise ConfigError("must be an array of tables ([[rules]])", key="rules")
    seen: set[str] = set()
    loaded = [_load_rule(i, raw, seen) for i, raw in enumerate(rules)]
    terms = _load_highlight(highlight)
    for r in loaded:
        if r.action is Action.HIGHLIGHT and r.query is not None:
            for query_term in r.query.terms():
                term = _highlight_term(query_term.text, r.kind)
                if term is not None:
                    terms.append(term)
    # one entry per distinct pattern and kind, in config order
    unique: dict[tuple[str, str], _HighlightTerm] = {}
    for t in terms:
        unique.setdefault((t.kind, t.regex.pattern), t)
    return RuleSet(loaded, list(unique.values()))
