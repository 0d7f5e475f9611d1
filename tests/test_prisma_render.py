"""PRISMA outputs from fixed flows: golden SVGs, determinism, the R package's CSV template.

The flows here are built by hand (no store), so the drawing is tested on its own.
Regenerate the golden files after an intended change of the drawing with
`SCREENER_UPDATE_GOLDEN=1 pytest tests/test_prisma_render.py`.
"""

from __future__ import annotations

import csv
import html
import io
import os
import re
from collections import Counter
from pathlib import Path

import pytest

from screener.prisma import OutputFormatError, check_arithmetic, write_flow
from screener.prisma.flow import ColumnCounts, PrismaFlow
from screener.prisma.render import compute_layout
from screener.prisma.template import COLUMNS, DATA_NAMES, to_csv

GOLDEN = Path(__file__).resolve().parent / "golden"
# The data names of the PRISMA2020 R package's inst/extdata/PRISMA.csv, in order.
R_TEMPLATE_NAMES = [
    "previous_studies", "previous_reports", "database_results", "database_specific_results",
    "register_results", "register_specific_results", "website_results", "organisation_results",
    "citations_results", "duplicates", "excluded_automatic", "excluded_other",
    "records_screened", "records_excluded", "dbr_sought_reports", "dbr_notretrieved_reports",
    "other_sought_reports", "other_notretrieved_reports", "dbr_assessed", "dbr_excluded",
    "other_assessed", "other_excluded", "new_studies", "new_reports", "total_studies",
    "total_reports", "identification", "screening", "included",
]  # fmt: skip


def basic_flow() -> PrismaFlow:
    flow = PrismaFlow(title="Ketamine-assisted psychotherapy: a systematic review")
    flow.database_specific = {"PubMed": 412, "Embase": 388, "PsycINFO": 97}
    flow.dbr = ColumnCounts(
        identified=897, duplicates=342, excluded_automatic=12, screened=543, excluded=456,
        sought=87, not_retrieved=3, assessed=84, included=17,
        excluded_reasons=Counter({"Wrong population": 20, "Wrong study design": 31,
                                  "No original data": 16}),
    )  # fmt: skip
    check_arithmetic(flow)
    return flow


def update_flow() -> PrismaFlow:
    """An updated review with registers, other methods and work still pending."""
    flow = PrismaFlow(
        title="Update of a review, with pending work", updated=True, previous_studies=12,
        previous_reports=15,
    )  # fmt: skip
    flow.database_specific = {"PubMed": 300, "Embase": 250}
    flow.register_specific = {"ClinicalTrials.gov": 40}
    flow.citations_results, flow.website_results = 25, 5
    flow.dbr = ColumnCounts(
        identified=590, duplicates=200, duplicates_previous=60, excluded_automatic=10,
        screened=380, excluded=300, ta_awaiting=10, ta_conflicts=4, sought=66, not_retrieved=2,
        assessed=64, ft_awaiting=3, ft_conflicts=1, included=10,
        excluded_reasons=Counter({"Wrong population": 20, "Wrong outcome": 30}),
    )  # fmt: skip
    flow.other = ColumnCounts(
        identified=30, duplicates=8, screened=22, excluded=10, sought=12, not_retrieved=1,
        assessed=11, included=5, excluded_reasons=Counter({"Wrong design, or setting": 6}),
    )  # fmt: skip
    check_arithmetic(flow)
    return flow


FLOWS = {"basic": basic_flow, "update_provisional": update_flow}


def texts(svg: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r"<text\b[^>]*>([^<]*)</text>", svg)]


def creator(svg: str) -> str:
    m = re.search(r"Matplotlib v[^,<]+", svg)
    return m.group(0) if m else ""


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_svg_matches_golden(name: str, tmp_path: Path) -> None:
    got = write_flow(FLOWS[name](), tmp_path / f"{name}.svg").read_text(encoding="utf-8")
    golden = GOLDEN / f"prisma_{name}.svg"
    if os.environ.get("SCREENER_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(got, encoding="utf-8")
    want = golden.read_text(encoding="utf-8")
    if creator(want) == creator(got):
        assert got == want
    else:  # another matplotlib writes other paths: the words and numbers must still match
        assert texts(got) == texts(want)


@pytest.mark.parametrize("ext", ["svg", "pdf", "png"])
def test_diagrams_are_deterministic(ext: str, tmp_path: Path) -> None:
    flow = update_flow()
    one = write_flow(flow, tmp_path / f"one.{ext}").read_bytes()
    two = write_flow(flow, tmp_path / f"two.{ext}").read_bytes()
    assert one == two
    magic = {"svg": b"<?xml", "pdf": b"%PDF-", "png": b"\x89PNG\r\n\x1a\n"}[ext]
    assert one.startswith(magic)


def test_svg_shows_every_count_and_the_provisional_mark(tmp_path: Path) -> None:
    flow = update_flow()
    words = " ".join(texts(write_flow(flow, tmp_path / "f.svg").read_text(encoding="utf-8")))
    data = flow.as_json()
    for key, value in data.items():
        if isinstance(value, int) and not isinstance(value, bool) and key.endswith(
            ("_results", "_studies", "_reports", "duplicates", "_automatic", "_other",
             "_screened", "_excluded", "_assessed")
        ):  # fmt: skip
            assert f"(n = {value})" in words, key
    for reason, n in data["dbr_excluded"].items():
        if reason != "total":
            assert f"{reason} (n = {n})" in words
    assert "PROVISIONAL" in words
    assert "awaiting title/abstract screening: 10" in words
    assert "title/abstract conflicts: 4" in words
    assert "awaiting full-text assessment: 3" in words and "full-text conflicts: 1" in words
    assert (
        "Previous studies" in words and "Identification of new studies via other methods" in words
    )
    basic = " ".join(texts(write_flow(basic_flow(), tmp_path / "b.svg").read_text("utf-8")))
    assert "PROVISIONAL" not in basic and "Previous studies" not in basic
    assert "Studies included in review (n = 17)" in basic
    assert "Identification of studies via databases and registers" in basic
    assert "Reports of included studies (n = 17)" in basic
    assert "new studies" not in basic.lower()
    assert "New studies included in review (n = 15)" in words
    assert "Total studies included in review (n = 27)" in words
    assert "Identification of new studies via databases and registers" in words


def test_page_is_sized_to_the_diagram(tmp_path: Path) -> None:
    """No empty half page: the PNG is the laid-out diagram plus a small margin."""
    import matplotlib.image

    flow = basic_flow()
    layout = compute_layout(flow)
    png = matplotlib.image.imread(str(write_flow(flow, tmp_path / "p.png")))
    assert png.shape[0] == pytest.approx(layout.page[1] * 300, abs=1)
    assert png.shape[1] == pytest.approx(layout.page[0] * 300, abs=1)
    assert layout.page[1] < 0.7 * 11.69 and layout.page[0] <= 8.27
    dark = (png[..., :3] < 0.95).any(axis=2)  # anything drawn, the blue phase bars too
    rows, cols = dark.any(axis=1).nonzero()[0], dark.any(axis=0).nonzero()[0]
    # the last drawn pixel is within the margin (0.25 in = 75 px at 300 dpi) of each edge
    assert png.shape[0] - rows[-1] <= 80 and png.shape[1] - cols[-1] <= 80
    assert rows[0] <= 80 and cols[0] <= 80


def test_layout_fits_a4_with_readable_text() -> None:
    for make in FLOWS.values():
        layout = compute_layout(make())
        assert layout.size >= 7.0
        assert layout.page[0] <= 11.69 and layout.page[1] <= 11.69
        assert min(layout.page) <= 8.27
        boxes = [b for b in layout.boxes.values() if b.style != "phase"]
        for box in boxes:
            assert box.x >= 0 and box.x + box.w <= layout.page[0] + 1e-9
            assert box.top >= 0 and box.bottom <= layout.page[1] + 1e-9


def test_many_reasons_still_fit() -> None:
    flow = basic_flow()
    reasons = Counter({f"Reason number {i} with a rather long explanation": 1 for i in range(40)})
    flow.dbr.excluded_reasons = reasons
    flow.dbr.included = flow.dbr.assessed - sum(reasons.values())
    check_arithmetic(flow)
    layout = compute_layout(flow)
    assert all(b.bottom <= layout.page[1] for b in layout.boxes.values())


def test_csv_is_the_r_package_template() -> None:
    flow = update_flow()
    rows = list(csv.reader(io.StringIO(to_csv(flow))))
    assert rows[0] == COLUMNS == ["data", "node", "box", "description", "boxtext", "tooltips",
                                  "url", "n"]  # fmt: skip
    names = [r[0] for r in rows[1:] if r[0] != "NA"]
    assert names == DATA_NAMES == R_TEMPLATE_NAMES
    assert all(len(r) == 8 for r in rows)
    n = {r[0]: r[7] for r in rows[1:] if r[0] != "NA"}
    assert n["records_screened"] == "380" and n["total_studies"] == "27"
    assert n["database_specific_results"] == "PubMed, 300; Embase, 250"
    assert n["dbr_excluded"] == "Wrong outcome, 30; Wrong population, 20"
    # A comma inside a reason would break the package's "Reason, n; ..." parse.
    assert n["other_excluded"] == "Wrong design or setting, 6"
    assert n["register_specific_results"] == "ClinicalTrials.gov, 40"
    boxes = {r[2]: r for r in rows[1:]}
    assert "PROVISIONAL" in boxes["newstud"][4]
    assert "PROVISIONAL" not in to_csv(basic_flow())


def test_csv_cells_cannot_become_formulas() -> None:
    flow = basic_flow()
    flow.database_specific = {"=HYPERLINK(1)": 897}
    cell = {r[0]: r[7] for r in csv.reader(io.StringIO(to_csv(flow)))}["database_specific_results"]
    assert cell.startswith("'=")


def test_unknown_extension_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputFormatError):
        write_flow(basic_flow(), tmp_path / "flow.docx")
    assert not (tmp_path / "flow.docx").exists()


def test_titles_with_dollar_signs_are_not_math(tmp_path: Path) -> None:
    flow = basic_flow()
    flow.title = "Costs in $ and $$ of care_plans ^2"
    words = texts(write_flow(flow, tmp_path / "d.svg").read_text(encoding="utf-8"))
    assert any("Costs in $ and $$ of care_plans ^2" in w for w in words)


def test_control_characters_never_reach_the_drawing(tmp_path: Path) -> None:
    flow = basic_flow()
    flow.title = "Evil \x1b]0;pwned\x07 title"
    flow.database_specific = {"Pub\x1bMed": 897}
    svg = write_flow(flow, tmp_path / "c.svg").read_text(encoding="utf-8")
    assert "\x1b" not in svg and "\x07" not in svg
    assert "Pub Med (n = 897)" in " ".join(texts(svg))


def test_a_long_provisional_banner_wraps_within_the_page() -> None:
    flow = basic_flow()
    flow.dbr.ta_awaiting, flow.dbr.ta_conflicts, flow.dbr.excluded = 10, 4, 442
    flow.dbr.ft_awaiting, flow.dbr.ft_conflicts, flow.dbr.included = 13, 1, 3
    check_arithmetic(flow)
    layout = compute_layout(flow)
    assert len(layout.banner_lines) > 1
    assert " ".join(layout.banner_lines) == f"PROVISIONAL — {flow.provisional_note()}"


def test_csv_boxtext_uses_the_new_or_updated_template_wording() -> None:
    def boxtext(flow: PrismaFlow) -> dict[str, str]:
        rows = csv.DictReader(io.StringIO(to_csv(flow)))
        return {r["data"] if r["data"] != "NA" else r["box"]: r["boxtext"] for r in rows}

    new, upd = boxtext(basic_flow()), boxtext(update_flow())
    assert new["newstud"] == "Identification of studies via databases and registers"
    assert new["othstud"] == "Identification of studies via other methods"
    assert new["new_studies"] == "Studies included in review"
    assert new["new_reports"] == "Reports of included studies"
    assert upd["newstud"].startswith("Identification of new studies via databases and registers")
    assert upd["othstud"] == "Identification of new studies via other methods"
    assert upd["new_studies"] == "New studies included in review"
    assert upd["new_reports"] == "Reports of new included studies"
