"""The query language's syntax: tokenizer, parser and the query tree it builds.

* ``AND``, ``OR``, ``NOT`` (case-insensitive), precedence ``NOT`` > ``AND`` > ``OR``;
  two operands side by side are joined by an implicit ``AND`` (``a NOT b`` = ``a AND NOT b``).
* parentheses, quoted phrases (``"cognitive behavioral therapy"``), bare terms.
* wildcards: ``*`` any run of word characters (``rodent*``), ``?`` one optional word
  character (``behavio?ral`` matches behavioral and behavioural).
* field scopes ``title:``, ``abstract:``, ``keywords:``, ``type:`` (publication type) and
  ``any:`` (title + abstract + keywords, the default), on a term, a phrase or a group.
* ``a NEAR/n b``: both terms in the same field with at most ``n`` words between them,
  in either order. Operands must be terms or phrases.

Errors are :class:`RuleSyntaxError` with a 1-based character position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from screener.errors import ScreenerError
from screener.rules.text import term_pattern


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
            if term_pattern(text) is None:
                what = "phrase" if phrase else "term"
                raise RuleSyntaxError(f"{what} {text!r} has no letters or digits", token.position)
            return Term(text, fld, phrase, token.position)
        if token.kind == ")":
            raise RuleSyntaxError("unexpected ')'", token.position)
        if token.kind == "END":  # pragma: no cover - callers check for an operand first
            raise RuleSyntaxError("unexpected end of query", token.position)
        # AND / OR / NEAR with nothing before them
        raise RuleSyntaxError(f"operator {_describe(token)} has nothing before it", token.position)


def parse(text: str) -> Node:
    """The query tree of `text`; raises :class:`RuleSyntaxError` with a 1-based position."""
    return _Parser(text).parse()
