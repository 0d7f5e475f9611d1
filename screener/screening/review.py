"""`Review`: one review's config and store, and the state derived from its logs.

The domain's functions take a `Review`: who the store's login is, which reviewer acts, the
primary of each duplicate, the records that are screened, and every record's replayed state
and outcome at each stage. Nothing here is stored: it is derived from the event and link
logs and cached until either grows. The facade's `Project` is a `Review` that
also knows how to build one from its config.
"""

from __future__ import annotations

from collections.abc import Sequence

from screener.config import Config
from screener.dedup.links import primary_map
from screener.errors import NotFound, PermissionDenied, ScreenerError
from screener.ingest.previous import previous_batch_ids
from screener.model import Outcome, Reviewer, Role, Stage
from screener.screening.state import RecordStage, replay
from screener.store import Store
from screener.store.store import StoredRecord, parse_project_id, project_id
from screener.store.team import login as team_login


class Review:
    """One review: its validated config, its open store, and what their logs say."""

    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store
        self._primary: dict[int, int] = {}
        self._links_head: int | None = -1
        self._states: dict[Stage, tuple[tuple[int | None, int | None], dict[int, RecordStage]]] = {}
        self._login: tuple[Reviewer | None] | None = None

    # -- lookups ------------------------------------------------------------------------

    @property
    def login(self) -> Reviewer | None:
        """The reviewer the store's connection logs in as, or None.

        On PostgreSQL after `screener team setup`, a reviewer's own login (their URL in the
        config) is who they are: the server maps the role to the name and enforces it. On
        SQLite, or logged in as the store's owner, names are self-declared: None.
        """
        if self._login is None:
            self._login = (self._find_login(),)
        return self._login[0]

    def _find_login(self) -> Reviewer | None:
        if self.store.is_sqlite:
            return None
        with self.store.read() as conn:
            found = team_login(conn)
        if found is None:
            return None
        _role, name, senior = found
        if self.config.reviewer(name) is None:
            raise PermissionDenied(
                f"this store logs you in as {name}, who is not a reviewer in {self.config.path}"
            )
        # The server's role, not the config's, is what the login may do.
        return Reviewer(name, Role.SENIOR if senior else Role.REVIEWER)

    @property
    def sees_every_event(self) -> bool:
        """False on a reviewer's own login: the server shows it only that reviewer's events
        (and the rules' exclusions), so outcomes, conflicts and agreement are the senior's."""
        who = self.login
        return who is None or who.is_senior

    def reviewer(self, name: str | None = None) -> Reviewer:
        """The reviewer called `name`; on a team login, only the login's own name (or none:
        the login's reviewer) is accepted."""
        me = self.login
        if me is not None:
            if name and name != me.name:
                raise PermissionDenied(
                    f"this store logs you in as {me.name}: you cannot act as {name}"
                )
            return me
        name = name or ""
        found = self.config.reviewer(name)
        if found is None:
            known = ", ".join(r.name for r in self.config.reviewers)
            raise PermissionDenied(f"{name!r} is not a reviewer of this review (known: {known})")
        return found

    def senior(self, name: str | None = None) -> Reviewer:
        who = self.reviewer(name)
        if not who.is_senior:
            raise PermissionDenied(f"{name!r} is not a senior reviewer: only a senior resolves")
        return who

    def resolve_id(self, value: str) -> int:
        """A project id (`R17`) → record id; the primary is used for duplicates."""
        rid = parse_project_id(value)
        if rid is None and value.strip().isdigit():
            rid = int(value.strip())
        if rid is None or not self.store.has_record(rid):
            raise NotFound(f"no record {value!r} in this review (project ids look like R17)")
        return self.primary_of().get(rid, rid)

    def primary_of(self) -> dict[int, int]:
        """duplicate → primary, cached until the link log grows (another process may add)."""
        head = self.store.last_link_id()
        if self._links_head != head:
            self._primary = primary_map(self.store.link_events())
            self._links_head = head
        return self._primary

    def previous_batches(self) -> frozenset[int]:
        """Import batches that are the previous version of an updated review (never screened
        again): see screener/ingest/previous.py."""
        return previous_batch_ids(self.store)

    def screenable(self) -> list[StoredRecord]:
        """Records that are screened: not duplicates, not of the previous version."""
        dups = self.primary_of()
        previous = self.previous_batches()
        return [r for r in self.store.records() if r.id not in dups and r.batch_id not in previous]

    def screenable_ids(self) -> list[int]:
        dups = self.primary_of()
        previous = self.previous_batches()
        return [
            rid
            for rid, batch in self.store.record_batches()
            if rid not in dups and batch not in previous
        ]

    def previous_version_included(self) -> int:
        """Studies the previous version included, from decisions made in this store before
        `screener update` (a previous review named in the config counts in its own store)."""
        previous = self.previous_batches()
        dups = self.primary_of()
        ids = [rid for rid, b in self.store.record_batches() if b in previous and rid not in dups]
        if not ids:
            return 0
        ta, ft = self.states(Stage.TITLE_ABSTRACT), self.states(Stage.FULL_TEXT)
        maybe = self.config.maybe_to_full_text
        req = {st: self.config.stages[st].reviewers_required for st in Stage}
        n = 0
        for rid in ids:
            a, b = ta.get(rid), ft.get(rid)
            if a is None or b is None or (a.auto is not None and a.resolution is None):
                continue
            if (a.outcome(req[Stage.TITLE_ABSTRACT], maybe).is_include
                    and b.outcome(req[Stage.FULL_TEXT], maybe, True).is_include):  # fmt: skip
                n += 1
        return n

    # -- derived state ------------------------------------------------------------------

    def states(self, stage: Stage) -> dict[int, RecordStage]:
        """Per primary record: its replayed state at `stage`.

        Derived from the log every time it changes; the replay is reused while neither the
        event log nor the link log has grown (another process may append to either).
        """
        primary = self.primary_of()
        key = (self.store.last_event_id(), self._links_head)
        cached = self._states.get(stage)
        if cached is not None and cached[0] == key:
            return cached[1]
        replayed = replay(self.store.events(stage=stage), primary)
        result = {rid: rs for (rid, _s), rs in replayed.items()}
        self._states[stage] = (key, result)
        return result

    def outcomes(self, stage: Stage) -> dict[int, Outcome]:
        """Outcome of every record that is at `stage` (auto-excluded records are not)."""
        required = self.config.stages[stage].reviewers_required
        maybe = self.config.maybe_to_full_text
        reasons_must_agree = stage is Stage.FULL_TEXT  # PRISMA reports the reason
        states = self.states(stage)
        ids = self.screenable_ids() if stage is Stage.TITLE_ABSTRACT else self.at_full_text()
        out: dict[int, Outcome] = {}
        for rid in ids:
            rs = states.get(rid)
            if rs is not None and rs.auto is not None and rs.resolution is None:
                continue
            out[rid] = rs.outcome(required, maybe, reasons_must_agree) if rs else Outcome.PENDING
        return out

    def auto_excluded(self) -> dict[int, str]:
        states = self.states(Stage.TITLE_ABSTRACT)
        return {
            rid: rs.auto.reason
            for rid, rs in states.items()
            if rs.auto is not None and rs.resolution is None
        }

    def at_full_text(self) -> list[int]:
        """Records whose title/abstract outcome is include."""
        ta = self.outcomes(Stage.TITLE_ABSTRACT)
        return [rid for rid, o in ta.items() if o.is_include]

    def check_stage_open(self, record_ids: Sequence[int], stage: Stage) -> None:
        if stage is Stage.FULL_TEXT and not self.sees_every_event:
            # A reviewer's login cannot read the other votes that decide which records passed
            # title/abstract; the senior's `screener verify` checks full-text decisions.
            return
        if stage is Stage.FULL_TEXT:
            allowed = set(self.at_full_text())
            bad = [project_id(r) for r in record_ids if r not in allowed]
            if bad:
                raise ScreenerError(
                    f"{len(bad)} record(s) have not passed title/abstract screening, so they "
                    f"cannot be decided at full text: {', '.join(bad[:10])}"
                )
