"""The command line as a user drives it: init, config errors, import reports, status."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from screener.cli import build_parser, main
from tests.conftest import FIXTURES


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SCREENER_CONFIG"}
    return subprocess.run(
        [sys.executable, "-m", "screener", *args], cwd=cwd, capture_output=True, text=True, env=env
    )


def test_init_writes_a_working_starter(tmp_path: Path) -> None:
    assert run(["init", "rev"], tmp_path).returncode == 0
    text = (tmp_path / "rev" / "config.toml").read_text()
    assert text.count("[[reviewers]]") == 3 and 'role = "senior"' in text
    assert "Wrong comparator" in text
    status = run(["status", "--json"], tmp_path / "rev")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["records"] == 0


@pytest.mark.parametrize(
    ("edit", "key"),
    [
        (('role = "senior"', 'role = "boss"'), "reviewers[2].role"),
        (("blinding = true", 'blinding = "yes"'), "review.blinding"),
        (("[ranking]", "[rankings]"), "rankings"),
        (
            ("reviewers = 2                # independent", "reviewers = 0 #"),
            "stages.title_abstract.reviewers",
        ),
        (("max_cells = 20_000_000", "max_cells = 0"), "import.max_cells"),
        (("max_cells = 20_000_000", 'max_cells = "lots"'), "import.max_cells"),
    ],
)
def test_invalid_config_names_the_key_and_exits_2(
    tmp_path: Path, edit: tuple[str, str], key: str
) -> None:
    run(["init", "rev"], tmp_path)
    cfg = tmp_path / "rev" / "config.toml"
    cfg.write_text(cfg.read_text().replace(*edit, 1))
    result = run(["status"], tmp_path / "rev")
    assert result.returncode == 2
    assert key in result.stderr


def test_config_option_and_env(tmp_path: Path) -> None:
    run(["init", "rev"], tmp_path)
    by_option = run(["--config", "rev/config.toml", "status", "--json"], tmp_path)
    assert by_option.returncode == 0, by_option.stderr
    after = run(["status", "--json", "--config", "rev/config.toml"], tmp_path)
    assert after.returncode == 0, after.stderr
    env = {**os.environ, "SCREENER_CONFIG": str(tmp_path / "rev" / "config.toml")}
    by_env = subprocess.run(
        [sys.executable, "-m", "screener", "status"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
    )
    assert by_env.returncode == 0, by_env.stderr
    missing = run(["status"], tmp_path)
    assert missing.returncode == 2 and "screener init" in missing.stderr


@pytest.mark.parametrize("form", ["path", "relative", "url"])
def test_a_store_in_a_missing_folder_is_refused_not_created(tmp_path: Path, form: str) -> None:
    run(["init", "rev"], tmp_path)
    cfg = tmp_path / "rev" / "config.toml"
    missing = tmp_path / "no" / "such" / "dir"
    store = {
        "path": str(missing / "x.sqlite"),
        "relative": "no/such/dir/x.sqlite",
        "url": f"sqlite:///{missing / 'x.sqlite'}",
    }[form]
    if form == "relative":
        missing = tmp_path / "rev" / "no" / "such" / "dir"
    cfg.write_text(cfg.read_text().replace('# store = "screener.sqlite"', f'store = "{store}"', 1))
    result = run(["status"], tmp_path / "rev")
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert "review.store" in line and str(missing) in line and "Traceback" not in line
    assert not (tmp_path / "no").exists() and not (tmp_path / "rev" / "no").exists()
    missing.mkdir(parents=True)  # once the folder exists, the store is made in it
    assert run(["status"], tmp_path / "rev").returncode == 0
    assert (missing / "x.sqlite").exists()


def test_import_json_report_duplicate_file_and_junk(tmp_path: Path) -> None:
    run(["init", "rev"], tmp_path)
    rev = tmp_path / "rev"
    shutil.copy(FIXTURES / "ris" / "crlf_badyear.ris", rev / "a.ris")
    first = run(["import", "a.ris", "--source", "Scopus", "--json"], rev)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["total"] == 2
    (entry,) = report["files"]
    assert entry["format"] == "ris" and entry["source"] == "Scopus" and entry["records"] == 2
    assert entry["skipped"] == [] and any("10 15" in w for w in entry["warnings"])
    again = json.loads(run(["import", "a.ris", "--json"], rev).stdout)
    assert again["total"] == 0 and again["files"][0]["already_imported"]
    (rev / "junk.ris").write_bytes(b"this is not a bibliography\n\x00\x01")
    junk = run(["import", "junk.ris"], rev)
    assert junk.returncode == 1 and "junk.ris:2:" in junk.stderr
    status = json.loads(run(["status", "--json"], rev).stdout)
    assert status["records"] == 2 and status["sources"] == {"Scopus": 2}


def test_import_a_folder_imports_its_exports_in_name_order(tmp_path: Path) -> None:
    run(["init", "rev"], tmp_path)
    rev = tmp_path / "rev"
    exports = rev / "exports"
    (exports / "older").mkdir(parents=True)
    shutil.copy(FIXTURES / "ris" / "ovid_numbered.ris", exports / "b_ovid.ris")
    shutil.copy(FIXTURES / "medline" / "pubmed.nbib", exports / "a_pubmed.nbib")
    shutil.copy(FIXTURES / "ris" / "tag_variants.ris", exports / "older" / "c.ris")
    shutil.copy(FIXTURES / "ris" / "cp1252.ris", exports / ".hidden.ris")
    (exports / "README.md").write_text("# Searches run on 2024-03-01\n", encoding="utf-8")
    result = run(["import", "exports", "--json"], rev)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert [Path(f["path"]).name for f in report["files"]] == ["a_pubmed.nbib", "b_ovid.ris"]
    assert report["refused"] == []
    assert {Path(o["path"]).name: o["reason"] for o in report["not_imported"]} == {
        "README.md": "not an export: a .md file",
        "older": "a folder (folders are not searched inside)",
    }
    assert report["total"] == sum(f["imported"] for f in report["files"]) > 3
    text = run(["import", "exports"], rev)
    assert text.returncode == 0, text.stderr
    assert "not imported exports/README.md: not an export: a .md file" in text.stdout
    (rev / "empty").mkdir()
    empty = run(["import", "empty"], rev)
    assert empty.returncode == 1 and "Traceback" not in empty.stderr
    assert empty.stderr.startswith("screener: empty: no export files in this folder")
    assert "FOLDER" in run(["import", "--help"], rev).stdout


def test_every_command_has_help() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    helps = {c.dest: c.help for c in sub._choices_actions}
    assert {"init", "import", "status", "decide", "resolve", "conflicts", "export"} <= set(helps)
    assert all(helps.values()), [k for k, v in helps.items() if not v]


def test_main_returns_exit_code_for_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--config", str(tmp_path / "none.toml"), "status"])
    assert code == 2
    assert "no config file" in capsys.readouterr().err


def test_a_closed_pipe_ends_quietly_with_141(tmp_path: Path) -> None:
    """`screener status | head -1`: no traceback, SIGPIPE's exit status."""
    run(["init", "rev"], tmp_path)
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before screener writes a byte
    try:
        env = {k: v for k, v in os.environ.items() if k != "SCREENER_CONFIG"}
        result = subprocess.run(
            [sys.executable, "-m", "screener", "status"],
            cwd=tmp_path / "rev",
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
    finally:
        os.close(write_end)
    assert result.returncode == 141
    assert result.stderr == ""


def test_a_broken_pipe_inside_a_command_is_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from screener.cli import setup

    def broken(args: object) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(setup, "cmd_status", broken)
    assert main(["status"]) == 141
    assert capsys.readouterr().err == ""


def _raise_in_status(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    from screener.cli import setup

    def failing(args: object) -> int:
        raise exc

    monkeypatch.setattr(setup, "cmd_status", failing)


def test_an_unexpected_error_is_one_line_and_exit_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _raise_in_status(monkeypatch, RuntimeError("the store moved\n  under our feet"))
    assert main(["status"]) == 3
    captured = capsys.readouterr()
    assert captured.err == (
        "screener: internal error: RuntimeError: the store moved under our feet "
        "(run again with --debug for the traceback)\n"
    )
    assert captured.out == ""


@pytest.mark.parametrize("argv", [["--debug", "status"], ["status", "--debug"]])
def test_debug_lets_the_traceback_through(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> None:
    _raise_in_status(monkeypatch, RuntimeError("boom"))
    with pytest.raises(RuntimeError, match="boom"):
        main(argv)


def test_screener_errors_and_interrupts_keep_their_exit_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from screener.errors import PermissionDenied

    _raise_in_status(monkeypatch, PermissionDenied("not for you"))
    assert main(["--debug", "status"]) == 1
    assert capsys.readouterr().err == "screener: not for you\n"
    _raise_in_status(monkeypatch, KeyboardInterrupt())
    assert main(["status"]) == 130
    assert capsys.readouterr().err == "screener: interrupted\n"


def test_the_unsafe_class_is_every_control_and_format_character() -> None:
    """`UNSAFE` is written out (computing it at start-up costs a second): it must be exactly
    the Unicode categories Cc, Cf, Zl and Zp, tab, newline and the soft hyphen aside."""
    import re
    import sys
    import unicodedata

    from screener.outgoing import UNSAFE

    pattern = re.compile(f"[{UNSAFE}]")
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        want = unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") and ch not in "\t\n\xad"
        assert bool(pattern.fullmatch(ch)) == want, hex(code)


def test_json_output_escapes_terminal_controls_as_text_output_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A title with a C1 CSI (U+009B), a right-to-left override (U+202E) and an isolate
    (U+2066): `conflicts --json` prints them escaped (valid JSON, the same value), as the text
    output escapes them."""
    import json

    from tests.conftest import write_config

    config = str(write_config(tmp_path))
    evil = "Trial\u009b31m of \u202eketamine\u2066 X"
    (tmp_path / "evil.ris").write_text(f"TY  - JOUR\nTI  - {evil}\nER  - \n", encoding="utf-8")
    assert main(["--config", config, "import", str(tmp_path / "evil.ris")]) == 0
    assert main(["--config", config, "decide", "R1", "include", "--reviewer", "reviewer1"]) == 0
    assert main(["--config", config, "decide", "R1", "exclude", "--reviewer", "reviewer2"]) == 0
    capsys.readouterr()
    assert main(["--config", config, "conflicts", "--as", "senior", "--json"]) == 0
    printed = capsys.readouterr().out
    assert not {"\u009b", "\u202e", "\u2066"} & set(printed)
    assert "\\u009b" in printed and "\\u202e" in printed and "\\u2066" in printed
    assert json.loads(printed)[0]["title"] == evil
    assert main(["--config", config, "conflicts", "--as", "senior"]) == 0
    text = capsys.readouterr().out
    assert not {"\u009b", "\u202e", "\u2066"} & set(text) and "\\x9b" in text


def test_a_spreadsheet_past_max_cells_is_refused_in_one_line(tmp_path: Path) -> None:
    """`[import] max_cells` bounds what a spreadsheet may span; past it, one line, exit 1."""
    import openpyxl

    run(["init", "rev"], tmp_path)
    cfg = tmp_path / "rev" / "config.toml"
    cfg.write_text(cfg.read_text().replace("max_cells = 20_000_000", "max_cells = 1_000", 1))
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Title", "Year"])
    sheet.append(["Near", 2001])
    sheet.cell(600, 1, "Far")  # 600 rows x 2 columns = 1,200 cells
    book.save(tmp_path / "far.xlsx")
    result = run(["import", str(tmp_path / "far.xlsx")], tmp_path / "rev")
    assert result.returncode == 1
    assert (
        "far.xlsx:600: the sheet's data reaches row 600 and column B (1,200 cells)" in result.stderr
    )
    assert "max_cells" in result.stderr and "Traceback" not in result.stderr
    status = run(["status", "--json"], tmp_path / "rev")
    assert json.loads(status.stdout)["records"] == 0
