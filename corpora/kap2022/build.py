#!/usr/bin/env python3
"""Build the kap2022 reconstruction corpus (Drozdz et al. 2022, J Pain Res 15:1691-1706).

Reads   corpora/kap2022/source/{candidates,included,summaries,judgements}.csv
Writes  corpora/kap2022/exports/{embase.ris,pubmed.nbib,central.ris,psychiatryonline.ris}
        corpora/kap2022/decisions/*.csv

Standard library only and fully deterministic: every composed choice (database
membership, reviewer disagreements, empty reasons) is derived from a SHA-256 hash
of the candidate key, so two runs produce byte-identical files.

Run from the repository root:  python corpora/kap2022/build.py
Exits non-zero if any invariant of the reconstruction fails.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import sys
import textwrap
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "source"
EXP = HERE / "exports"
DEC = HERE / "decisions"

NOTE = (
    "screener reconstruction: abstract field is a summary written for this corpus, "
    "not the published abstract"
)

# Flow counts reported by Drozdz et al. (2022): 255 screened, 87 full texts, 17 included.
N_SCREENED, N_FULLTEXT, N_INCLUDED = 255, 87, 17
TOTAL_IDENTIFIED_RANGE = (330, 360)
KAPPA_RANGE = (0.70, 0.85)

# Date on which the reference lists of the 17 included studies are recorded as
# searched (composed; the paper gives no date, only that this was done).
CITATION_SEARCH_DATE = "2022-01-14"

# Title/abstract disagreement design (composed).  Records on which exactly one
# reviewer deviates from the reference decision:
TA_OVER_INCLUDE = 14  # reference = exclude, one reviewer says include/maybe
TA_UNDER_INCLUDE = 10  # reference = include, one reviewer says exclude
TA_EXTRA_MAYBE = 6  # reference = include, one reviewer says "maybe" (no conflict)
TA_EMPTY_REASON_PCT = 12  # % of a reviewer's correct excludes left without a reason
FT_OVER_INCLUDE = 2  # full text: reference = exclude, one reviewer says include
# Full text: one reviewer excludes ref 39 (Duek 2019).  The paper's Discussion says
# refs 36 and 39 are conference abstracts that "lack important details" and were
# kept only to be inclusive, so a reviewer disagreement there is plausible.
# The reason is one of the review's configured full-text reasons; the reviewer's own words
# go in the note.
FT_UNDER_INCLUDE = {
    "duek_2019_augmenting": ("Ineligible publication type",
                             "conference abstract; insufficient methodological detail"),
}
# A reviewer who excludes at title/abstract a record that passes names the problem later
# confirmed at full text, in the words of the title/abstract reasons (config.toml); a
# full-text reason with no title/abstract counterpart is left empty.
TA_REASON_OF_FT_REASON = {
    "Psychotherapy not combined with ketamine": "Not both ketamine and psychotherapy",
    "No original data": "No original data",
    "No pain, substance use or mental health outcome":
        "No pain, substance use or mental health condition",
    "Recreational or non-therapeutic ketamine use": "Recreational ketamine use",
    "Ineligible publication type": "",
}

EMBASE_SKIP_PCT = 45  # % of records also held elsewhere that the Embase search misses
CENTRAL_SHARE_PCT = 5  # % of other human primary studies (no trial word in title) in CENTRAL

# ---------------------------------------------------------------------------
# journal names
# ---------------------------------------------------------------------------

# Abbreviated or variant journal names in candidates.csv -> full title.
FULL_JOURNAL = {
    "Acta Psiquiatr Psicol Am Lat": "Acta Psiquiatrica y Psicologica de America Latina",
    "Addict Behav": "Addictive Behaviors",
    "Am J Drug Alcohol Abuse": "The American Journal of Drug and Alcohol Abuse",
    "Am J Psychiatr": "The American Journal of Psychiatry",
    "American Journal of Psychiatry": "The American Journal of Psychiatry",
    "Arch Gen Psychiatry": "Archives of General Psychiatry",
    "Biol Psychiatry": "Biological Psychiatry",
    "Br J Health Psychol": "British Journal of Health Psychology",
    "CNS Spectr": "CNS Spectrums",
    "Can Psychol": "Canadian Psychology",
    "Clin Case Stud": "Clinical Case Studies",
    "Clin J Pain": "The Clinical Journal of Pain",
    "Control Clin Trials": "Controlled Clinical Trials",
    "Curr Treat Options Psychiatr": "Current Treatment Options in Psychiatry",
    "Drug Alcohol Depend": "Drug and Alcohol Dependence",
    "ELife": "eLife",
    "Eur J Pain": "European Journal of Pain",
    "Expert Opin Pharmacother": "Expert Opinion on Pharmacotherapy",
    "Front Psychol": "Frontiers in Psychology",
    "Harv Rev Psychiatry": "Harvard Review of Psychiatry",
    "Int J Psychiatr Med": "The International Journal of Psychiatry in Medicine",
    "Int J Transpers Stud": "International Journal of Transpersonal Studies",
    "International Journal of Neuropsychopharmacology":
        "The International Journal of Neuropsychopharmacology",
    "J Affect Disord": "Journal of Affective Disorders",
    "J Clin Psychiatry": "The Journal of Clinical Psychiatry",
    "J Clin Psychopharmacol": "Journal of Clinical Psychopharmacology",
    "J Consult Clin Psychol": "Journal of Consulting and Clinical Psychology",
    "J Psychoactive Drugs": "Journal of Psychoactive Drugs",
    "J Subst Abuse Treat": "Journal of Substance Abuse Treatment",
    "JAMA Psychiatr": "JAMA Psychiatry",
    "Mol Psychiatry": "Molecular Psychiatry",
    "Neural Regener Res": "Neural Regeneration Research",
    "Pain Pract": "Pain Practice",
    "PloS One": "PLoS One",
    "Proceedings of the National Academy of Sciences":
        "Proceedings of the National Academy of Sciences of the United States of America",
    "Psychother Psychosom": "Psychotherapy and Psychosomatics",
    "Ther Adv Chronic Dis": "Therapeutic Advances in Chronic Disease",
}

# Full title -> NLM title abbreviation (only for journals of records with a PMID;
# anything else falls back to the journal name).
NLM_TA = {
    "Acta Pharmacologica Sinica": "Acta Pharmacol Sin",
    "Acta Psychiatrica Scandinavica": "Acta Psychiatr Scand",
    "Anesthesia and Analgesia": "Anesth Analg",
    "Archives of General Psychiatry": "Arch Gen Psychiatry",
    "Biological Psychiatry": "Biol Psychiatry",
    "Bipolar Disorders": "Bipolar Disord",
    "Brain Sciences": "Brain Sci",
    "CNS Spectrums": "CNS Spectr",
    "Cochrane Database of Systematic Reviews": "Cochrane Database Syst Rev",
    "Depression and Anxiety": "Depress Anxiety",
    "Frontiers in Psychiatry": "Front Psychiatry",
    "Indian Journal of Psychological Medicine": "Indian J Psychol Med",
    "JAMA Psychiatry": "JAMA Psychiatry",
    "Journal of Affective Disorders": "J Affect Disord",
    "Journal of Clinical Oncology": "J Clin Oncol",
    "Journal of Palliative Medicine": "J Palliat Med",
    "Journal of Psychiatric Practice": "J Psychiatr Pract",
    "Journal of Psychiatric Research": "J Psychiatr Res",
    "Journal of Psychoactive Drugs": "J Psychoactive Drugs",
    "Journal of Psychopharmacology": "J Psychopharmacol",
    "Journal of Substance Abuse Treatment": "J Subst Abuse Treat",
    "Molecular Psychiatry": "Mol Psychiatry",
    "Neuro Endocrinology Letters": "Neuro Endocrinol Lett",
    "Neuropharmacology": "Neuropharmacology",
    "Neuropsychopharmacology": "Neuropsychopharmacology",
    "Neuroscience": "Neuroscience",
    "Pain": "Pain",
    "Psychological Medicine": "Psychol Med",
    "Psychopharmacology": "Psychopharmacology (Berl)",
    "Psychotherapy and Psychosomatics": "Psychother Psychosom",
    "The American Journal of Geriatric Psychiatry": "Am J Geriatr Psychiatry",
    "The American Journal of Psychiatry": "Am J Psychiatry",
    "The International Journal of Neuropsychopharmacology": "Int J Neuropsychopharmacol",
    "The Journal of ECT": "J ECT",
    "The Journal of Pain": "J Pain",
    "The Lancet Psychiatry": "Lancet Psychiatry",
    "The World Journal of Biological Psychiatry": "World J Biol Psychiatry",
    "Translational Psychiatry": "Transl Psychiatry",
    "Trials": "Trials",
}

# Psychiatry Online hosts the American Psychiatric Association's journals, whose
# DOIs use the prefix 10.1176; only those records go into that export.
APA_DOI_PREFIX = "10.1176/"

LANG_CODE = {"English": "eng", "Catalan": "cat"}

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def hnum(*parts: str) -> int:
    data = ":".join(("kap2022", *parts)).encode("utf-8")
    return int(hashlib.sha256(data).hexdigest(), 16)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def full_journal(j: str) -> str:
    return FULL_JOURNAL.get(j, j)


def nlm_ta(j: str) -> str:
    return NLM_TA.get(full_journal(j), full_journal(j))


def record_id(c: dict[str, str]) -> str:
    if c["doi"]:
        return c["doi"]
    if c["pmid"]:
        return c["pmid"]
    return "kap2022:" + c["key"]


def parse_authors(s: str) -> list[tuple[str, str, bool]]:
    """Return (surname, initials, is_corporate); "et al." is dropped."""
    out = []
    for part in (p.strip() for p in s.split(";")):
        if not part or part.lower().rstrip(".") == "et al":
            continue
        if "," in part:
            sur, ini = (x.strip() for x in part.split(",", 1))
            out.append((sur, ini, False))
        elif " " in part:
            out.append((part, "", True))  # group author
        else:
            out.append((part, "", False))  # surname only
    return out


def initial_tokens(ini: str) -> list[str]:
    return re.findall(r"[A-Z][a-z]*|-", ini)


def ini_dotted(ini: str, sep: str = "") -> str:
    toks = initial_tokens(ini)
    res = ""
    for t in toks:
        if t == "-":
            res = res.rstrip() + "-"
        else:
            res += t + "." + sep
    return res.strip()


def split_pages(pages: str) -> tuple[str, str]:
    """'923-930' -> ('923','930'); 'e417-423' -> ('e417','e423'); else (pages,'')."""
    m = re.fullmatch(r"([A-Za-z]?)(\d+)([.\d]*)-([A-Za-z]?)(\d+)([.\d]*)", pages)
    if not m:
        return pages, ""
    p1, d1, s1, p2, d2, s2 = m.groups()
    if len(d2) < len(d1):
        d2 = d1[: len(d1) - len(d2)] + d2
    return p1 + d1 + s1, (p2 or p1) + d2 + s2


def medline_pages(pages: str) -> str:
    """MEDLINE style: '273-283' -> '273-83'."""
    m = re.fullmatch(r"([A-Za-z]?)(\d+)-([A-Za-z]?)(\d+)", pages)
    if not m:
        return pages
    p1, d1, p2, d2 = m.groups()
    if p2 and p2 != p1:
        return pages
    if len(d1) == len(d2):
        i = 0
        while i < len(d1) - 1 and d1[i] == d2[i]:
            i += 1
        d2 = d2[i:]
    return f"{p1}{d1}-{d2}"


# APA house style: lower-case only short function words (three letters or fewer).
SMALL_WORDS = {
    "a", "an", "and", "as", "at", "but", "by", "for", "in", "nor", "of", "on", "or", "per",
    "the", "to", "up", "via", "vs",
}


def apa_title_case(title: str) -> str:
    words = title.split(" ")
    out = []
    start = True
    for w in words:
        core = w.strip("([\"'")
        if not core:
            out.append(w)
            continue
        lead = w[: len(w) - len(w.lstrip("([\"'"))]
        if any(ch.isupper() for ch in core[1:]) or not core[0].isalpha():
            new = core  # acronyms, mixed case, numbers: keep
        elif core.lower().rstrip(":;,.?") in SMALL_WORDS and not start:
            new = core.lower()
        else:
            new = "-".join(p[:1].upper() + p[1:] if p else p for p in core.split("-"))
        out.append(lead + new)
        start = w.endswith((":", "?", "—")) or w in ("—", "-", "–")
    return " ".join(out)


def medline_title(t: str) -> str:
    return t if t.endswith((".", "?", "!")) else t + "."


def wrap_medline(tag: str, text: str) -> list[str]:
    lines = textwrap.wrap(
        text, width=82, initial_indent=f"{tag:<4}- ", subsequent_indent=" " * 6,
        break_on_hyphens=False, break_long_words=False,
    )
    return lines or [f"{tag:<4}- "]


KEYWORDS = [  # (title regex, Embase-style term, CENTRAL/MeSH-style term)
    (r"\besketamine\b", "esketamine", "Esketamine"),
    (r"(?<!s)\bketamine\b", "ketamine", "Ketamine"),
    (r"treatment[- ](resistant|refractory) depression", "treatment resistant depression",
     "Depressive Disorder, Treatment-Resistant"),
    (r"\bdepress", "depression", "Depression"),
    (r"post-?traumatic stress|\bPTSD\b", "posttraumatic stress disorder",
     "Stress Disorders, Post-Traumatic"),
    (r"obsessive", "obsessive compulsive disorder", "Obsessive-Compulsive Disorder"),
    (r"cognitive[- ]behavio", "cognitive behavioral therapy", "Cognitive Behavioral Therapy"),
    (r"psychotherap", "psychotherapy", "Psychotherapy"),
    (r"mindfulness", "mindfulness", "Mindfulness"),
    (r"\bpain\b", "pain", "Pain"),
    (r"\balcohol", "alcoholism", "Alcoholism"),
    (r"cocaine", "cocaine dependence", "Cocaine-Related Disorders"),
    (r"heroin", "heroin dependence", "Heroin Dependence"),
    (r"cannabis", "cannabis use", "Marijuana Abuse"),
    (r"\bopioid", "opiate", "Analgesics, Opioid"),
    (r"suicid", "suicidal ideation", "Suicidal Ideation"),
    (r"\banxi", "anxiety", "Anxiety"),
    (r"bipolar", "bipolar disorder", "Bipolar Disorder"),
    (r"random", "randomized controlled trial", "Randomized Controlled Trial"),
    (r"placebo", "placebo", "Placebos"),
]


def keywords(title: str, which: int) -> list[str]:
    out: list[str] = []
    for rx, emb, cen in KEYWORDS:
        if re.search(rx, title, re.I):
            term = emb if which == 0 else cen
            if term not in out:
                out.append(term)
    return out


EMBASE_M3 = {
    "journal article": "Article", "review": "Review", "systematic review": "Review",
    "case report": "Article", "case series": "Article", "letter": "Letter",
    "commentary": "Note", "conference abstract": "Conference Abstract",
    "protocol": "Article", "retrospective chart review": "Article",
}
PUBMED_PT = {
    "journal article": ["Journal Article"],
    "review": ["Journal Article", "Review"],
    "systematic review": ["Journal Article", "Systematic Review"],
    "case report": ["Case Reports", "Journal Article"],
    "case series": ["Case Reports", "Journal Article"],
    "letter": ["Letter"],
    "commentary": ["Comment"],
    "conference abstract": ["Journal Article"],
    "protocol": ["Clinical Trial Protocol", "Journal Article"],
    "retrospective chart review": ["Journal Article"],
}

# ---------------------------------------------------------------------------
# database membership (composed, deterministic)
# ---------------------------------------------------------------------------

TRIAL_RX = re.compile(
    r"random|placebo|controlled|\btrials?\b|double[- ]blind|cross-?over|\bpilot\b|"
    r"proof[- ]of[- ]concept|open[- ]label|\bversus\b|\bvs\.?\b|dose[- ]ranging",
    re.I,
)
HUMAN_PRIMARY_TYPES = {
    "journal article", "letter", "case series", "case report", "conference abstract",
    "protocol", "retrospective chart review",
}


def in_psychiatryonline(c: dict[str, str]) -> bool:
    return c["doi"].lower().startswith(APA_DOI_PREFIX)


def in_central(c: dict[str, str]) -> bool:
    # CENTRAL holds reports of (mostly controlled) human trials: no animal studies,
    # no surveys of recreational use, no reviews, case reports or chart reviews.
    if c["category"] in ("animal", "recreational_use") or \
            c["publication_type"] not in HUMAN_PRIMARY_TYPES:
        return False
    if c["publication_type"] in ("protocol", "conference abstract"):
        return True
    if c["publication_type"] in ("case report", "case series", "retrospective chart review"):
        return False
    if TRIAL_RX.search(c["title"]):
        return True
    # a small share of other human primary studies reaches CENTRAL through its feeds
    return hnum("central", c["key"]) % 100 < CENTRAL_SHARE_PCT


def assign_databases(cands: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    dbs: dict[str, list[dict[str, str]]] = {"embase": [], "pubmed": [], "central": [],
                                            "psychiatryonline": []}
    for c in cands:
        if not c["doi"] and not c["pmid"]:
            # no persistent identifier: such a record is found in exactly one database
            if in_psychiatryonline(c):
                dbs["psychiatryonline"].append(c)
            elif in_central(c):
                dbs["central"].append(c)
            else:
                dbs["embase"].append(c)
            continue
        elsewhere = False
        if c["pmid"]:
            dbs["pubmed"].append(c)
            elsewhere = True
        if in_central(c):
            dbs["central"].append(c)
            elsewhere = True
        if in_psychiatryonline(c):
            dbs["psychiatryonline"].append(c)
            elsewhere = True
        # Embase, the largest source, is taken to retrieve every study the review
        # finally included; other records held elsewhere are sometimes missed by it.
        if not elsewhere or c["category"] == "included" or \
                hnum("embase", c["key"]) % 100 >= EMBASE_SKIP_PCT:
            dbs["embase"].append(c)
    dbs["embase"].sort(key=lambda c: (-int(c["year"] or 0), hnum("order-embase", c["key"])))
    dbs["pubmed"].sort(key=lambda c: -int(c["pmid"]))
    dbs["central"].sort(key=lambda c: (-int(c["year"] or 0), hnum("order-central", c["key"])))
    dbs["psychiatryonline"].sort(key=lambda c: (-int(c["year"] or 0), c["key"]))
    return dbs


# ---------------------------------------------------------------------------
# export writers
# ---------------------------------------------------------------------------


def ris_line(tag: str, value: str) -> str:
    return f"{tag}  - {value}"


def embase_record(c: dict[str, str], abstract: str) -> list[str]:
    L = [ris_line("TY", "JOUR"), ris_line("ID", "kap2022:" + c["key"]), ris_line("T1", c["title"])]
    for sur, ini, _corp in parse_authors(c["authors"]):
        L.append(ris_line("A1", f"{sur} {ini_dotted(ini)}".strip()))
    L.append(ris_line("Y1", c["year"]))
    L.append(ris_line("N2", abstract))
    for kw in keywords(c["title"], 0):
        L.append(ris_line("KW", kw))
    j = full_journal(c["journal"])
    L += [ris_line("JF", j), ris_line("JO", j), ris_line("LA", c["language"] or "English")]
    L.append(ris_line("M3", EMBASE_M3.get(c["publication_type"], "Article")))
    sp, ep = split_pages(c["pages"])
    for tag, val in (("VL", c["volume"]), ("IS", c["issue"]), ("SP", sp), ("EP", ep)):
        if val:
            L.append(ris_line(tag, val))
    L.append(ris_line("DB", "Embase"))
    if c["doi"]:
        L += [ris_line("DO", c["doi"]), ris_line("L2", "http://dx.doi.org/" + c["doi"])]
    L += [ris_line("N1", NOTE), "ER  - "]
    return L


def central_record(c: dict[str, str], abstract: str) -> list[str]:
    L = [ris_line("TY", "JOUR"), ris_line("ID", "kap2022:" + c["key"]), ris_line("TI", c["title"])]
    for sur, ini, _corp in parse_authors(c["authors"]):
        L.append(ris_line("AU", f"{sur}, {ini_dotted(ini, ' ')}" if ini else sur))
    L += [ris_line("PY", c["year"]), ris_line("JO", full_journal(c["journal"]))]
    sp, ep = split_pages(c["pages"])
    for tag, val in (("VL", c["volume"]), ("IS", c["issue"]), ("SP", sp), ("EP", ep)):
        if val:
            L.append(ris_line(tag, val))
    L.append(ris_line("AB", abstract))
    if c["doi"]:
        L.append(ris_line("DO", c["doi"]))
    for kw in keywords(c["title"], 1):
        L.append(ris_line("KW", kw))
    L += [ris_line("DB", "Cochrane Central Register of Controlled Trials"),
          ris_line("N1", NOTE), "ER  - "]
    return L


def psychiatryonline_record(c: dict[str, str], abstract: str) -> list[str]:
    L = [ris_line("TY", "JOUR"), ris_line("TI", apa_title_case(c["title"]))]
    for sur, ini, _corp in parse_authors(c["authors"]):
        L.append(ris_line("AU", f"{sur}, {ini_dotted(ini)}" if ini else sur))
    py = c["year"]
    # The American Journal of Psychiatry is monthly: issue n is month n, dated the 1st.
    if full_journal(c["journal"]) == "The American Journal of Psychiatry" and \
            c["issue"].isdigit() and 1 <= int(c["issue"]) <= 12:
        py = f"{c['year']}/{int(c['issue']):02d}/01"
    j = full_journal(c["journal"])
    if j.startswith("The American Journal of Psychiatry"):
        j = "American Journal of Psychiatry"
    L += [ris_line("PY", py), ris_line("JO", j)]
    sp, ep = split_pages(c["pages"])
    for tag, val in (("VL", c["volume"]), ("IS", c["issue"]), ("SP", sp), ("EP", ep)):
        if val:
            L.append(ris_line(tag, val))
    L.append(ris_line("AB", abstract))
    if c["doi"]:
        L += [ris_line("DO", c["doi"]), ris_line("UR", "https://doi.org/" + c["doi"])]
    L += [ris_line("ID", "kap2022:" + c["key"]), ris_line("DB", "Psychiatry Online"),
          ris_line("N1", NOTE), "ER  - "]
    return L


def pubmed_record(c: dict[str, str], abstract: str) -> list[str]:
    L = [f"PMID- {c['pmid']}", "OWN - NLM"]
    if c["volume"]:
        L.append(f"VI  - {c['volume']}")
    if c["issue"]:
        L.append(f"IP  - {c['issue']}")
    L.append(f"DP  - {c['year']}")
    L += wrap_medline("TI", medline_title(c["title"]))
    pg = medline_pages(c["pages"]) if c["pages"] else ""
    if pg:
        L.append(f"PG  - {pg}")
    if c["doi"]:
        L.append(f"LID - {c['doi']} [doi]")
    L += wrap_medline("AB", abstract)
    for sur, ini, corp in parse_authors(c["authors"]):
        if corp:
            L.append(f"CN  - {sur}")
        else:
            L.append(f"FAU - {sur}, {ini}" if ini else f"FAU - {sur}")
            L.append(f"AU  - {sur} {ini}".rstrip())
    L.append(f"LA  - {LANG_CODE.get(c['language'] or 'English', 'eng')}")
    for pt in PUBMED_PT.get(c["publication_type"], ["Journal Article"]):
        L.append(f"PT  - {pt}")
    ta = nlm_ta(c["journal"])
    L += [f"TA  - {ta}", f"JT  - {full_journal(c['journal'])}"]
    L.append(f"GN  - {NOTE}")  # one line: Bio.Medline keeps GN continuation lines apart
    if c["doi"]:
        L.append(f"AID - {c['doi']} [doi]")
    so = f"{ta}. {c['year']}"
    if c["volume"]:
        so += f";{c['volume']}"
        if c["issue"]:
            so += f"({c['issue']})"
    if pg:
        so += f":{pg}"
    so += "."
    if c["doi"]:
        so += f" doi: {c['doi']}."
    L += wrap_medline("SO", so)
    return L


def write_export(path: Path, records: list[list[str]], *, eol: str = "\n",
                 bom: bool = False) -> None:
    text = (eol + eol).join(eol.join(r) for r in records) + eol
    data = ("\ufeff" if bom else "") + text
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(data)


# ---------------------------------------------------------------------------
# reviewer decisions (composed, deterministic)
# ---------------------------------------------------------------------------


def kappa(a: list[bool], b: list[bool]) -> float:
    n = len(a)
    agree = sum(1 for x, y in zip(a, b, strict=True) if x == y)
    po = agree / n
    pa, pb = sum(a) / n, sum(b) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    return (po - pe) / (1 - pe)


def main() -> int:
    errors: list[str] = []

    def check(cond: bool, msg: str) -> None:
        if not cond:
            errors.append(msg)

    for name in ("candidates.csv", "included.csv", "summaries.csv", "judgements.csv"):
        if not (SRC / name).is_file():
            print(f"missing source file: {SRC / name}", file=sys.stderr)
            return 2

    cands = read_csv(SRC / "candidates.csv")
    inc = read_csv(SRC / "included.csv")
    summ = read_csv(SRC / "summaries.csv")
    judg = read_csv(SRC / "judgements.csv")

    keys = [c["key"] for c in cands]
    by_key = {c["key"]: c for c in cands}
    check(len(cands) == N_SCREENED, f"candidates: {len(cands)} rows, expected {N_SCREENED}")
    check(len(set(keys)) == len(keys), "candidates: duplicate keys")
    inc_keys = {r["key"] for r in inc}
    check(len(inc) == N_INCLUDED and len(inc_keys) == N_INCLUDED,
          f"included.csv: {len(inc)} rows, expected {N_INCLUDED}")
    check(inc_keys == {c["key"] for c in cands if c["category"] == "included"},
          "included.csv keys differ from candidates with category=included")
    non_inc = set(keys) - inc_keys
    summ_map = {r["key"]: r["summary"] for r in summ}
    check(len(summ) == len(summ_map), "summaries.csv: duplicate keys")
    check(set(summ_map) == non_inc,
          f"summaries.csv keys != the {len(non_inc)} non-included candidates "
          f"(missing {len(non_inc - set(summ_map))}, extra {len(set(summ_map) - non_inc)})")
    abstracts = dict(summ_map)
    abstracts.update({r["key"]: r["summary"] for r in inc})
    check(all(abstracts.get(k) for k in keys), "some candidate has no summary")
    for r in inc:
        n = len(r["summary"].split())
        check(120 <= n <= 200, f"included summary {r['key']}: {n} words (want 120-200)")

    jmap = {r["key"]: r for r in judg}
    check(len(judg) == len(jmap), "judgements.csv: duplicate keys")
    check(set(jmap) == non_inc,
          f"judgements.csv keys != the non-included candidates "
          f"(missing {len(non_inc - set(jmap))}, extra {len(set(jmap) - non_inc)})")
    for k, r in jmap.items():
        ta = r.get("ta", "").lower()
        check(ta in ("include", "exclude"), f"judgements {k}: ta={r.get('ta')!r}")
        if ta == "exclude":
            check(bool(r.get("ta_reason")), f"judgements {k}: ta=exclude without ta_reason")
        if ta == "include":
            check(r.get("ft", "").lower() == "exclude",
                  f"judgements {k}: ta=include but ft={r.get('ft')!r}")
            check(bool(r.get("ft_reason")), f"judgements {k}: ft=exclude without ft_reason")
    ft_candidates = sorted(k for k, r in jmap.items() if r.get("ta", "").lower() == "include")
    check(len(ft_candidates) == N_FULLTEXT - N_INCLUDED,
          f"judgements: {len(ft_candidates)} with ta=include, expected {N_FULLTEXT - N_INCLUDED}")
    if errors:
        for e in errors:
            print("INVARIANT FAILED:", e, file=sys.stderr)
        return 1

    # reference decisions
    ta_ref = {k: ("include" if k in inc_keys else jmap[k]["ta"].lower()) for k in keys}
    ta_reason = {k: ("" if k in inc_keys else jmap[k].get("ta_reason", "")) for k in keys}
    passing = sorted(k for k in keys if ta_ref[k] == "include")

    # ------------------------------------------------------------------ exports
    EXP.mkdir(parents=True, exist_ok=True)
    dbs = assign_databases(cands)
    write_export(EXP / "embase.ris",
                 [embase_record(c, abstracts[c["key"]]) for c in dbs["embase"]], bom=True)
    write_export(EXP / "central.ris",
                 [central_record(c, abstracts[c["key"]]) for c in dbs["central"]])
    write_export(EXP / "psychiatryonline.ris",
                 [psychiatryonline_record(c, abstracts[c["key"]])
                  for c in dbs["psychiatryonline"]], eol="\r\n")
    write_export(EXP / "pubmed.nbib",
                 [pubmed_record(c, abstracts[c["key"]]) for c in dbs["pubmed"]])

    counts = {db: len(v) for db, v in dbs.items()}
    total = sum(counts.values())
    membership: dict[str, list[str]] = {k: [] for k in keys}
    for db, recs in dbs.items():
        for c in recs:
            membership[c["key"]].append(db)
    check(all(membership[k] for k in keys), "a candidate appears in no export")
    for k in keys:
        c = by_key[k]
        check(len(membership[k]) == len(set(membership[k])), f"{k} twice in one export")
        if not c["doi"] and not c["pmid"]:
            check(len(membership[k]) == 1, f"{k}: no DOI/PMID but in {membership[k]}")
        check(("pubmed" in membership[k]) == bool(c["pmid"]), f"{k}: PubMed membership != PMID")
    check(TOTAL_IDENTIFIED_RANGE[0] <= total <= TOTAL_IDENTIFIED_RANGE[1],
          f"total identified {total} outside {TOTAL_IDENTIFIED_RANGE}")
    # light re-parse of what was written
    for name, db in (("embase.ris", "embase"), ("central.ris", "central"),
                     ("psychiatryonline.ris", "psychiatryonline")):
        text = (EXP / name).read_text(encoding="utf-8-sig")
        n_ty = len(re.findall(r"^TY  - ", text, re.M))
        n_er = len(re.findall(r"^ER  - ", text, re.M))
        n_id = len(re.findall(r"^ID  - kap2022:", text, re.M))
        n_n1 = text.count("N1  - " + NOTE)
        check(n_ty == n_er == n_id == n_n1 == counts[db], f"{name}: TY/ER/ID/N1 counts "
              f"{n_ty}/{n_er}/{n_id}/{n_n1} != {counts[db]}")
    nb = (EXP / "pubmed.nbib").read_text(encoding="utf-8")
    check(len(re.findall(r"^PMID- ", nb, re.M)) == counts["pubmed"], "pubmed.nbib PMID count")
    check(len(re.findall(r"^GN  - ", nb, re.M)) == counts["pubmed"], "pubmed.nbib GN count")

    # ------------------------------------------------------ title/abstract screening
    DEC.mkdir(parents=True, exist_ok=True)
    reviewers = ("MM", "SD")
    ta_dec = {r: dict(ta_ref) for r in reviewers}
    ta_note = {r: {k: "" for k in keys} for r in reviewers}
    ta_rsn = {r: dict(ta_reason) for r in reviewers}

    def who(k: str) -> str:
        return reviewers[hnum("ta-reviewer", k) % 2]

    # over-inclusion happens on borderline human/ketamine records, not on animal work,
    # recreational-use surveys or off-topic background papers
    excl_pool = sorted((k for k in keys if ta_ref[k] == "exclude" and
                        by_key[k]["category"] not in ("animal", "recreational_use", "other")),
                       key=lambda k: hnum("ta-over", k))
    incl_pool = sorted(passing, key=lambda k: hnum("ta-under", k))
    over = excl_pool[:TA_OVER_INCLUDE]
    under = incl_pool[:TA_UNDER_INCLUDE]
    maybe_extra = [k for k in sorted(passing, key=lambda k: hnum("ta-maybe", k))
                   if k not in under][:TA_EXTRA_MAYBE]
    for k in over:
        r = who(k)
        ta_dec[r][k] = "maybe" if hnum("ta-over-kind", k) % 2 else "include"
        ta_rsn[r][k] = ""
        ta_note[r][k] = "unsure from abstract; check full text" if ta_dec[r][k] == "maybe" else ""
    for k in under:
        r = who(k)
        ta_dec[r][k] = "exclude"
        # a reviewer who excludes a record that reaches full text usually names the
        # problem later confirmed at full text; for the 17 included no reason is given
        ta_rsn[r][k] = ("" if k in inc_keys
                        else TA_REASON_OF_FT_REASON[jmap[k].get("ft_reason", "")])
    for k in maybe_extra:
        r = reviewers[hnum("ta-maybe-who", k) % 2]
        ta_dec[r][k] = "maybe"
        ta_note[r][k] = "unclear whether psychotherapy was part of the intervention"
    for r in reviewers:
        for k in keys:
            if ta_dec[r][k] == "exclude" and ta_ref[k] == "exclude" and \
                    hnum("ta-noreason", r, k) % 100 < TA_EMPTY_REASON_PCT:
                ta_rsn[r][k] = ""
        rows = [[record_id(by_key[k]), ta_dec[r][k],
                 ta_rsn[r][k] if ta_dec[r][k] == "exclude" else "", ta_note[r][k]]
                for k in keys]
        write_csv(DEC / f"title_abstract_{r}.csv", ["record", "decision", "reason", "note"], rows)

    def yes(d: str) -> bool:
        return d in ("include", "maybe")

    a = [yes(ta_dec["MM"][k]) for k in keys]
    b = [yes(ta_dec["SD"][k]) for k in keys]
    kap = kappa(a, b)
    conflicts = [k for k in keys if yes(ta_dec["MM"][k]) != yes(ta_dec["SD"][k])]
    for k in keys:  # never both wrong on the same record
        ref = ta_ref[k] == "include"
        check(not (yes(ta_dec["MM"][k]) != ref and yes(ta_dec["SD"][k]) != ref),
              f"{k}: both reviewers deviate from the reference decision")
    write_csv(DEC / "title_abstract_KL_resolutions.csv", ["record", "decision", "reason", "note"],
              [[record_id(by_key[k]), ta_ref[k],
                ta_reason[k] if ta_ref[k] == "exclude" else "", "senior resolution"]
               for k in conflicts])
    resolved = {k: ta_ref[k] for k in conflicts}
    # agreed records keep the common decision; conflicts take the senior's decision
    after_ta = sorted(k for k in keys
                      if (resolved[k] == "include" if k in resolved else yes(ta_dec["MM"][k])))
    check(KAPPA_RANGE[0] <= kap <= KAPPA_RANGE[1], f"kappa {kap:.3f} outside {KAPPA_RANGE}")
    check(after_ta == passing, f"{len(after_ta)} records pass title/abstract, expected "
          f"{len(passing)}")
    check(len(after_ta) == N_FULLTEXT, f"{len(after_ta)} full texts, expected {N_FULLTEXT}")

    # ------------------------------------------------------------ full-text screening
    ft_ref = {k: ("include" if k in inc_keys else "exclude") for k in after_ta}
    ft_reason = {k: ("" if k in inc_keys else jmap[k]["ft_reason"]) for k in after_ta}
    ft_dec = {r: dict(ft_ref) for r in reviewers}
    ft_rsn = {r: dict(ft_reason) for r in reviewers}
    ft_over = sorted((k for k in after_ta if ft_ref[k] == "exclude"),
                     key=lambda k: hnum("ft-over", k))[:FT_OVER_INCLUDE]
    for k in ft_over:
        r = reviewers[hnum("ft-who", k) % 2]
        ft_dec[r][k], ft_rsn[r][k] = "include", ""
    ft_note = {r: {k: "" for k in after_ta} for r in reviewers}
    for k, (why, note) in FT_UNDER_INCLUDE.items():
        if k in ft_ref:
            r = reviewers[hnum("ft-who", k) % 2]
            ft_dec[r][k], ft_rsn[r][k], ft_note[r][k] = "exclude", why, note
    for r in reviewers:
        write_csv(DEC / f"full_text_{r}.csv", ["record", "decision", "reason", "note"],
                  [[record_id(by_key[k]), ft_dec[r][k], ft_rsn[r][k], ft_note[r][k]]
                   for k in after_ta])
        for k in after_ta:
            check(ft_dec[r][k] != "exclude" or bool(ft_rsn[r][k]),
                  f"full text {r} {k}: exclude without reason")
    ft_conf = [k for k in after_ta if ft_dec["MM"][k] != ft_dec["SD"][k]]
    write_csv(DEC / "full_text_KL_resolutions.csv", ["record", "decision", "reason", "note"],
              [[record_id(by_key[k]), ft_ref[k], ft_reason[k], "senior resolution"]
               for k in ft_conf])
    final = sorted(k for k in after_ta
                   if (ft_ref[k] if k in ft_conf else ft_dec["MM"][k]) == "include")
    check(2 <= len(ft_conf) <= 4, f"{len(ft_conf)} full-text disagreements (want 2-4)")
    check(set(final) == inc_keys and len(final) == N_INCLUDED,
          f"{len(final)} included after full text, expected {N_INCLUDED}")

    # every reason is one of the review's configured reasons for its stage (config.toml)
    stages = tomllib.loads((HERE.parents[1] / "config.toml").read_text(encoding="utf-8"))["stages"]
    for path in sorted(DEC.glob("*_*.csv")):
        stage = "full_text" if path.name.startswith("full_text") else "title_abstract"
        if path.name.startswith(("full_text", "title_abstract")):
            allowed = set(stages[stage]["reasons"]) | {""}
            with path.open(encoding="utf-8") as fh:
                for row in csv.DictReader(fh):
                    check(row["reason"] in allowed, f"{path.name}: reason {row['reason']!r} is "
                          f"not one of the {stage} reasons in config.toml")

    write_csv(DEC / "citation_search.csv", ["record", "searched_on", "new_records"],
              [[by_key[k]["doi"] or record_id(by_key[k]), CITATION_SEARCH_DATE, "0"]
               for k in sorted(inc_keys)])

    # ------------------------------------------------------------------ report
    for r in reviewers:
        tally = {d: sum(1 for k in keys if ta_dec[r][k] == d)
                 for d in ("include", "maybe", "exclude")}
        no_reason = sum(1 for k in keys if ta_dec[r][k] == "exclude" and not ta_rsn[r][k])
        print(f"title/abstract {r}: {tally['include']} include, {tally['maybe']} maybe, "
              f"{tally['exclude']} exclude ({no_reason} without reason)")
    for db in ("embase", "pubmed", "central", "psychiatryonline"):
        print(f"{db:17s} {counts[db]:4d} records")
    print(f"total identified  {total:4d}")
    print(f"unique records    {len(keys):4d}")
    print(f"duplicates        {total - len(keys):4d}")
    print(f"title/abstract    kappa(MM,SD) = {kap:.3f}; conflicts resolved by KL = "
          f"{len(conflicts)}")
    print(f"full text         disagreements resolved by KL = {len(ft_conf)}")
    print(f"flow              screened {len(keys)} -> full text {len(after_ta)} -> "
          f"included {len(final)} (expected {N_SCREENED}/{N_FULLTEXT}/{N_INCLUDED})")
    if errors:
        for e in errors:
            print("INVARIANT FAILED:", e, file=sys.stderr)
        return 1
    print("all invariants hold")
    return 0


if __name__ == "__main__":
    sys.exit(main())
