"""Import of database exports: RIS, PubMed MEDLINE/nbib, EndNote XML, BibTeX, CSV/TSV/Excel.

`read_file(path)` detects the format from the content and returns an `ImportResult`:
the normalised records plus a report of what was read, skipped and warned about;
`detect.stream_file` is what the facade calls (large RIS and EndNote XML files streamed).
"""

from screener.ingest.detect import read_file
from screener.ingest.report import ImportResult, Skipped

__all__ = ["ImportResult", "Skipped", "read_file"]
