"""Deduplication: normalising, matching, vetoes, links, the review queue, undo, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import pytest

from screener.cli import main
from screener.dedup.links import distinct_pairs
from screener.dedup.match import Item, compare, features, find_matches, group_matches
from screener.dedup.normalise import (
    first_page,
    journal_tokens,
    journals_agree,
    surname,
    title_variants,
    volume_key,
)
from screener.dedup.review import confirm, queue, split, undo
from screener.dedup.run import deduplicate
from screener.model import Outcome, Stage
from screener.project import Project
from screener.screening.decide import decide
from tests import pg
from tests.conftest import FIXTURES, SHARED, needs_shared, write_config

DEDUP = FIXTURES / "dedup"
backend_url = pg.backend_url  # the fixture: SQLite, and PostgreSQL when a server is set


# -- normalising -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "Legg R.F.",
        "Legg RF",
        "Legg, R F",
        "Legg, Robert F",
        "R F Legg",
        "Robert F. Legg",
        "LEGG, R.F.",
    ],
)
def test_surname_from_every_initials_style(written: str) -> None:
    assert surname(written) == "legg"


def test_surname_folds_diacritics_particles_and_anonymous() -> None:
    assert surname("Müller, Hans") == surname("Muller H.") == "muller"
    assert surname("García-López J.") == "garcialopez"
    assert surname("van der Berg, J") == surname("van der Berg J.") == "vanderberg"
    assert surname("Anonymous") == ""


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Effect of β-blockers in heart failure.", "EFFECT OF BETA-BLOCKERS IN HEART FAILURE"),
        ("Tumour necrosis factor-α &amp; IL-6", "Tumour necrosis factor-alpha & IL-6"),
        ("<i>In vivo</i> imaging of the brain", "In vivo imaging of the brain."),
        ("Café au lait spots in children", "Cafe au lait spots in children"),
        ("Bridging the gap: â€œSepsis Sixâ€", "Bridging the gap: “Sepsis Six”"),
    ],
)
def test_title_spellings_normalise_alike(a: str, b: str) -> None:
    assert title_variants(a)[0].replace(" ", "") == title_variants(b)[0].replace(" ", "")


def test_bracketed_translation_is_an_alternative_title() -> None:
    english = "Cognitive behavioural therapy for insomnia in older adults"
    pubmed = title_variants(f"[{english}].")
    embase = title_variants(f"Kognitive Verhaltenstherapie bei Schlafstörungen [{english}]")
    assert pubmed == (english.lower(),)
    assert embase[0].startswith("kognitive") and english.lower() in embase
    # a short bracket (a tracer, an isotope) stays part of the title
    assert title_variants("Binding of [11C]raclopride in rats") == (
        "binding of 11c raclopride in rats",
    )


def test_journal_abbreviations_and_pages() -> None:
    assert journals_agree(
        journal_tokens("J Clin Oncol"), journal_tokens("Journal of Clinical Oncology")
    )
    assert journals_agree(
        journal_tokens("Proc Natl Acad Sci U S A"),
        journal_tokens(
            "Proceedings of the National Academy of Sciences of the United States of America"
        ),
    )
    assert not journals_agree(journal_tokens("Lancet"), journal_tokens("BMJ"))
    assert journals_agree(journal_tokens(""), journal_tokens("BMJ")) is None
    assert first_page("123-9") == first_page("123") == first_page("e0123") == "123"
    assert volume_key("12 Suppl 1") == "12"


# -- pairwise decisions ---------------------------------------------------------------------------


def _item(i: int, **kw: object) -> Item:
    base: dict[str, object] = {
        "title": "Vitamin D supplementation and fracture risk in elderly women",
        "authors": ["Nguyen, Thi"], "year": 2008, "journal": "Osteoporosis International",
        "volume": "40", "pages": "100-110", "database": "PubMed",
    }  # fmt: skip
    base.update(kw)
    return Item(id=i, **base)  # type: ignore[arg-type]


def test_same_title_different_pmids_of_one_database_is_never_merged() -> None:
    m = compare(features(_item(1, pmid="1")), features(_item(2, pmid="2")))
    assert not m.auto and m.hard_conflict and m.same_db_conflict


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"year": 2011}, "years differ"),
        ({"volume": "41"}, "volumes differ"),
        ({"pages": "200-210"}, "first pages differ"),
        ({"doi": "10.1/other"}, "DOIs differ"),
    ],
)
def test_conflicting_fields_veto_an_automatic_merge(change: dict[str, object], why: str) -> None:
    a = _item(1, doi="10.1/a" if "doi" in change else "")
    b = _item(2, database="Embase", **change)
    m = compare(features(a), features(b))
    assert not m.auto
    assert any(why in v for v in m.vetoes)


def test_year_off_by_one_and_initials_style_still_merge() -> None:
    a = _item(1, pmid="7")
    b = _item(2, database="Embase", authors=["Nguyen T."], year=2009, title=a.title.upper())
    m = compare(features(a), features(b))
    assert m.auto and m.score >= 0.9
    assert m.fields["first_author"] == "nguyen" and m.fields["year"] == "2008/2009"


def test_part_one_and_part_two_and_notices_are_not_merged() -> None:
    p1 = _item(1, title="Exercise in kidney disease: part I. Design", pages="", volume="")
    p2 = _item(2, title="Exercise in kidney disease: part II. Design", pages="", volume="",
               database="Embase")  # fmt: skip
    assert not compare(features(p1), features(p2)).auto
    erratum = _item(3, title=_item(0).title, publication_type="Published Erratum", pages="",
                    database="Embase")  # fmt: skip
    assert not compare(features(_item(4, pages="")), features(erratum)).auto


def test_one_record_exported_twice_is_one_even_with_a_short_title() -> None:
    """The previous search's export and the update's hold the same record: same source id,
    title, authors, year and abstract. A short title alone would wait for a person."""
    short = {"title": "Heart failure.", "authors": ["McKelvie, Robert"], "year": 2002,
             "journal": "", "volume": "", "pages": "", "database": "", "abstract": ""}  # fmt: skip
    a = _item(1, source_id="S876", **short)
    b = _item(2, source_id="S876", **{**short, "database": "PubMed"})
    (m,) = find_matches([a, b])
    assert m.method == "copy" and m.auto
    other = _item(3, source_id="S877", **short)  # another record of the same shape
    assert all(not m.auto for m in find_matches([a, other]))


def test_shared_authors_never_outweigh_a_different_title() -> None:
    """Two papers by one group in one year whose titles differ in the key words."""
    group = {"authors": ["Aronow, W S", "Ahn, C", "Mercando, A D"], "year": 1995,
             "journal": "", "volume": "", "pages": "", "abstract": ""}  # fmt: skip
    a = _item(1, title="Effect of propranolol on circadian variation of myocardial ischemia "
                       "in elderly patients with heart disease", **group)  # fmt: skip
    b = _item(2, title="Effect of propranolol on circadian variation of ventricular "
                       "arrhythmias in elderly patients with heart disease", **group)  # fmt: skip
    m = compare(features(a), features(b))
    assert not m.auto and "titles differ in words" in " ".join(m.cautions)


def test_grouping_never_joins_two_pmids_through_a_third_record() -> None:
    """An Embase record without PMID looks like both the article and its namesake."""
    items = [
        _item(0, pmid="1", abstract="A" * 20 + " vitamin d fracture trial " * 8),
        _item(1, pmid="2", pages="", volume=""),
        _item(2, database="Embase", authors=["Nguyen T."], pages="",
              abstract="A" * 20 + " vitamin d fracture trial " * 8),
    ]  # fmt: skip
    feats = [features(it) for it in items]
    groups, merged, _review = group_matches(feats, find_matches(items, feats=feats))
    assert groups.find(0) != groups.find(1)
    assert groups.find(2) == groups.find(0)  # the fuller match wins
    assert merged


# -- the fixture exports: precision and recall -----------------------------------------------------


def _sid_pairs(project: Project) -> set[frozenset[str]]:
    sid = {r.id: r.record.source_id for r in project.store.records()}
    groups: dict[int, list[int]] = defaultdict(list)
    for dup, primary in project.primary_of().items():
        groups[primary].append(dup)
    out: set[frozenset[str]] = set()
    for primary, dups in groups.items():
        for a, b in combinations([primary, *dups], 2):
            out.add(frozenset((sid[a], sid[b])))
    return out


@pytest.fixture
def both(review: Project) -> Project:
    review.import_file(DEDUP / "pubmed.nbib", label="PubMed")
    review.import_file(DEDUP / "embase.ris", label="Embase")  # dedup runs after import
    return review


def _rid(project: Project, source_id: str) -> int:
    return next(r.id for r in project.store.records() if r.record.source_id == source_id)


def test_fixture_exports_precision_and_recall(both: Project) -> None:
    truth = json.loads((DEDUP / "truth.json").read_text(encoding="utf-8"))
    true_pairs = {frozenset(p) for p in truth["pairs"]}
    found = _sid_pairs(both)
    tp = len(found & true_pairs)
    precision = tp / len(found) if found else 0.0
    recall = tp / len(true_pairs)
    assert precision == 1.0, f"false merges: {found - true_pairs}"
    assert recall == 1.0, f"missed: {true_pairs - found}"
    assert not found & {frozenset(p) for p in truth["traps"]}
    assert len(both.primary_of()) == len(true_pairs)


def test_links_explain_why_and_primary_inherits_missing_fields(both: Project) -> None:
    pm_ketamine, em_ketamine = _rid(both, "22222222"), _rid(both, "L600000003")
    assert both.primary_of()[em_ketamine] == pm_ketamine  # the fuller record is primary
    link = next(e for e in both.store.link_events() if e.record_id == em_ketamine)
    assert link.action == "link" and link.actor == "auto" and link.method == "pmid"
    assert link.detail["fields"]["first_author"] == "muller"
    assert link.detail["inherited"] == {"doi": f"R{em_ketamine}"}
    primary = both.store.record(pm_ketamine)
    assert primary is not None
    assert primary.record.doi == "10.1016/j.psychres.2015.01.001"
    assert "LID" not in primary.record.raw and "AID" not in primary.record.raw  # raw untouched
    fuzzy = next(e for e in both.store.link_events() if e.record_id == _rid(both, "L600000001"))
    assert fuzzy.method == "fuzzy" and fuzzy.score >= 0.9
    assert {"title", "first_author", "year", "journal", "volume", "first_page"} <= set(
        fuzzy.detail["fields"]
    )


def test_rerun_is_idempotent(both: Project) -> None:
    before = both.store.link_events()
    queued = len(queue(both))
    again = deduplicate(both)
    assert again.linked == 0 and again.queued == 0
    assert both.store.link_events() == before and len(queue(both)) == queued


def test_within_source_duplicate_is_found(both: Project) -> None:
    a, b = _rid(both, "L600000013"), _rid(both, "embase-in-process-13")
    assert both.primary_of().get(b, b) == both.primary_of().get(a, a)


# -- people: review queue, confirm, split, undo ------------------------------------------------------

SHORT = """TY  - JOUR
T1  - Olanzapine on trial.
Y1  - 1998
DB  - Embase
U2  - L1
ER  -

TY  - JOUR
T1  - OLANZAPINE ON TRIAL
Y1  - 1998
DB  - CENTRAL
AN  - CN-0001
ER  -
"""


def test_uncertain_pair_waits_for_a_person_then_confirm_and_undo(
    review: Project, tmp_path: Path
) -> None:
    f = tmp_path / "short.ris"
    f.write_text(SHORT, encoding="utf-8")
    review.import_file(f, label="Mixed")
    pending = queue(review)
    assert len(pending) == 1 and not review.primary_of()
    item = pending[0]
    assert "short title" in " ".join(item.detail["cautions"])
    assert "title" in item.differing and "database" not in item.differing
    done = confirm(review, item.a.pid, item.b.pid, reviewer="reviewer1")
    assert len(review.primary_of()) == 1 and not queue(review)
    ev = review.store.link_events()[-1]
    assert ev.actor == "reviewer1" and ev.method == "manual" and ev.action == "link"
    undone = undo(review, done["linked"], reviewer="reviewer2")
    assert undone["unlinked"] == done["linked"] and not review.primary_of()
    deduplicate(review)  # an undone link is not made again, nor offered again
    assert not review.primary_of() and not queue(review)


def test_split_removes_the_pair_for_good(review: Project, tmp_path: Path) -> None:
    f = tmp_path / "short.ris"
    f.write_text(SHORT, encoding="utf-8")
    review.import_file(f, label="Mixed")
    item = queue(review)[0]
    split(review, item.a.pid, item.b.pid, reviewer="reviewer1")
    assert not queue(review)
    assert frozenset((item.a.id, item.b.id)) in distinct_pairs(review.store.link_events())
    assert deduplicate(review).queued == 0 and not queue(review)


def test_split_of_linked_records_unlinks_them(both: Project) -> None:
    a, b = _rid(both, "11111111"), _rid(both, "L600000001")
    out = split(both, f"R{a}", f"R{b}", reviewer="senior")
    assert out["unlinked"] == f"R{b}"
    assert b not in both.primary_of()
    assert deduplicate(both).linked == 0 and b not in both.primary_of()


def test_undo_gives_back_inherited_fields(both: Project) -> None:
    pm, em = _rid(both, "22222222"), _rid(both, "L600000003")
    out = undo(both, f"R{em}", reviewer="reviewer1")
    assert out["restored"] == ["doi"]
    primary = both.store.record(pm)
    assert primary is not None and primary.record.doi == ""


def test_person_actions_check_the_reviewer_and_ids(both: Project) -> None:
    from screener.errors import NotFound, PermissionDenied, ScreenerError

    with pytest.raises(PermissionDenied):
        confirm(both, "R1", "R2", reviewer="nobody")
    with pytest.raises(NotFound):
        confirm(both, "R1", "R99999", reviewer="reviewer1")
    pm = _rid(both, "11111111")
    with pytest.raises(ScreenerError, match="primary of"):
        undo(both, f"R{pm}", reviewer="reviewer1")


# -- decisions made before a record turned out to be a duplicate -----------------------------------


def test_decisions_on_a_later_duplicate_are_kept_and_disagreement_is_a_conflict(
    review: Project,
) -> None:
    review.import_file(DEDUP / "pubmed.nbib", label="PubMed", dedup=False)
    review.import_file(DEDUP / "embase.ris", label="Embase", dedup=False)
    pm, em = _rid(review, "11111111"), _rid(review, "L600000001")
    decide(review, pm, "include", reviewer="reviewer1")
    decide(review, em, "exclude", reviewer="reviewer1")  # same study, other decision
    decide(review, pm, "include", reviewer="reviewer2")
    assert review.outcomes(Stage.TITLE_ABSTRACT)[pm] is Outcome.AGREED_INCLUDE
    review.run_dedup()
    assert review.primary_of()[em] == pm
    state = review.states(Stage.TITLE_ABSTRACT)[pm]
    assert {v.record_id for v in state.stacks["reviewer1"]} == {pm, em}  # nothing lost
    assert review.outcomes(Stage.TITLE_ABSTRACT)[pm] is Outcome.CONFLICT
    assert em not in review.outcomes(Stage.TITLE_ABSTRACT)


# -- the command line --------------------------------------------------------------------------------


def test_cli_dedup_review_confirm_split_undo(
    review: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--config", str(tmp_path / "review" / "config.toml")]
    assert (
        main(["import", *base, str(DEDUP / "pubmed.nbib"), "--source", "PubMed", "--no-dedup"]) == 0
    )
    assert (
        main(["import", *base, str(DEDUP / "embase.ris"), "--source", "Embase", "--no-dedup"]) == 0
    )
    capsys.readouterr()
    assert main(["dedup", *base, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["linked"] == result["duplicates"] == 7
    assert main(["dedup", *base, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["linked"] == 0
    assert main(["dedup", "review", *base, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["total"] == len(listed["pairs"])
    link = result["links"][0]
    assert main(["dedup", "undo", *base, link["duplicate"], "--reviewer", "reviewer1"]) == 0
    assert "no longer a duplicate" in capsys.readouterr().out
    assert main(["dedup", "confirm", *base, link["duplicate"], link["primary"],
                 "--reviewer", "reviewer1", "--json"]) == 0  # fmt: skip
    assert json.loads(capsys.readouterr().out)["primary"] == link["primary"]
    assert (
        main(
            ["dedup", "split", *base, link["duplicate"], link["primary"], "--reviewer", "reviewer2"]
        )
        == 0
    )
    assert "different records" in capsys.readouterr().out
    assert main(["dedup", "undo", *base, link["duplicate"], "--reviewer", "nobody"]) == 1
    assert main(["dedup", *base, "--threshold", "1.5"]) == 1


# -- shared data: the acceptance check's exports ------------------------------------------------------


@pytest.mark.shared
def test_overlapping_exports_of_a_shared_review(review: Project, tmp_path: Path) -> None:
    dataset = needs_shared("screening", "Cohen_2006_NSAIDS.csv")
    maker = SHARED / "checks" / "make_exports.py"
    if not maker.exists():
        pytest.skip(f"{maker} not present")
    out = subprocess.run([sys.executable, str(maker), str(dataset), str(tmp_path / "exp"), "5"],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    truth = json.loads(out)
    review.import_file(tmp_path / "exp" / "pubmed.nbib", label="PubMed")
    review.import_file(tmp_path / "exp" / "embase.ris", label="Embase")
    dups = len(review.primary_of())
    assert abs(dups - truth["duplicates"]) <= max(2, truth["duplicates"] // 50)
    assert abs(len(review.screenable()) - truth["unique"]) <= max(2, truth["unique"] // 100)


def test_threshold_decides_what_needs_a_person() -> None:
    a = _item(
        1, pmid="7", abstract="In 2,400 women over 70 vitamin D did not reduce fractures." * 2
    )
    b = _item(2, database="Embase", authors=["Other P."], abstract=a.abstract)
    fa, fb = features(a), features(b)
    strict, lenient = compare(fa, fb, threshold=0.95), compare(fa, fb, threshold=0.8)
    assert strict.score == lenient.score and 0.8 <= strict.score < 0.95
    assert lenient.auto and not strict.auto


def test_bad_threshold_in_config_names_the_key(review: Project) -> None:
    from screener.errors import ConfigError

    review.config.dedup["threshold"] = "high"
    with pytest.raises(ConfigError, match=r"dedup\.threshold"):
        deduplicate(review)


def test_fixture_flow_on_each_backend(backend_url: str, tmp_path: Path) -> None:
    """Links, inheritance, undo and idempotence on SQLite and PostgreSQL alike."""
    folder = tmp_path / "pg-review"
    folder.mkdir()
    project = Project.open(write_config(folder, store=backend_url))
    try:
        project.import_file(DEDUP / "pubmed.nbib", label="PubMed")
        project.import_file(DEDUP / "embase.ris", label="Embase")
        truth = {frozenset(p) for p in json.loads((DEDUP / "truth.json").read_text())["pairs"]}
        assert _sid_pairs(project) == truth
        pm, em = _rid(project, "22222222"), _rid(project, "L600000003")
        record = project.store.record(pm)
        assert record is not None and record.record.doi
        assert deduplicate(project).linked == 0
        assert undo(project, f"R{em}", reviewer="reviewer1")["restored"] == ["doi"]
        confirm(project, f"R{em}", f"R{pm}", reviewer="reviewer1")
        assert project.primary_of()[em] == pm
    finally:
        project.close()


def test_new_records_matching_the_previous_search_are_not_screened_again(
    make_review, tmp_path
) -> None:
    """An update: records already found by the previous search link to it as duplicates."""
    previous = tmp_path / "previous.ris"
    previous.write_text(
        "TY  - JOUR\nTI  - Ketamine and exposure therapy in veterans\nAU  - Quill, R\n"
        "PY  - 2019\nDO  - 10.5555/prev.1\nER  - \n",
        encoding="utf-8",
    )
    update = tmp_path / "update.ris"
    update.write_text(
        "TY  - JOUR\nTI  - KETAMINE AND EXPOSURE THERAPY IN VETERANS.\nAU  - Quill R.\n"
        "PY  - 2019\nDO  - https://doi.org/10.5555/PREV.1\nER  - \n"
        "TY  - JOUR\nTI  - A genuinely new trial of ketamine with CBT\nAU  - Marsh, T\n"
        "PY  - 2023\nER  - \n",
        encoding="utf-8",
    )
    project = make_review()
    project.import_file(previous, label="Previous search", kind="previous")
    project.import_file(update, label="Embase")
    assert project.primary_of() == {2: 1}
    assert [sr.record.title for sr in project.screenable()] == [
        "A genuinely new trial of ketamine with CBT"
    ]
