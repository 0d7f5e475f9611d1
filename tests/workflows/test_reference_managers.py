"""A team that keeps its searches in reference managers: one member exports an EndNote
library as XML, another a Zotero library as BibTeX. Both come in, the overlap is found, two
reviewers screen blinded, the senior resolves, full texts are assessed; the included studies
go back to a reference manager in both formats, and the PRISMA diagram goes to the manuscript
as an interactive page whose counts link to their records."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from tests.conftest import write_config
from tests.workflows.stories import IRRELEVANT, RELEVANT
from tests.workflows.team import sh

pytestmark = pytest.mark.slow


def endnote_xml(titles: list[str], first: int) -> str:
    """Records as EndNote writes them: every value in a `<style>` run."""

    def styled(text: str) -> str:
        return f'<style face="normal" font="default" size="100%">{escape(text)}</style>'

    records = []
    for n, title in enumerate(titles, first):
        records.append(
            f'<record><rec-number>{n}</rec-number><ref-type name="Journal Article">17</ref-type>'
            f"<contributors><authors><author>{styled(f'Müller{n}, A.')}</author>"
            f"<author>{styled(f'Coauthor{n}, B.')}</author></authors></contributors>"
            f"<titles><title>{styled(title)}</title>"
            f"<secondary-title>{styled('Journal of Studies')}</secondary-title></titles>"
            f"<volume>{styled(str(n))}</volume><pages>{styled(f'{n}-{n + 9}')}</pages>"
            f"<dates><year>{styled(str(2000 + n))}</year></dates>"
            f"<electronic-resource-num>{styled(f'10.5555/story.{n}')}</electronic-resource-num>"
            f"<abstract>{styled(f'{title}. Study {n}.')}</abstract></record>"
        )
    return f'<?xml version="1.0" encoding="UTF-8"?><xml><records>{"".join(records)}</records></xml>'


def bibtex(titles: list[str], first: int) -> str:
    """Entries as Zotero writes them, accents in LaTeX."""
    entries = []
    for n, title in enumerate(titles, first):
        entries.append(
            f"@article{{m{n},\n  title = {{{title}}},\n"
            f'  author = {{M{{\\"u}}ller{n}, A. and Coauthor{n}, B.}},\n'
            f"  journal = {{Journal of Studies}},\n  volume = {{{n}}},\n"
            f"  pages = {{{n}--{n + 9}}},\n  year = {{{2000 + n}}},\n"
            f"  doi = {{10.5555/story.{n}}},\n  abstract = {{{title}. Study {n}.}}\n}}\n"
        )
    return "\n".join(entries)


def test_libraries_in_screened_studies_out(tmp_path: Path) -> None:
    review = tmp_path / "review"
    review.mkdir()
    write_config(review)
    # EndNote holds studies 1-8, Zotero 7-12: two studies are in both libraries.
    titles = [t for pair in zip(RELEVANT[:6], IRRELEVANT[:6], strict=True) for t in pair]
    (review / "endnote.xml").write_text(endnote_xml(titles[:8], 1), encoding="utf-8")
    (review / "zotero.bib").write_text(bibtex(titles[6:], 7), encoding="utf-8")
    report = sh(review, "import", "endnote.xml", "--source", "Embase", "--json").json()
    assert report["total"] == 8 and report["files"][0]["format"] == "endnote-xml"
    report = sh(review, "import", "zotero.bib", "--source", "Scopus", "--json").json()
    assert report["total"] == 6 and report["files"][0]["format"] == "bibtex"
    flow = sh(review, "prisma", "--json", "--as", "senior").json()
    assert flow["database_results"] == 14 and flow["duplicates"] == 2

    # The accents arrive decoded, from both libraries.
    rows = list(csv.DictReader(sh(review, "export", "--format", "csv", "-o", "-").out.splitlines()))
    assert len(rows) == 12 and all("Müller" in r["authors"] for r in rows)  # copies left out

    # Two reviewers, blinded; they disagree on the first relevant title only.
    ids = {r["title"]: r["id"] for r in rows}
    for title in titles:
        relevant = title in RELEVANT
        for who in ("reviewer1", "reviewer2"):
            disagree = who == "reviewer2" and title == RELEVANT[0]
            decision = "include" if relevant != disagree else "exclude"
            extra = ["--reason", "1"] if decision == "exclude" else []
            sh(review, "decide", ids[title], decision, "--reviewer", who, *extra)
    assert sh(review, "export", "--format", "bibtex", "--status", "included", "-o", "-",
              "--as", "reviewer2", ok=False).code == 1  # fmt: skip
    conflicts = sh(review, "conflicts", "--as", "senior", "--json").json()
    assert [c["title"] for c in conflicts] == [RELEVANT[0]]
    sh(review, "resolve", ids[RELEVANT[0]], "include", "--reviewer", "senior")

    # Full text: all six relevant studies assessed, five included.
    for title in RELEVANT[:6]:
        for who in ("reviewer1", "reviewer2"):
            if title == RELEVANT[5]:
                sh(review, "decide", ids[title], "exclude", "--reviewer", who,
                   "--stage", "full_text", "--reason", "1")  # fmt: skip
            else:
                sh(review, "decide", ids[title], "include", "--reviewer", who,
                   "--stage", "full_text")  # fmt: skip
    flow = sh(review, "prisma", "--json").json()  # finished: open to everyone
    assert (flow["records_screened"], flow["dbr_assessed"], flow["new_studies"]) == (12, 6, 5)

    # The included studies go to a reference manager, in both formats, and come back whole.
    for fmt, name in (("bibtex", "included.bib"), ("endnote-xml", "included.xml")):
        sh(review, "export", "--format", fmt, "--status", "included", "-o", name)
        again = tmp_path / f"again-{fmt}"
        again.mkdir()
        write_config(again)
        sh(again, "import", str(review / name))
        back = list(
            csv.DictReader(sh(again, "export", "--format", "csv", "-o", "-").out.splitlines())
        )
        assert sorted(r["title"] for r in back) == sorted(RELEVANT[:5])
        assert all(r["doi"].startswith("10.5555/story.") and "Müller" in r["authors"] for r in back)

    # The manuscript: an interactive diagram whose counts link to exactly their records.
    sh(review, "prisma", "-o", "flow.html")
    page = (review / "flow.html").read_text(encoding="utf-8")
    assert "Identification of studies via databases and registers" in page
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page
    included = review / "flow_records" / "new-studies.csv"
    assert f'href="flow_records/{included.name}"' in page
    with included.open(encoding="utf-8") as fh:
        assert sorted(r["title"] for r in csv.DictReader(fh)) == sorted(RELEVANT[:5])

    # Counts from elsewhere: the template CSV drawn without a review.
    sh(review, "prisma", "-o", "flow.csv")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    sh(elsewhere, "prisma", "--from", str(review / "flow.csv"), "-o", "flow.json")
    redrawn = json.loads((elsewhere / "flow.json").read_text(encoding="utf-8"))
    for key in (
        "database_results",
        "duplicates",
        "records_screened",
        "dbr_assessed",
        "new_studies",
    ):
        assert redrawn[key] == flow[key], key
