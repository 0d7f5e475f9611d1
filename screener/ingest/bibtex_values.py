"""BibTeX field values: macros and `#` concatenation expanded, a lenient reading of an
entry that a strict parser gave up on, and whether a text is BibTeX at all."""

from __future__ import annotations

import re

_MONTH_NAMES = (
    "January February March April May June July August September October November December"
)
MONTHS = {m[:3].lower(): m for m in _MONTH_NAMES.split()}
_NAME_RE = re.compile(r"[^\s\"#%'(),={}]+")
_FIELD_RE = re.compile(r"\s*,?\s*([\w:.+-]+)\s*=\s*")
_RESYNC_RE = re.compile(r"\n\s*([\w:.+-]+)\s*=\s*")
_HEAD_RE = re.compile(r"\s*@(\w+)\s*[{(]\s*")
_KEY_RE = re.compile(r"([^\s,={}()\"#%']*)\s*(?:,|\n)")
_BRACE_RE = re.compile(r"\\.|[{}]", re.DOTALL)  # an escape (skipped whole) or a brace
_QUOTE_RE = re.compile(r'\\.|[{}"]', re.DOTALL)  # the same, or a quote


def _braced(text: str, pos: int) -> int:
    """The index after the `}` closing the `{` at `pos`; -1 when it is never closed."""
    depth = 0
    for m in _BRACE_RE.finditer(text, pos):
        c = m.group()
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return m.end()
    return -1


def _quoted(text: str, pos: int) -> int:
    """The index after the `"` closing the one at `pos` (braces nest); -1 when unclosed."""
    depth = 0
    for m in _QUOTE_RE.finditer(text, pos + 1):
        c = m.group()
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == '"' and depth <= 0:
            return m.end()
    return -1


def _parts(value: str) -> tuple[list[str], int]:
    """The `#`-separated parts of a value as written, and where reading them stopped
    (`len(value)` when all of it was read)."""
    parts: list[str] = []
    pos, n = 0, len(value)
    while True:
        while pos < n and value[pos].isspace():
            pos += 1
        if pos >= n:
            return parts, n
        c = value[pos]
        if c == "{":
            end = _braced(value, pos)
        elif c == '"':
            end = _quoted(value, pos)
        else:
            m = _NAME_RE.match(value, pos)
            end = m.end() if m else -1
        if end < 0:
            return parts, pos
        parts.append(value[pos:end])
        after = end
        while after < n and value[after].isspace():
            after += 1
        if after >= n:
            return parts, n
        if value[after] != "#":
            return parts, end
        pos = after + 1


def expand(value: str, strings: dict[str, str]) -> tuple[str, str]:
    """A value as written (`{A {B}}`, `"A"`, `2020`, `jan`, `name # { more}`) → its text,
    and what follows it that is not part of a value (empty for a well-formed one).

    Braces inside a value are kept (they are LaTeX, decoded later); macros are looked up
    in `strings` (lower-case names), then among the month names; an unknown one stays.
    """
    parts, stop = _parts(value)
    if not parts:
        return value.strip(), ""
    out = []
    for part in parts:
        if part[0] in '{"':
            out.append(part[1:-1])
        elif part.isdigit():
            out.append(part)
        else:
            out.append(strings.get(part.lower(), MONTHS.get(part.lower(), part)))
    return "".join(out), value[stop:].strip()


def _value_end(text: str, pos: int) -> int:
    """Where the value starting at `pos` ends, as well as a broken one can be told."""
    while True:
        c = text[pos : pos + 1]
        if c == "{":
            end = _braced(text, pos)
        elif c == '"':
            end = _quoted(text, pos)
        else:
            m = _NAME_RE.match(text, pos)
            end = m.end() if m else pos
        if end < 0:  # never closed: up to the next line that starts a field, or the end
            m = _RESYNC_RE.search(text, pos)
            return m.start() if m else len(text.rstrip().rstrip("})").rstrip())
        rest = text[end:]
        stripped = rest.lstrip()
        if stripped.startswith("#"):
            pos = end + (len(rest) - len(stripped)) + 1
            while pos < len(text) and text[pos].isspace():
                pos += 1
            continue
        return end


def lenient_entry(chunk: str) -> tuple[str, str, dict[str, str]]:
    """(type, citation key, field → value as written) of a possibly broken entry."""
    head = _HEAD_RE.match(chunk)
    if not head:
        return "", "", {}
    entry_type = head.group(1)
    pos = head.end()
    key = ""
    km = _KEY_RE.match(chunk, pos)
    if km and not chunk[km.end(1) :].lstrip().startswith("="):
        key, pos = km.group(1), km.end()
    fields: dict[str, str] = {}
    while pos < len(chunk):
        m = _FIELD_RE.match(chunk, pos)
        if not m:
            m = _RESYNC_RE.search(chunk, pos)
            if not m:
                break
        name = m.group(1).lower()
        start = m.end()
        end = _value_end(chunk, start)
        value = chunk[start:end].strip()
        if value and name not in fields:
            fields[name] = value
        pos = max(end, start + 1)
    return entry_type, key, fields


def detect_bibtex(text: str) -> bool:
    """Whether the first content (blank lines and `%` comments aside) starts a BibTeX block."""
    for raw_line in text.split("\n", 200)[:200]:
        line = raw_line.strip().lstrip("\ufeff\u200b")
        if not line or line.startswith("%"):
            continue
        return bool(re.match(r"@\w+\s*[{(]", line))
    return False


def looks_like_bibtex(text: str) -> bool:
    """Whether `text` holds an entry with a field (`@article{key, title = ...`) anywhere."""
    return re.search(r"(?m)^\s*@\w+\s*[{(][^,=\n]*,\s*\w+\s*=", text) is not None
