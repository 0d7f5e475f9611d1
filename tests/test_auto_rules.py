"""Rules with action `exclude` remove records before screening, as logged, counted events."""

from __future__ import annotations

import json
import subprocess
import sys

from screener.model import Stage
from tests.conftest import FIXTURES

RULE = """
[[rules]]
name = "ovid-two"
action = "exclude"
reason = "Wrong population"
query = 'title:second'
"""


def test_exclude_rule_logs_auto_exclusions_once(make_review) -> None:
    project = make_review(RULE)
    project.import_file(FIXTURES / "ris" / "ovid_numbered.ris")
    assert project.auto_excluded() == {2: "Wrong population"}
    assert set(project.outcomes(Stage.TITLE_ABSTRACT)) == {1, 3}
    assert project.apply_rules() == 0  # idempotent
    (event,) = [e for e in project.store.events() if e.action == "auto_exclude"]
    assert event.reviewer == "rules" and event.context == {"rule": "ovid-two"}


def test_rules_test_reports_hits(make_review) -> None:
    project = make_review(RULE)
    project.import_file(FIXTURES / "ris" / "ovid_numbered.ris")
    out = subprocess.run(
        [sys.executable, "-m", "screener", "--config", str(project.config.path), "rules", "test", "--json"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    data = json.loads(out.stdout)
    (rule,) = data["rules"]
    assert rule["rule"] == "ovid-two" and rule["hits"] == 1 and data["records"] == 3
    assert [(s["id"], s["title"]) for s in rule["samples"]] == [("R2", "Ovid numbered second")]
