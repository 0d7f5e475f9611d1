"""A small review to tell the stories with: 24 records, half about ketamine-assisted
psychotherapy (what the review looks for), half about orthopaedics (what it does not)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write_config

RELEVANT = [
    "Ketamine-assisted psychotherapy for treatment-resistant depression: a pilot trial",
    "Ketamine infusion combined with cognitive behavioural therapy for alcohol use disorder",
    "Psychotherapy sessions after ketamine for post-traumatic stress disorder in veterans",
    "Mindfulness-based relapse prevention with ketamine for cocaine dependence",
    "Ketamine and motivational enhancement therapy for cocaine use: a randomised trial",
    "Ketamine psychedelic therapy for heroin addiction: two-year abstinence",
    "Exposure therapy augmented with ketamine for obsessive-compulsive disorder",
    "Group ketamine-assisted psychotherapy for depression in a private practice",
    "Ketamine with psychotherapy for chronic pain and depression: case series",
    "Sublingual ketamine and integrative psychotherapy for anxiety: retrospective study",
    "Ketamine-assisted psychotherapy for alcohol dependence: abstinence at one year",
    "Cognitive behavioural therapy after ketamine infusions for bipolar depression",
]
IRRELEVANT = [
    "Hip fracture fixation with cemented implants in older adults",
    "Knee replacement rehabilitation protocols after discharge",
    "Orthopaedic implant infection rates in a national registry",
    "Ankle fracture surgery versus cast immobilisation",
    "Spinal fusion outcomes in degenerative scoliosis",
    "Shoulder arthroplasty: a ten-year follow-up",
    "Rotator cuff repair with suture anchors",
    "Bone density after bisphosphonate holidays",
    "Total hip arthroplasty through the anterior approach",
    "Wrist fracture casting in children",
    "Meniscal tears treated with physiotherapy alone",
    "Osteoarthritis of the hand and grip strength",
]


def ris(titles: list[str], first: int = 1) -> str:
    out = []
    for n, title in enumerate(titles, first):
        out += ["TY  - JOUR", f"ID  - W{n}", f"TI  - {title}", f"AB  - {title}. Study {n}.",
                f"AU  - Author{n}, A.", f"AU  - Coauthor{n}, B.", f"PY  - {2000 + n}",
                "ER  - ", ""]  # fmt: skip
    return "\n".join(out)


def interleaved() -> list[str]:
    return [t for pair in zip(RELEVANT, IRRELEVANT, strict=True) for t in pair]


def review_folder(root: Path, *, ranking: bool = False, extra: str = "") -> Path:
    """A review folder with its config (starter config, blinding on) and one export."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "search.ris").write_text(ris(interleaved()), encoding="utf-8")
    config = write_config(root, extra)
    if ranking:
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace("enabled = false", "enabled = true"), encoding="utf-8")
    return root
