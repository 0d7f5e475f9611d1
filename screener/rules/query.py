"""Compiled queries: a query tree turned into predicates over a record's folded fields.

:class:`View` folds each field of a record once, lazily; :func:`parse_query` parses and
compiles a query into a :class:`Query` that matches records (see :mod:`.syntax` for the
language and :mod:`.text` for how terms match).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from screener.model import Record
from screener.rules.syntax import And, Near, Node, Not, Or, Term, parse
from screener.rules.text import PHRASE_GAP, SEP, fold, term_pattern


class View:
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
            value = SEP.join(fold(k) for k in keywords if k)
        elif name == "type":
            value = fold(record.publication_type or "")
        else:  # any
            value = SEP.join((self.text("title"), self.text("abstract"), self.text("keywords")))
        self._cache[name] = value
        return value


Predicate = Callable[[View], bool]


def _search_predicate(fld: str, regex: re.Pattern[str], literal: str) -> Predicate:
    """Regex search in one field, skipped when the required literal does not occur."""
    search = regex.search

    def found(view: View) -> bool:
        text = view.text(fld)
        return literal in text and search(text) is not None

    return found


def term_predicate(fld: str, text: str) -> Predicate:
    pattern = term_pattern(text)
    assert pattern is not None  # the parser and the loader refuse such terms
    return _search_predicate(fld, re.compile(pattern.bounded), pattern.literal)


def any_predicate(options: Sequence[Predicate]) -> Predicate:
    if len(options) == 1:
        return options[0]
    choices = tuple(options)

    def any_of(view: View) -> bool:
        return any(option(view) for option in choices)

    return any_of


def _near_predicate(node: Near) -> Predicate:
    left, right = term_pattern(node.left.text), term_pattern(node.right.text)
    assert left is not None and right is not None
    gap = rf"(?!\w)(?:{PHRASE_GAP}\w+){{0,{node.distance}}}{PHRASE_GAP}"
    forward = re.compile(rf"{left.opening}{gap}(?:{right.source})(?!\w)").search
    backward = re.compile(rf"{right.opening}{gap}(?:{left.source})(?!\w)").search
    fld = node.left.field
    lits = (left.literal, right.literal)

    def near(view: View) -> bool:
        text = view.text(fld)
        return (
            lits[0] in text
            and lits[1] in text
            and (forward(text) is not None or backward(text) is not None)
        )

    return near


def _compile(node: Node) -> Predicate:
    if isinstance(node, Term):
        return term_predicate(node.field, node.text)
    if isinstance(node, Near):
        return _near_predicate(node)
    if isinstance(node, Not):
        inner = _compile(node.item)
        return lambda view: not inner(view)
    if isinstance(node, And):
        parts = tuple(_compile(i) for i in node.items)

        def all_of(view: View) -> bool:
            return all(part(view) for part in parts)

        return all_of
    return any_predicate([_compile(i) for i in node.items])


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
    _predicate: Predicate = field(repr=False, compare=False, hash=False)

    def matches(self, record: Record) -> bool:
        return self._predicate(View(record))

    def matches_view(self, view: View) -> bool:
        """`matches` on a record whose fields are already folded (shared by several rules)."""
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
    root = parse(text)
    return Query(text, root, _compile(root))
