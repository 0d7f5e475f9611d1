"""Blinding as non-interference: what one reader may see, decided here and nowhere else.

While a stage is blinded, nothing a reviewer can read may depend on another reviewer's
decisions. Every read path (each CLI command, each `--json`, each screen of the app) builds
a `View` with `view_of(project, name)` and asks it:

- `outcomes(stage)`: may this reader see outcomes at the stage (outcome counts, conflicts,
  agreement, PRISMA's screening boxes, which records reached full text)?
- `may_read(owner, stage)`: may this reader see `owner`'s decisions at the stage?

The rule: a stage is *open* to everyone when blinding is off, when it is finished (every
record at it has the decisions it needs), or when the senior has lifted its blinding
(`unblind`, a logged review event, undone by `reblind`). Full text is open only when title
and abstract are too: which records reach full text is a title/abstract outcome. A senior sees
everything; a reviewer sees their own decisions and progress, the records, and the import,
dedup and rule counts; a reader who gives no name sees only what is safe for anyone.

Names are what the reader says they are (`--as`, the app's reviewer). On a SQLite store that
is self-declared; a PostgreSQL store set up with `screener team setup` makes it the login.
"""

from __future__ import annotations

from dataclasses import dataclass

from screener.errors import PermissionDenied
from screener.model import Outcome, Reviewer, Stage
from screener.screening.review import Review
from screener.screening.state import NOT_RETRIEVED, RecordStage, Vote

UNBLIND, REBLIND = "unblind", "reblind"
STAGE_NAME = {Stage.TITLE_ABSTRACT: "title/abstract", Stage.FULL_TEXT: "full text"}


@dataclass(frozen=True)
class View:
    """What one reader (a reviewer, the senior, or anyone) may see now."""

    viewer: Reviewer | None
    hidden: frozenset[Stage]

    @property
    def name(self) -> str | None:
        return self.viewer.name if self.viewer is not None else None

    @property
    def sees_everything(self) -> bool:
        return not self.hidden

    def outcomes(self, stage: Stage) -> bool:
        """Outcomes at `stage` (and anything derived from more than one reviewer's votes)."""
        return stage not in self.hidden

    def may_read(self, owner: str, stage: Stage) -> bool:
        """`owner`'s decisions at `stage`."""
        return stage not in self.hidden or (self.viewer is not None and self.viewer.name == owner)

    def votes(self, rs: RecordStage, stage: Stage) -> dict[str, Vote]:
        """The votes on a record this reader may see."""
        return {name: v for name, v in rs.votes.items() if self.may_read(name, stage)}

    def require_outcomes(self, stage: Stage, what: str) -> None:
        """Refuse `what` (e.g. "the conflicts") while the stage is blinded to this reader."""
        if stage in self.hidden:
            raise PermissionDenied(blinded_message(self, stage, what))

    def require_everything(self, what: str) -> None:
        for stage in Stage:
            self.require_outcomes(stage, what)


def blinded_message(view: View, stage: Stage, what: str) -> str:
    who = f"{view.name!r} is blinded" if view.name else "blinded (no reader given: --as NAME)"
    return (
        f"{what}: {who} at {STAGE_NAME[stage]}; it is for the senior (--as SENIOR) until the "
        "stage is finished or the senior lifts blinding (screener unblind)"
    )


def view_of(project: Review, name: str | None) -> View:
    """The view of the reader called `name` (None: anyone, or the store's login); unknown
    names, and on a team login any other name, are refused."""
    viewer = project.reviewer(name) if (name or project.login is not None) else None
    if not project.sees_every_event:
        # A reviewer's team login: the server itself shows it only its own decisions, so
        # nothing derived from several reviewers' votes can be computed here.
        return View(viewer, frozenset(Stage))
    if not project.config.blinding or (viewer is not None and viewer.is_senior):
        return View(viewer, frozenset())
    hidden = {stage for stage in Stage if not stage_open(project, stage)}
    if Stage.TITLE_ABSTRACT in hidden:
        hidden.add(Stage.FULL_TEXT)
    return View(viewer, frozenset(hidden))


def senior_view(project: Review) -> View:
    """Everything (for the core's own bookkeeping, never for a reader's output)."""
    return View(None, frozenset())


def stage_open(project: Review, stage: Stage) -> bool:
    """Blinding no longer applies at `stage`: lifted by the senior, or the stage finished."""
    lifted = False
    for event in project.store.review_events():
        if event.action in (UNBLIND, REBLIND) and event.detail.get("stage") == stage.value:
            lifted = event.action == UNBLIND
    return lifted or stage_finished(project, stage)


def stage_finished(project: Review, stage: Stage) -> bool:
    """Every record at the stage has the decisions it needs (none is pending).

    Full text is finished only once title/abstract is (its records are not all known before).
    """
    if stage is Stage.FULL_TEXT and not stage_finished(project, Stage.TITLE_ABSTRACT):
        return False
    states = project.states(stage)
    return all(
        outcome is not Outcome.PENDING or _not_retrieved(states.get(rid))
        for rid, outcome in project.outcomes(stage).items()
    )


def _not_retrieved(rs: RecordStage | None) -> bool:
    """A report that could not be obtained needs no decision (PRISMA counts it apart)."""
    return rs is not None and rs.retrieval is not None and rs.retrieval.reason == NOT_RETRIEVED


def set_blinding(
    project: Review, stage: Stage, *, lifted: bool, senior: str, note: str = ""
) -> int:
    """The senior lifts (or restores) blinding at a stage: a logged review event."""
    who = project.senior(senior)
    action = UNBLIND if lifted else REBLIND
    return project.store.append_review_event(action, who.name, {"stage": stage.value, "note": note})


def require_may_see(viewer: Reviewer, owner: str | None, blinding: bool) -> None:
    """Refuse a blinded reviewer asking for another's (or everyone's) decisions.

    Kept for callers that check one owner without a View (see `View.may_read`).
    """
    if not blinding or viewer.is_senior or owner == viewer.name:
        return
    if owner is None:
        raise PermissionDenied(
            f"{viewer.name!r} is blinded: only a senior may read every reviewer's decisions"
        )
    raise PermissionDenied(
        f"{viewer.name!r} is blinded and may not read {owner!r}'s decisions "
        "until reconciliation (ask the senior reviewer)"
    )
