"""Text folding and term patterns: the form every rule and highlight matches on.

Matching is case-insensitive, diacritics-insensitive and on word boundaries. Inside a
term, punctuation is optional (``covid-19`` matches "COVID-19", "covid 19", "covid19");
between the words of a phrase any run of spaces or punctuation matches. A phrase never
spans two keywords or two fields (they are joined by :data:`SEP`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

#: Combining marks stripped after NFKD decomposition (Latin, Greek, Cyrillic diacritics).
_MARKS: Final = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
#: Joins keywords and fields; phrase gaps never cross it.
SEP: Final = "\x1f"
PHRASE_GAP: Final = r"[^\w\x1f]+"
_PUNCT_GAP: Final = r"[^\w\x1f]*"


def fold(text: str) -> str:
    """Lower-case, compatibility-decompose and strip diacritics: the form all matching uses."""
    if text.isascii():
        return text.lower()
    return _MARKS.sub("", unicodedata.normalize("NFKD", text).casefold())


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    return fold(char)


def fold_with_map(text: str) -> tuple[str, list[int], list[str] | None]:
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


# --------------------------------------------------------------------------- term patterns

_TERM_PIECES: Final = re.compile(r"\w+|[*?]|[^\w*?]+")


@dataclass(frozen=True, slots=True)
class TermPattern:
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
def term_pattern(text: str) -> TermPattern | None:
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
            out.append(PHRASE_GAP if any(c.isspace() for c in piece) else _PUNCT_GAP)
    source = "".join(out)
    first = pieces[0]
    if _is_word(first):
        # the first character is a word character: the one before it must not be
        rest = "".join(out[1:])
        opening = re.escape(first[0]) + r"(?<!\w.)" + re.escape(first[1:]) + rest
    else:
        opening = r"(?<!\w)" + source
    return TermPattern(source, opening, literal)


def _is_word(piece: str) -> bool:
    return re.fullmatch(r"\w+", piece) is not None


def _is_gap(piece: str) -> bool:
    return piece not in ("*", "?") and not _is_word(piece)
