"""EndNote XML (`<xml><records><record>…`), as EndNote and Mendeley write it.

Parsed with defusedxml's expat parser, fed in blocks; each `<record>` is taken out of the
tree as soon as it ends, so a library of any size is read in constant memory. (The
element handlers are set on expat directly: defusedxml's iterparse, with its pure-Python
tree builder and event queue, was several times slower.) No DTD is allowed (so no
entity is ever declared or expanded, and no external entity fetched). Malformed XML
anywhere refuses the whole file with `path:line: what is wrong`. The fields of a record
are read in `endnote_fields`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from screener.errors import ImportFormatError
from screener.ingest.endnote_fields import empty_reason, fields, is_empty, to_record
from screener.ingest.report import ImportResult, Skipped
from screener.model import Record

FORMAT = "endnote-xml"
_POSITION_RE = re.compile(r": line \d+, column (\d+)$")
# What may stand before the root element: a byte-order mark, the XML declaration,
# comments, processing instructions, a document type declaration (refused later).
_PROLOGUE_RE = re.compile(r"\A\ufeff?\s*(?:(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>)\s*)*", re.DOTALL)  # fmt: skip
_ROOT_RE = re.compile(r"<([A-Za-z_][\w.:-]*)")


def root_element(text: str) -> str:
    """The name of the first element of an XML text, or '' when it does not look like XML."""
    m = _PROLOGUE_RE.match(text)
    rest = text[m.end() if m else 0 :]
    if not rest.startswith("<"):
        return ""
    root = _ROOT_RE.match(rest)
    return root.group(1) if root else ""


def looks_like_endnote_xml(text: str) -> bool:
    """Whether the text's root element is `<xml>` and it holds `<records>` or `<record>`."""
    return root_element(text) == "xml" and "<record" in text


class _RecordParser(DefusedXMLParser):
    """defusedxml's parser (DTDs forbidden too) that collects each `<record>` as it ends.

    `done` holds (line of the `<record>` start, element) of the records ended since it
    was last emptied; each is already detached from its `<records>` parent.
    """

    def __init__(self) -> None:
        builder = TreeBuilder()  # ElementTree's C builder
        super().__init__(
            target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
        self.done: list[tuple[int, Element]] = []
        expat = self.parser
        expat.ordered_attributes = False  # attributes as a dict, as TreeBuilder takes them
        start, end, done = builder.start, builder.end, self.done
        open_lines: list[int] = []
        holder: list[Element] = []

        def on_start(tag: str, attrs: dict[str, str]) -> None:
            if tag == "record":
                open_lines.append(expat.CurrentLineNumber)
            elem = start(tag, attrs)
            if tag == "records":
                holder[:] = [elem]

        def on_end(tag: str) -> None:
            elem = end(tag)
            if tag == "record":
                if holder and len(holder[0]) and holder[0][-1] is elem:
                    del holder[0][-1]
                done.append((open_lines.pop(), elem))

        expat.StartElementHandler = on_start
        expat.EndElementHandler = on_end

    @property
    def line(self) -> int:
        expat = getattr(self, "parser", None)
        return int(expat.CurrentLineNumber) if expat is not None else 0


def _refusal(path: str, exc: Exception, parser: _RecordParser) -> ImportFormatError:
    if isinstance(exc, ParseError):
        line, column = getattr(exc, "position", (parser.line, 0))
        what = _POSITION_RE.sub("", str(exc))
        return ImportFormatError(path, line, f"malformed XML: {what} (column {column + 1})")
    if isinstance(exc, DefusedXmlException):
        what = (
            "a document type declaration (<!DOCTYPE …>, where entities such as <!ENTITY …> "
            "are declared) is not allowed: EndNote XML has none"
        )
        return ImportFormatError(path, parser.line, what)
    return ImportFormatError(path, parser.line, f"unreadable XML: {exc}")


def iter_endnote_xml(source: IO[bytes], result: ImportResult) -> Iterator[Record]:
    """Records of an EndNote XML file, one at a time; skips and warnings go into `result`.

    Raises `ImportFormatError` on malformed XML, a DTD or entity, or when no `<record>`
    is in the file; the caller's transaction makes the import all or nothing.
    """
    path = result.path
    parser = _RecordParser()
    n = 0
    while True:
        block = source.read(1 << 16)
        try:
            if block:
                parser.feed(block)
            else:
                parser.close()
        except (ParseError, DefusedXmlException, ValueError, LookupError) as exc:
            raise _refusal(path, exc, parser) from exc
        for line, elem in parser.done:
            n += 1
            raw = fields(elem)
            elem.clear()
            if is_empty(raw):
                result.skipped.append(Skipped(line, empty_reason(raw)))
                continue
            record, warnings = to_record(raw, path)
            record.source_id = record.source_id or f"#{n}"
            result.warnings.extend(f"{path}:{line}: {w}" for w in warnings)
            yield record
        parser.done.clear()
        if not block:
            break
    if not n:
        raise ImportFormatError(path, 1, "no records found in this EndNote XML file (no <record>)")


def xml_encoding(head: bytes) -> str:
    """The encoding an XML file declares (or its byte-order mark says), for the report."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    m = re.match(rb"(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)", head)
    return m.group(1).decode("ascii").lower() if m else "utf-8"


def read_endnote_xml(source: IO[bytes], path: str, encoding: str) -> ImportResult:
    """All records of an EndNote XML file (see `iter_endnote_xml`)."""
    result = ImportResult(path=path, format=FORMAT, encoding=encoding)
    result.records.extend(iter_endnote_xml(source, result))
    return result


def stream_endnote_xml(path: Path) -> tuple[ImportResult, Iterator[Record]]:
    """The report and the records of an EndNote XML file, read while they are consumed."""
    name = str(path)
    with path.open("rb") as fh:
        encoding = xml_encoding(fh.read(1024))
    result = ImportResult(path=name, format=FORMAT, encoding=encoding)

    def records() -> Iterator[Record]:
        with path.open("rb") as fh:
            yield from iter_endnote_xml(fh, result)

    return result, records()


def not_endnote(path: str, root: str) -> ImportFormatError:
    """The refusal of an XML file that is not an EndNote XML export."""
    return ImportFormatError(
        path,
        1,
        f"XML with root element <{root}>, not an EndNote XML export (<xml><records>"
        "<record>…): not a bibliographic export",
    )
