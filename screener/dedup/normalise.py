"""Normalising the fields duplicates are compared on.

Databases write the same study differently: Embase upper-cases some titles and drops
the final period, PubMed brackets translated titles, exporters leave HTML entities or
mojibake, one writes `β` and another `beta`, authors come as `Legg R.F.`, `Legg RF`,
`Legg, R F` or `R F Legg`. Everything here maps those spellings to one form.
"""

from __future__ import annotations

import html
import re
import unicodedata

GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "µ": "mu",
    "ν": "nu", "ξ": "xi", "ο": "omicron", "π": "pi", "ρ": "rho", "σ": "sigma", "ς": "sigma",
    "τ": "tau", "υ": "upsilon", "φ": "phi", "ϕ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
    "ß": "ss", "æ": "ae", "ø": "o", "đ": "d", "ł": "l", "þ": "th", "œ": "oe",
}  # fmt: skip
_GREEK_UPPER = {k.upper(): v for k, v in GREEK.items() if len(k.upper()) == 1 and k.upper() != k}
_TRANSLATE = str.maketrans({**GREEK, **_GREEK_UPPER, "Ø": "o", "Đ": "d", "Ł": "l", "Æ": "ae"})

_TAG_RE = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
_MOJIBAKE_RE = re.compile("[ÃÂâ][\u0080-\u00bf\u0152-\u0178\u02c6-\u02dc\u2013-\u203a\u20ac\u2122]")
_NON_ALNUM_RE = re.compile(r"[^0-9a-z]+")
_BRACKET_RE = re.compile(r"\[([^\[\]]*)\]")

# Words that carry no weight when blocking on rare title tokens or comparing journals.
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "by",
        "de",
        "der",
        "des",
        "die",
        "du",
        "el",
        "en",
        "et",
        "for",
        "from",
        "in",
        "is",
        "la",
        "le",
        "les",
        "of",
        "on",
        "or",
        "the",
        "to",
        "und",
        "with",
        "y",
    ]
)
_JOURNAL_STOP = STOPWORDS - {"a"}  # `U S A` in `Proc Natl Acad Sci U S A`
# Title words that make a record a different kind of publication than its namesake.
NOTICE_WORDS = frozenset(
    ["erratum", "errata", "corrigendum", "corrigenda", "retraction", "retracted", "withdrawn"]
)
# …and words that do so only where a title starts (`Reply to`, `Comment on`, `Re:`).
NOTICE_OPENERS = frozenset(
    [
        "comment",
        "commentary",
        "comments",
        "reply",
        "response",
        "re",
        "correction",
        "correspondence",
        "letter",
        "editorial",
    ]
)
_DIGITS = re.compile(r"\d+")
_ROMAN = frozenset(["ii", "iii", "iv", "vi", "vii", "viii", "ix", "xi", "xii"])
_NO_AUTHOR = frozenset({"anonymous", "anon", "unknown", "etal", "author", "authors", "na"})


def fix_mojibake(text: str) -> str:
    """UTF-8 read as cp1252 (`â€œSepsisâ€`) back to what was meant, when that is certain."""
    if not _MOJIBAKE_RE.search(text):
        return text
    for codec in ("cp1252", "latin-1"):
        try:
            return text.encode(codec).decode("utf-8", errors="ignore")
        except UnicodeEncodeError:
            continue
    return text


def fold(text: str) -> str:
    """Lower-case ASCII-ish text: entities, tags, mojibake, Greek letters, diacritics."""
    if not text:
        return ""
    if text.isascii() and "&" not in text and "<" not in text:
        return text.lower()
    if "&" in text:
        text = html.unescape(html.unescape(text))
    if "<" in text:
        text = _TAG_RE.sub(" ", text)
    if text.isascii():
        return text.lower()
    text = fix_mojibake(text).translate(_TRANSLATE)
    text = unicodedata.normalize("NFKD", text)
    if not text.isascii():
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.lower()


def words(text: str) -> list[str]:
    """The alphanumeric words of a folded text."""
    return _NON_ALNUM_RE.sub(" ", fold(text)).split()


def _bracket_parts(title: str) -> tuple[str, list[str]]:
    """The title without long bracketed segments, and those segments (translations)."""
    t = title.strip().rstrip(".").strip()
    if t.startswith("[") and t.endswith("]") and t.count("[") == 1:
        return t[1:-1], []
    segments = [s for s in _BRACKET_RE.findall(t) if len(s.split()) >= 3]
    if not segments:
        return t, []
    main = _BRACKET_RE.sub(lambda m: " " if len(m.group(1).split()) >= 3 else m.group(0), t)
    if len(main.split()) < 3:
        return t, []
    return main, segments


def title_variants(title: str) -> tuple[str, ...]:
    """Normalised forms of a title: the title itself, then any bracketed translation.

    A form is its words joined by single spaces; `compact()` drops the spaces.
    """
    main, alternates = _bracket_parts(title or "")
    out: list[str] = []
    for part in (main, *alternates):
        norm = " ".join(words(part))
        if norm and norm not in out:
            out.append(norm)
    return tuple(out)


def compact(norm_title: str) -> str:
    """A normalised title without spaces: `TNF-α` and `TNFalpha` compare equal."""
    return norm_title.replace(" ", "")


def number_tokens(norm_title: str) -> frozenset[str]:
    """Numbers and roman numerals of a title (`part II`, `phase 3`, `type 2`)."""
    out = {t for t in norm_title.split() if t in _ROMAN}
    out.update(_DIGITS.findall(norm_title))
    return frozenset(out)


def notice_words(norm_title: str) -> frozenset[str]:
    """Words that mark an erratum, a retraction, or (opening the title) a comment, a reply…"""
    tokens = norm_title.split()
    found = {t for t in tokens if t in NOTICE_WORDS}
    for t in tokens[:2]:
        if t in NOTICE_OPENERS:
            found.add(t)
            break
        if t not in ("in", "author", "authors", "the"):
            break
    return frozenset(found)


def _initials_like(token: str) -> bool:
    """`R.F.`, `RF`, `R`, `R.-F.`: a token of initials (upper-case, at most three letters)."""
    letters = token.replace(".", "").replace("-", "")
    return bool(letters) and letters.isalpha() and letters.isupper() and len(letters) <= 3


def surname(author: str) -> str:
    """The folded surname of an author written any of the usual ways ('' if none)."""
    a = " ".join((author or "").split())
    if not a:
        return ""
    if "," in a:
        name = a.split(",", 1)[0]
    else:
        tokens = a.split(" ")
        if len(tokens) == 1:
            name = tokens[0]
        elif _initials_like(tokens[-1]) and not _initials_like(tokens[0]):
            name = " ".join(t for t in tokens if not _initials_like(t))  # Legg R.F. / Legg RF
        elif _initials_like(tokens[0]):
            name = " ".join(t for t in tokens if not _initials_like(t))  # R F Legg
        else:
            name = tokens[-1]  # Robert Legg
    key = "".join(words(name))
    return "" if key in _NO_AUTHOR else key


def author_tokens(author: str) -> frozenset[str]:
    """Every word of two letters or more in an author name (order-free comparison)."""
    return frozenset(w for w in words(author) if len(w) >= 2)


def journal_tokens(journal: str) -> tuple[str, ...]:
    return tuple(w for w in words(journal) if w not in _JOURNAL_STOP)


def _abbreviates(short: str, full: str) -> bool:
    """`clin` abbreviates `clinical`, `natl` abbreviates `national` (same first letter)."""
    if not short or not full or short[0] != full[0]:
        return False
    if full.startswith(short):
        return True
    it = iter(full)
    return all(ch in it for ch in short)


def journals_agree(a: tuple[str, ...], b: tuple[str, ...]) -> bool | None:
    """Same journal, allowing an abbreviation for the full name; None if one is unknown."""
    if not a or not b:
        return None
    if a == b or "".join(a) == "".join(b):
        return True
    if len(a) != len(b):
        return False
    return all(_abbreviates(x, y) or _abbreviates(y, x) for x, y in zip(a, b, strict=True))


_LEADING_DIGITS = re.compile(r"\d+")
_NOT_DIGIT = re.compile(r"\D+")
_PAGE_SPLIT = re.compile(r"\s*[-–—,;]\s*")


def volume_key(volume: str) -> str:
    """`12`, `12 Suppl 1`, `Vol. 12` → `12`; a volume without digits is kept folded."""
    v = fold(volume or "").strip()
    m = _LEADING_DIGITS.search(v)
    if m:
        return m.group(0).lstrip("0") or "0"
    return _NON_ALNUM_RE.sub("", v)


def first_page(pages: str) -> str:
    """`123-9` → `123`; `e0123` → `123`; `S12-S14` → `12` (letters dropped, zeros too)."""
    p = fold(pages or "").strip()
    if not p:
        return ""
    first = _PAGE_SPLIT.split(p, maxsplit=1)[0]
    digits = first if first.isdigit() else _NOT_DIGIT.sub("", first)
    if digits:
        return digits.lstrip("0") or "0"
    return _NON_ALNUM_RE.sub("", first)


def pmid_key(pmid: str) -> str:
    p = (pmid or "").strip()
    return (p if p.isdigit() else _NOT_DIGIT.sub("", p)).lstrip("0")


def doi_key(doi: str) -> str:
    d = (doi or "").strip().lower()
    for prefix in ("https://doi.org/", "http://doi.org/", "http://dx.doi.org/", "doi:"):
        if d.startswith(prefix):
            d = d[len(prefix) :]
    return d.rstrip(".")


def abstract_key(abstract: str, length: int = 600) -> str:
    """The start of an abstract, folded, without structure headings' punctuation."""
    return " ".join(words(abstract[: length + 200]))[:length]
