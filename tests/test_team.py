"""Team mode: `screener team setup` gives each reviewer a PostgreSQL login, and the server
itself keeps each reviewer to their own decisions (row-level security); the login is who
the reviewer is. Also: a store URL's password is never printed.

The PostgreSQL cases skip without a server (SCREENER_TEST_PG_URL, see tests/pg.py).
"""

from __future__ import annotations

import contextlib
import json
import stat
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from screener.cli import main
from screener.errors import PermissionDenied, ScreenerError, StoreError
from screener.project import Project
from screener.screening.decide import decide, resolve
from screener.screening.state import AUTO_EXCLUDE
from screener.store import open_store
from screener.store.team import role_name
from tests import pg
from tests.pg import REVIEWERS, SENIOR, make_review, toml_store_line

ALICE, BOB = REVIEWERS


@dataclass
class Team:
    folder: Path
    config: Path  # the owner's config
    review: str
    owner_url: str
    setup_output: str  # what `team setup` printed (stdout and stderr)

    def url(self, reviewer: str) -> str:
        return (self.folder / "team" / f"{reviewer}.url").read_text(encoding="utf-8").strip()

    def config_for(self, reviewer: str) -> Path:
        """A copy of the config whose store URL is `reviewer`'s own login."""
        folder = self.folder / f"as-{reviewer}"
        folder.mkdir(exist_ok=True)
        text = self.config.read_text(encoding="utf-8")
        lines = [
            toml_store_line(self.url(reviewer)) if line.startswith("store =") else line
            for line in text.splitlines()
        ]
        path = folder / "config.toml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path


def connect(url: str) -> object:
    import psycopg

    return psycopg.connect(pg._libpq(url), autocommit=True, connect_timeout=10)


def make_team_review(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[Team]:
    owner_url = pg.create_pg_database()  # skips without a server
    review = f"team-{uuid.uuid4().hex[:8]}"
    folder = tmp_path / "review"
    config = make_review(folder, owner_url, n_records=6)
    config.write_text(
        config.read_text(encoding="utf-8").replace('name = "test-review"', f'name = "{review}"'),
        encoding="utf-8",
    )
    project = Project.open(config)  # imports the records, as the owner
    project.close()
    capsys.readouterr()
    assert main(["--config", str(config), "team", "setup"]) == 0
    captured = capsys.readouterr()
    try:
        yield Team(folder, config, review, owner_url, captured.out + captured.err)
    finally:
        pg.drop_pg_database(owner_url)
        for name in (*REVIEWERS, SENIOR, "carol"):
            with contextlib.suppress(Exception):
                pg._admin_execute(f'DROP ROLE IF EXISTS "{role_name(review, name)}"')


@pytest.fixture
def team(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[Team]:
    yield from make_team_review(tmp_path, capsys)


def seed(team: Team) -> None:
    """As the owner: alice includes R1, bob excludes R1 and R2, a rule excluded R3."""
    project = Project.open(team.config)
    try:
        decide(project, "R1", "include", reviewer=ALICE)
        decide(project, "R1", "exclude", reviewer=BOB)
        decide(project, "R2", "exclude", reviewer=BOB)
        project.store.append_event(
            record_id=3, stage="title_abstract", reviewer="rules", action=AUTO_EXCLUDE,
            decision="exclude", reason="Wrong population",
        )  # fmt: skip
    finally:
        project.close()


def rows(url: str, sql: str) -> list[tuple]:
    with connect(url) as conn:  # type: ignore[attr-defined]
        return list(conn.execute(sql).fetchall())


# -- setup ----------------------------------------------------------------------------


def test_setup_gives_each_reviewer_a_login_in_a_private_url_file(team: Team) -> None:
    folder = team.folder / "team"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in (*REVIEWERS, SENIOR):
        path = folder / f"{name}.url"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        url = team.url(name)
        from sqlalchemy.engine import make_url

        password = make_url(url).password
        assert password and len(password) >= 20
        assert password not in team.setup_output  # never printed
        assert f"team/{name}.url" in team.setup_output
        assert rows(url, "SELECT current_user") == [(role_name(team.review, name),)]
    assert rows(team.owner_url, "SELECT relrowsecurity FROM pg_class WHERE relname = 'events'") == [
        (True,)
    ]


def test_role_names_are_stable_and_safe() -> None:
    assert role_name("KAP review", "KL") == "screener_kap_review_kl"
    assert role_name("kap-review", "Dr. Müller") == "screener_kap_review_dr_m_ller"
    long = role_name("r" * 40, "n" * 40)
    assert len(long) <= 63 and long == role_name("r" * 40, "n" * 40)
    assert long != role_name("r" * 40, "n" * 41)


def test_setup_again_keeps_logins_and_follows_the_config(
    team: Team, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {name: team.url(name) for name in (*REVIEWERS, SENIOR)}
    text = team.config.read_text(encoding="utf-8")
    text = text.replace(f'[[reviewers]]\nname = "{ALICE}"\nrole = "reviewer"\n\n', "")
    team.config.write_text(text + '\n[[reviewers]]\nname = "carol"\nrole = "reviewer"\n')
    assert main(["--config", str(team.config), "team", "setup", "--json"]) == 0
    out = capsys.readouterr().out
    report = json.loads(out)
    members = {m["reviewer"]: m for m in report["members"]}
    assert members[BOB]["created"] is False and members[BOB]["new_password"] is False
    assert members["carol"]["created"] is True and members["carol"]["new_password"] is True
    assert report["retired"] == [role_name(team.review, ALICE)]
    assert team.url(BOB) == before[BOB]  # unchanged, and still logs in
    assert rows(team.url("carol"), "SELECT current_user") == [(role_name(team.review, "carol"),)]
    assert make_password(team.url("carol")) not in out
    with pytest.raises(Exception, match="not permitted to log in"):
        rows(before[ALICE], "SELECT 1")


def make_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    return str(make_url(url).password)


def test_setup_never_takes_over_a_role_of_another_database(
    team: Team, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other_url = pg.create_pg_database()
    try:
        config = make_review(tmp_path / "other", other_url, n_records=2)
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace('name = "test-review"', f'name = "{team.review}"'))
        assert main(["--config", str(config), "team", "setup"]) == 1
        err = capsys.readouterr().err
        assert f"{role_name(team.review, ALICE)} exists already" in err
        assert "another database's review" in err
        assert rows(team.url(ALICE), "SELECT current_user")  # the first review's login still works
    finally:
        pg.drop_pg_database(other_url)


def test_setup_needs_the_owner(team: Team, capsys: pytest.CaptureFixture[str]) -> None:
    config = team.config_for(BOB)
    assert main(["--config", str(config), "team", "setup"]) == 1
    assert "logs you in as bob: team setup needs the store owner's URL" in capsys.readouterr().err


def test_setup_refuses_a_sqlite_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = make_review(tmp_path / "r", f"sqlite:///{tmp_path / 'r' / 's.sqlite'}")
    assert main(["--config", str(config), "team", "setup"]) == 1
    assert "team setup needs a PostgreSQL store" in capsys.readouterr().err


def test_setup_help_says_where_the_credentials_go(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["team", "setup", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "team/<name>.url" in text and "0600" in text and "never printed" in text
    assert "screener_<review>_<name>" in text


# -- what the server enforces -----------------------------------------------------------


def test_a_reviewer_reads_only_their_own_events_even_with_raw_sql(team: Team) -> None:
    seed(team)
    got = rows(team.url(BOB), "SELECT reviewer, action FROM events ORDER BY id")
    assert got == [(BOB, "decide"), (BOB, "decide"), ("rules", AUTO_EXCLUDE)]
    got = rows(team.url(ALICE), "SELECT * FROM events")
    assert {r[4] for r in got} == {ALICE, "rules"}
    assert rows(team.url(ALICE), f"SELECT count(*) FROM events WHERE reviewer = '{BOB}'") == [(0,)]


def test_a_reviewer_cannot_write_in_anothers_name(team: Team) -> None:
    import psycopg

    seed(team)
    insert = (
        "INSERT INTO events (ts, record_id, stage, reviewer, action, decision, reason, note, "
        "context) VALUES ('t', 4, 'title_abstract', %s, %s, 'include', '', '', '{}')"
    )
    with connect(team.url(BOB)) as conn:  # type: ignore[attr-defined]
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(insert, (ALICE, "decide"))
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(insert, (BOB, "resolve"))  # only a senior resolves
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE events SET decision = 'include' WHERE reviewer = %s", (BOB,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM events")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO links (ts, action, record_id, other_id, method, score, "
                         "actor, detail) VALUES ('t', 'link', 1, 2, '', 1, '', '{}')")  # fmt: skip
        conn.execute(insert, (BOB, "decide"))  # their own: accepted
    owner = rows(team.owner_url, "SELECT reviewer, record_id FROM events WHERE record_id = 4")
    assert owner == [(BOB, 4)]


def test_the_senior_reads_every_event_and_resolves(team: Team) -> None:
    seed(team)
    got = rows(team.url(SENIOR), "SELECT reviewer FROM events ORDER BY id")
    assert [r[0] for r in got] == [ALICE, BOB, BOB, "rules"]
    project = Project.open(team.config_for(SENIOR))
    try:
        assert project.login is not None and project.login.is_senior
        resolve(project, "R1", "include", reviewer=SENIOR)
        with pytest.raises(PermissionDenied, match=f"logs you in as {SENIOR}: you cannot act as"):
            decide(project, "R2", "include", reviewer=ALICE)
    finally:
        project.close()


# -- the login is the reviewer ----------------------------------------------------------


def test_the_cli_on_a_reviewers_login_acts_only_as_that_reviewer(
    team: Team, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(team)
    config = str(team.config_for(BOB))
    capsys.readouterr()
    assert main(["--config", config, "decide", "R4", "include", "--reviewer", ALICE]) == 1
    err = capsys.readouterr().err
    assert err == f"screener: this store logs you in as {BOB}: you cannot act as {ALICE}\n"
    assert main(["--config", config, "resolve", "R1", "include", "--reviewer", SENIOR]) == 1
    assert f"cannot act as {SENIOR}" in capsys.readouterr().err
    assert main(["--config", config, "decide", "R4", "include"]) == 0  # the login's name
    assert capsys.readouterr().out == f"R4: include by {BOB} (title_abstract)\n"
    assert main(["--config", config, "decide", "R5", "maybe", "--reviewer", BOB]) == 0
    assert main(["--config", config, "undo", "R5"]) == 0
    assert main(["--config", config, "decisions", "export", "--reviewer", BOB, "-o", "-"]) == 0
    exported = capsys.readouterr().out
    assert "R4" in exported and ALICE not in exported
    assert main(["--config", config, "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["login"] == {"reviewer": BOB, "senior": False}
    assert status["stages"]["title_abstract"]["yours"] == {
        "include": 1, "exclude": 2, "maybe": 0, "decided": 3,
    }  # fmt: skip
    assert status["blinded"] == ["full_text", "title_abstract"]  # the server hides the rest
    assert main(["--config", config, "status"]) == 0
    assert "logged in as bob" in capsys.readouterr().out
    # Full text: the login cannot see alice's votes; the senior's verify checks the gate.
    assert main(["--config", config, "decide", "R4", "include", "--stage", "full_text"]) == 0
    owner = rows(team.owner_url, "SELECT reviewer, record_id, action FROM events ORDER BY id")
    assert {r[0] for r in owner} == {ALICE, BOB, "rules"}


def test_on_sqlite_names_stay_self_declared(tmp_path: Path) -> None:
    config = make_review(tmp_path / "r", f"sqlite:///{tmp_path / 'r' / 's.sqlite'}", n_records=2)
    project = Project.open(config)
    try:
        assert project.login is None and project.sees_every_event
        assert project.reviewer(ALICE).name == ALICE
        assert project.reviewer(BOB).name == BOB
    finally:
        project.close()


def test_a_command_without_a_name_needs_one_unless_logged_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_review(tmp_path / "r", f"sqlite:///{tmp_path / 'r' / 's.sqlite'}", n_records=2)
    assert main(["--config", str(config), "decide", "R1", "include"]) == 2
    assert "--reviewer NAME is required" in capsys.readouterr().err


# -- passwords are never shown ----------------------------------------------------------

SECRET = "pw-Zq8-never-shown"


def test_status_json_masks_the_password(team: Team, capsys: pytest.CaptureFixture[str]) -> None:
    # A reviewer's URL carries a password; so may the owner's (trust authentication
    # ignores it here).
    owner = team.config.read_text(encoding="utf-8")
    with_password = team.owner_url.replace("://screener@", f"://screener:{SECRET}@")
    assert with_password != team.owner_url
    team.config.write_text(
        owner.replace(toml_store_line(team.owner_url), toml_store_line(with_password))
    )
    capsys.readouterr()
    for config in (str(team.config), str(team.config_for(ALICE))):
        for extra in ([], ["--json"]):
            assert main(["--config", config, "status", *extra]) == 0
            captured = capsys.readouterr()
            assert SECRET not in captured.out + captured.err
            assert make_password(team.url(ALICE)) not in captured.out + captured.err
            assert ":***@" in captured.out


def test_a_connection_error_masks_the_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("psycopg")
    url = f"postgresql+psycopg://someone:{SECRET}@127.0.0.1:1/nowhere?connect_timeout=5"
    with pytest.raises(StoreError) as caught:
        open_store(url)
    assert SECRET not in caught.value.message
    assert "someone:***@127.0.0.1:1/nowhere" in caught.value.message
    config = make_review(tmp_path / "r", url)
    for command in (["status", "--json"], ["verify"], ["team", "setup"]):
        code = main(["--config", str(config), *command])
        captured = capsys.readouterr()
        assert code == 1, captured
        assert SECRET not in captured.out + captured.err
        assert "cannot open store postgresql+psycopg://someone:***@" in captured.err


def test_masking_covers_urls_sqlalchemy_cannot_parse() -> None:
    from screener.store.store import masked, shown_url

    assert shown_url("postgresql://u:s3cret@h/db") == "postgresql://u:***@h/db"
    assert shown_url("sqlite:///x.sqlite") == "sqlite:///x.sqlite"
    assert masked("failed for dsn u:s3cret@h", "postgresql://u:s3cret@h/db") == (
        "failed for dsn u:***@h"
    )
    with pytest.raises(ScreenerError):
        open_store(f"nosuchdriver://u:{SECRET}@h/db")
    try:
        open_store(f"nosuchdriver://u:{SECRET}@h/db")
    except ScreenerError as exc:
        assert SECRET not in exc.message
