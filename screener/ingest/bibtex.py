"""BibTeX (.bib), split into blocks by bibtexparser 2, as Zotero, Better BibTeX and JabRef
write it.

bibtexparser finds the blocks, their lines, the entries it cannot parse and repeated
citation keys; names are split with its `split_multiple_persons_names` (an `and` inside
braces stays) and LaTeX is decoded with pylatexenc as its `LatexDecodingMiddleware` does.
Values are expanded here: `@string` macros, `#` concatenation and month names (the
library resolves only whole-value macros).

Every entry start at the beginning of a line (`@type{` or `@type(`, not `@string`,
`@comment`, `@preamble`) is a record read. An entry bibtexparser could not parse is read
again on its own, leniently, and imported with what could be read and a warning naming
its line; one of which no field can be read is skipped as empty. An entry whose citation
key repeats an earlier one is imported too (two papers may share a key), with a warning.
"""

from __future__ import annotations

import logging
import re

import bibtexparser
from bibtexparser.middlewares import LatexDecodingMiddleware
from bibtexparser.middlewares.names import split_multiple_persons_names
from bibtexparser.model import (
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    ParsingFailedBlock,
    String,
)
from pylatexenc.latexwalker import get_default_latex_context_db

from screener.ingest.bibtex_values import expand, lenient_entry
from screener.ingest.report import ImportResult, Skipped
from screener.ingest.text import clean, normalise_doi, parse_year
from screener.model import Record

# The start of a block, as the import check counts them: `@type` then `{` or `(`.
BLOCK_START_RE = re.compile(r"(?m)^\s*@(\w+)\s*[{(]")
NOT_ENTRIES = frozenset({"string", "comment", "preamble"})

PUBLICATION_TYPES = {
    "article": "Journal Article",
    "inproceedings": "Conference Paper",
    "conference": "Conference Paper",
    "book": "Book",
    "incollection": "Book Chapter",
    "inbook": "Book Chapter",
    "phdthesis": "Thesis",
    "mastersthesis": "Thesis",
    "thesis": "Thesis",
    "techreport": "Report",
    "report": "Report",
}
# Fields whose value is not LaTeX text: only the escapes of special characters are undone.
_VERBATIM = frozenset({"url", "doi", "file", "eprint", "pmid", "pmcid", "isbn", "issn"})
_VERBATIM_ESCAPE_RE = re.compile(r"\\([_%&#$~{}\\])|[{}]")  # escapes undone, braces dropped
_PERCENT_RE = re.compile(r"(?<!\\)([%&])")  # text in a value, never a comment or a tab
_NOTE_PMID_RE = re.compile(r"\bPMID:\s*(\d{1,9})\b")  # Zotero writes `PMID: 123` in the note
_LATEX_RE = re.compile(r"[\\{}~$%`]|--|''|[!?]`")  # what decoding would change
# Values with nothing but braces, escaped specials and dashes are decoded here (pylatexenc
# takes ~0.5 ms a value); anything else (macros, accents, math, quotes) goes to pylatexenc.
_NOT_SIMPLE_RE = re.compile(r"\\(?![%&#$_{}])|[~`$]|''")
_SIMPLE_RE = re.compile(r"\\([%&#$_{}])|[{}]")
# An accented or special letter in braces as BibTeX files write names (`{\\"u}`, `{\\'e}`,
# `{\\c c}`, `{\\ss}`, `{\\o}`): each decoded once by pylatexenc, then looked up.
_ACCENT_RE = re.compile(
    r"\{\\(?:[\"'`^~=.][A-Za-z]|[cvuHkrdb] [A-Za-z]|ss|o|O|l|L|aa|AA|ae|AE|oe|OE|i|j)\}"
)
_ACCENTS: dict[str, str] = {}
_DASHES_RE = re.compile(r"\s*(?:--+|[\u2010-\u2015])\s*")

_DECODER = LatexDecodingMiddleware()._decoder
# The macros pylatexenc's parser knows, built once: given none, it builds them for every
# value (a sixth of the time a value takes).
_WALKER_CONTEXT = get_default_latex_context_db()
# The splitter logs each block it gives up on; the import report names them instead.
logging.getLogger("bibtexparser.splitter").setLevel(logging.ERROR)


def decode_latex(value: str, *, verbatim: bool = False) -> str:
    """LaTeX to text (`{\\"o}` → `ö`, `\\&` → `&`, `--` → `–`); `verbatim`: escapes only."""
    if verbatim:
        return _VERBATIM_ESCAPE_RE.sub(lambda m: m.group(1) or "", value)
    if not _LATEX_RE.search(value):
        return value
    if not _NOT_SIMPLE_RE.search(value):  # braces, escapes, dashes only: as pylatexenc reads them
        return _simple(value)
    if "{\\" in value:  # braced accents and nothing else that needs pylatexenc: decoded here
        letters = _ACCENT_RE.sub(_accent, value)
        if letters != value and not _NOT_SIMPLE_RE.search(letters):
            return _simple(letters)
    return _pylatexenc(_PERCENT_RE.sub(r"\\\1", value))


def _simple(value: str) -> str:
    value = value.replace("---", "\u2014").replace("--", "\u2013")
    return _SIMPLE_RE.sub(lambda m: m.group(1) or "", value)


def _accent(m: re.Match[str]) -> str:
    """A braced accent as pylatexenc decodes it on its own (a group's text needs no context)."""
    group = m.group()
    if group not in _ACCENTS:
        _ACCENTS[group] = _pylatexenc(group)
    return _ACCENTS[group]


def _pylatexenc(value: str) -> str:
    try:  # as LatexDecodingMiddleware does: on any error the value stays as it is
        return _DECODER.latex_to_text(value, latex_context=_WALKER_CONTEXT)
    except Exception:
        return value


def _names(value: str) -> list[str]:
    """The names of an `author` field (an ` and ` within braces stays).

    Backslashes are hidden from bibtexparser's splitter: it counts `\\{` as a brace and
    drops a backslash that starts a name.
    """
    if not value.strip():
        return []
    if any(c in value for c in "\x01\x02\x03"):  # the stand-ins are taken: split as it is
        return [n for n in split_multiple_persons_names(value) if n.strip()]
    hidden = value.replace("\\{", "\x01").replace("\\}", "\x02").replace("\\", "\x03")
    back = {1: "\\{", 2: "\\}", 3: "\\"}
    return [n.translate(back) for n in split_multiple_persons_names(hidden) if n.strip()]


def _first(fields: dict[str, str], *keys: str) -> str:
    for key in keys:
        value = fields.get(key)
        if value:
            return value
    return ""


def to_record(
    entry_type: str, key: str, values: dict[str, str], source_file: str
) -> tuple[Record, list[str]]:
    """Normalise one entry (field → expanded value, LaTeX not yet decoded); warnings too."""
    warnings: list[str] = []
    text = {
        k: clean(decode_latex(v, verbatim=k in _VERBATIM))
        for k, v in values.items()
        if k != "author"
    }
    authors = [clean(decode_latex(name)) for name in _names(values.get("author", ""))]
    year_text = _first(text, "year", "date")
    year = parse_year(year_text)
    if year is None and year_text:
        warnings.append(f"unparseable year {year_text!r}")
    url = _first(text, "url")
    doi = normalise_doi(text.get("doi", ""))
    if not doi and "doi" in url.lower():
        doi = normalise_doi(url)
    pmid = text.get("pmid", "")
    if not pmid and text.get("eprinttype", "").lower() == "pubmed":
        pmid = text.get("eprint", "")
    if not pmid and (m := _NOTE_PMID_RE.search(text.get("note", "") + text.get("extra", ""))):
        pmid = m.group(1)
    keywords = [k.strip() for k in re.split(r"[;,]", text.get("keywords", "")) if k.strip()]
    record = Record(
        title=_first(text, "title"),
        abstract=_first(text, "abstract"),
        authors=authors,
        year=year,
        journal=_first(text, "journal", "journaltitle", "booktitle"),
        volume=_first(text, "volume"),
        issue=_first(text, "number", "issue"),
        pages=_DASHES_RE.sub("-", _first(text, "pages")),
        doi=doi,
        pmid=pmid if pmid.isdigit() else "",
        keywords=keywords,
        language=_first(text, "language", "langid"),
        publication_type=PUBLICATION_TYPES.get(entry_type.lower(), entry_type.lower()),
        url=url,
        source_id=key,
        accession=_first(text, "eprint", "arxiv", "arxivid"),
        source_file=source_file,
        raw={"ENTRYTYPE": [entry_type], "ID": [key], **{k: [v] for k, v in values.items()}},
    )
    if not record.title:
        warnings.append("no title")
    return record, warnings


def _string_values(library: bibtexparser.Library) -> dict[str, str]:
    """`@string` macros (lower-case name → expanded value), each seeing those before it."""
    strings: dict[str, str] = {}
    for block in library.blocks:
        if isinstance(block, String):
            strings[block.key.lower()] = expand(str(block.value), strings)[0]
        elif isinstance(block, DuplicateBlockKeyBlock) and isinstance(
            block.ignore_error_block, String
        ):
            s = block.ignore_error_block
            strings[s.key.lower()] = expand(str(s.value), strings)[0]
    return strings


def _fields(
    raw: list[tuple[str, str]], strings: dict[str, str], warnings: list[str], *, cut: bool = False
) -> dict[str, str]:
    """Field name (lower case) → expanded value; the first of repeated fields wins.

    Text after a value that belongs to no field (a missing comma or `=`) is a warning.
    `cut`: values may be cut short (a broken entry); a lone opening delimiter is dropped.
    """
    out: dict[str, str] = {}
    for key, value in raw:
        name = key.strip().lower()
        if name and name not in out:
            text, rest = expand(value, strings)
            out[name] = _unbroken(text) if cut else text
            if rest:
                warnings.append(f"field {name!r}: {clean(rest)[:60]!r} after its value not read")
    return out


def _start_offsets(text: str) -> list[tuple[int, int, str]]:
    """(line, offset of `@`, type) of every block start at the beginning of a line."""
    out = []
    line, pos = 1, 0
    for m in BLOCK_START_RE.finditer(text):
        at = m.start(1) - 1
        line += text.count("\n", pos, at)
        pos = at
        out.append((line, at, m.group(1)))
    return out


def read_bibtex(text: str, path: str, encoding: str) -> ImportResult:
    """Read a BibTeX text: one record per entry start; skips and warnings in the report."""
    result = ImportResult(path=path, format="bibtex", encoding=encoding)
    library = bibtexparser.parse_string(text, parse_stack=[])
    strings = _string_values(library)
    starts = _start_offsets(text)
    chunk_at: dict[int, str] = {}
    for i, (line, at, kind) in enumerate(starts):
        if kind.lower() not in NOT_ENTRIES:
            end = starts[i + 1][1] if i + 1 < len(starts) else len(text)
            chunk_at[line] = text[at:end]
    # line → the blocks starting on it, in order (entry or None, problem, raw text): several
    # entries may share a line.
    found: dict[int, list[tuple[Entry | None, str, str]]] = {}
    first_line: dict[str, int] = {}
    for block in library.blocks:
        line = (block.start_line or 0) + 1
        here = found.setdefault(line, [])
        if isinstance(block, Entry):
            here.append((block, "", ""))
            first_line.setdefault(block.key, line)
        elif isinstance(block, DuplicateBlockKeyBlock):
            dup = block.ignore_error_block
            if isinstance(dup, Entry):
                was = first_line.get(dup.key)
                where = f" (first at line {was})" if was else ""
                here.append((dup, f"citation key {dup.key!r} used again{where}: imported too", ""))
        elif isinstance(block, DuplicateFieldKeyBlock):
            entry = block.ignore_error_block
            if isinstance(entry, Entry):
                first_line.setdefault(entry.key, line)
                repeated = ", ".join(sorted(block.duplicate_keys))
                here.append((entry, f"field(s) {repeated} repeated: the first kept", ""))
        elif isinstance(block, ParsingFailedBlock):
            raw = (block.raw or "").lstrip()
            kind = raw[1:].split("{", 1)[0].split("(", 1)[0].strip().lower()
            if kind in NOT_ENTRIES:
                result.warnings.append(f"{path}:{line}: a malformed @{kind} block: ignored")
            elif raw.startswith("@"):
                here.append((None, _reason(block.error), raw))
    found = {line: items for line, items in found.items() if items}  # @string etc. left out
    for line in sorted(set(found) | set(chunk_at)):
        items = found.get(line) or [(None, "not read as an entry", "")]
        for entry, problem, raw in items:
            if entry is None:
                alone = len(items) == 1 and line in chunk_at
                _recover(result, line, chunk_at[line] if alone else raw, problem, strings)
                continue
            problems = [problem] if problem else []
            fields = [(f.key, str(f.value)) for f in entry.fields]
            values = _fields(fields, strings, problems)
            if not any(v.strip() for v in values.values()):
                result.skipped.append(Skipped(line, f"empty entry {entry.key!r}: no fields"))
                continue
            record, warnings = to_record(entry.entry_type, entry.key, values, path)
            _add(result, line, record, problems + warnings)
    return result


def _reason(error: Exception) -> str:
    """bibtexparser's word on why a block failed, on one line."""
    why = getattr(error, "abort_reason", "") or str(error) or type(error).__name__
    return clean(why.replace("`", "'"))


def _add(result: ImportResult, line: int, record: Record, warnings: list[str]) -> None:
    if not record.source_id:
        record.source_id = f"#{result.records_in_file + 1}"
    result.records.append(record)
    result.warnings.extend(f"{result.path}:{line}: {w}" for w in warnings)


def _recover(
    result: ImportResult, line: int, chunk: str, problem: str, strings: dict[str, str]
) -> None:
    """An entry bibtexparser could not parse: import what a lenient reading finds."""
    entry_type, key, raw_fields = lenient_entry(chunk)
    values = _fields(list(raw_fields.items()), strings, [], cut=True)
    if not any(v.strip() for v in values.values()):
        result.skipped.append(
            Skipped(line, f"empty entry: malformed, no field could be read ({problem})")
        )
        return
    record, warnings = to_record(entry_type or "misc", key, values, result.path)
    names = ", ".join(values)
    warnings.insert(
        0, f"malformed entry ({problem}); imported the fields that could be read: {names}"
    )
    _add(result, line, record, warnings)


def _unbroken(value: str) -> str:
    """A value cut short (`{Title` with no `}`) without its lone opening delimiter."""
    if value.startswith("{") and value.count("{") > value.count("}"):
        return value[1:]
    if value.startswith('"') and value.count('"') % 2:
        return value[1:]
    return value
