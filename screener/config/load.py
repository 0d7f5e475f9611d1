"""Reading and validating config.toml: every error names the key and what is wrong.

The ``[[rules]]`` array and the ``[criteria]``, ``[highlight]``, ``[ranking]``, ``[dedup]``
and ``[serve]`` tables are only checked for their shape here; the layers that use them
validate their contents (``screener.rules.rules_of`` for the rules and highlight terms).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from screener.config.settings import (
    DEFAULT_MAX_CELLS,
    DEFAULT_TITLE_ABSTRACT_REASONS,
    PRISMA_FULL_TEXT_REASONS,
    Config,
    DecisionFile,
    PreviousReview,
    SourceSettings,
    StageSettings,
)
from screener.errors import ConfigError
from screener.model import Reviewer, Role, SourceKind, Stage

DEFAULT_CONFIG = "config.toml"
ENV_CONFIG = "SCREENER_CONFIG"

_TOP_KEYS = {
    "review",
    "reviewers",
    "stages",
    "sources",
    "criteria",
    "highlight",
    "rules",
    "ranking",
    "dedup",
    "previous",
    "decision_files",
    "serve",
    "import",
}


def config_path(explicit: str | None = None) -> Path:
    return Path(explicit or os.environ.get(ENV_CONFIG) or DEFAULT_CONFIG)


def _expect(value: Any, kind: type | tuple[type, ...], key: str, path: str, what: str) -> Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConfigError(f"must be {what}, not {value!r}", key=key, path=path)
    return value


def _unknown(table: dict[str, Any], allowed: set[str], prefix: str, path: str) -> None:
    extra = sorted(set(table) - allowed)
    if extra:
        raise ConfigError(
            f"unknown key {extra[0]!r} (allowed: {', '.join(sorted(allowed))})",
            key=f"{prefix}{extra[0]}",
            path=path,
        )


def _reasons(value: Any, key: str, path: str) -> tuple[str, ...]:
    _expect(value, list, key, path, "a list of strings")
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise ConfigError("must be a non-empty string", key=f"{key}[{i}]", path=path)
    return tuple(v.strip() for v in value)


def _store_url(value: Any, root: Path, p: str) -> str:
    """The store's URL; a SQLite file must be in a folder that exists (none is created)."""
    if value is None:
        value = "screener.sqlite"
    _expect(value, str, "review.store", p, "a file name or a database URL")
    if "://" in value:
        _check_sqlite_folder(_sqlite_file(value), p)
        return value
    target = Path(value)
    if not target.is_absolute():
        target = root / target
    _check_sqlite_folder(target, p)
    return f"sqlite:///{target}"


def _sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for another database or an in-memory one)."""
    scheme, _, rest = url.partition("://")
    if scheme.split("+", 1)[0].lower() != "sqlite":
        return None
    database = rest[1:].split("?", 1)[0] if rest.startswith("/") else ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _check_sqlite_folder(target: Path | None, p: str) -> None:
    if target is None or target.parent.is_dir():
        return
    raise ConfigError(
        f"the folder {target.parent} does not exist; create it first, or name a store "
        "in an existing folder",
        key="review.store",
        path=p,
    )


def parse_config(data: dict[str, Any], path: Path) -> Config:
    """Validate parsed TOML; raise ConfigError naming the first bad key."""
    p = str(path)
    root = path.parent
    _unknown(data, _TOP_KEYS, "", p)
    review = _expect(data.get("review", {}), dict, "review", p, "a table")
    _unknown(
        review,
        {"name", "title", "store", "blinding", "maybe_to_full_text", "question", "durability"},
        "review.",
        p,
    )
    name = _expect(review.get("name", root.name or "review"), str, "review.name", p, "a string")
    blinding = _expect(review.get("blinding", True), bool, "review.blinding", p, "true or false")
    maybe_ft = _expect(
        review.get("maybe_to_full_text", True),
        bool,
        "review.maybe_to_full_text",
        p,
        "true or false",
    )

    durability = review.get("durability", "full")
    if durability not in ("full", "normal"):
        raise ConfigError(
            f"must be 'full' (every decision survives a power cut) or 'normal' (survives a "
            f"crash or kill; faster), not {durability!r}",
            key="review.durability",
            path=p,
        )

    raw_reviewers = _expect(data.get("reviewers", []), list, "reviewers", p, "a list of tables")
    reviewers: list[Reviewer] = []
    for i, entry in enumerate(raw_reviewers):
        key = f"reviewers[{i}]"
        _expect(entry, dict, key, p, "a table with name and role")
        _unknown(entry, {"name", "role", "token"}, f"{key}.", p)
        rname = entry.get("name")
        if not isinstance(rname, str) or not rname.strip():
            raise ConfigError(
                "is required and must be a non-empty string", key=f"{key}.name", path=p
            )
        role = entry.get("role", "reviewer")
        if role not in ("reviewer", "senior"):
            raise ConfigError(
                f"must be 'reviewer' or 'senior', not {role!r}", key=f"{key}.role", path=p
            )
        if any(r.name == rname for r in reviewers):
            raise ConfigError(f"reviewer {rname!r} is listed twice", key=f"{key}.name", path=p)
        reviewers.append(Reviewer(rname.strip(), Role(role)))
    if not reviewers:
        raise ConfigError("at least one reviewer is required", key="reviewers", path=p)

    raw_stages = _expect(data.get("stages", {}), dict, "stages", p, "a table")
    _unknown(raw_stages, {s.value for s in Stage}, "stages.", p)
    stages: dict[Stage, StageSettings] = {}
    plain = sum(1 for r in reviewers if r.role is Role.REVIEWER)
    for stage in Stage:
        table = _expect(raw_stages.get(stage.value, {}), dict, f"stages.{stage}", p, "a table")
        _unknown(table, {"reviewers", "reasons"}, f"stages.{stage}.", p)
        required = _expect(
            table.get("reviewers", 2), int, f"stages.{stage}.reviewers", p, "a number"
        )
        if required < 1:
            raise ConfigError("must be at least 1", key=f"stages.{stage}.reviewers", path=p)
        if required > plain:
            raise ConfigError(
                f"needs {required} reviewers but only {plain} have role 'reviewer'",
                key=f"stages.{stage}.reviewers",
                path=p,
            )
        default = (
            PRISMA_FULL_TEXT_REASONS if stage is Stage.FULL_TEXT else DEFAULT_TITLE_ABSTRACT_REASONS
        )
        reasons = _reasons(table.get("reasons", default), f"stages.{stage}.reasons", p)
        stages[stage] = StageSettings(stage, required, reasons)

    sources: list[SourceSettings] = []
    for i, entry in enumerate(_expect(data.get("sources", []), list, "sources", p, "a list")):
        key = f"sources[{i}]"
        _expect(entry, dict, key, p, "a table")
        _unknown(entry, {"label", "kind", "files", "file"}, f"{key}.", p)
        label = entry.get("label")
        if not isinstance(label, str) or not label.strip():
            raise ConfigError("is required (the database name)", key=f"{key}.label", path=p)
        kind = entry.get("kind", "database")
        if kind not in {k.value for k in SourceKind}:
            allowed = ", ".join(k.value for k in SourceKind)
            raise ConfigError(f"must be one of {allowed}", key=f"{key}.kind", path=p)
        files = entry.get("files", [entry["file"]] if "file" in entry else [])
        _expect(files, list, f"{key}.files", p, "a list of paths")
        sources.append(
            SourceSettings(label.strip(), SourceKind(kind), tuple(root / f for f in files))
        )

    decision_files: list[DecisionFile] = []
    names = {r.name for r in reviewers}
    for i, entry in enumerate(
        _expect(data.get("decision_files", []), list, "decision_files", p, "a list")
    ):
        key = f"decision_files[{i}]"
        _expect(entry, dict, key, p, "a table")
        allowed_keys = {
            "file",
            "reviewer",
            "stage",
            "resolve",
            "id_column",
            "decision_column",
            "reason_column",
            "note_column",
        }
        _unknown(entry, allowed_keys, f"{key}.", p)
        if entry.get("reviewer") not in names:
            raise ConfigError(
                f"{entry.get('reviewer')!r} is not a reviewer of this review",
                key=f"{key}.reviewer",
                path=p,
            )
        if entry.get("stage") not in {s.value for s in Stage}:
            raise ConfigError("must be title_abstract or full_text", key=f"{key}.stage", path=p)
        if not isinstance(entry.get("file"), str):
            raise ConfigError("is required", key=f"{key}.file", path=p)
        decision_files.append(
            DecisionFile(
                file=root / entry["file"],
                reviewer=entry["reviewer"],
                stage=Stage(entry["stage"]),
                resolve=bool(entry.get("resolve", False)),
                id_column=entry.get("id_column", "record"),
                decision_column=entry.get("decision_column", "decision"),
                reason_column=entry.get("reason_column", "reason"),
                note_column=entry.get("note_column", "note"),
            )
        )

    previous = None
    if "previous" in data:
        prev = _expect(data["previous"], dict, "previous", p, "a table")
        _unknown(prev, {"studies", "reports", "files", "review"}, "previous.", p)
        pfiles = _expect(prev.get("files", []), list, "previous.files", p, "a list of paths")
        review_path = None
        if "review" in prev:
            _expect(prev["review"], str, "previous.review", p, "the previous review's config.toml")
            review_path = (root / prev["review"]).resolve()
            if review_path.is_dir():
                review_path = review_path / DEFAULT_CONFIG
            if not review_path.is_file():
                raise ConfigError(f"no previous review at {review_path}", key="previous.review",
                                  path=p)  # fmt: skip
            if review_path == path:
                raise ConfigError("names this review itself", key="previous.review", path=p)
        unset = None if review_path is not None else 0
        n_studies: int | None = prev.get("studies", unset)
        if n_studies is not None:
            _expect(n_studies, int, "previous.studies", p, "a number")
        n_reports: int | None = prev.get("reports", n_studies)
        if n_reports is not None:
            _expect(n_reports, int, "previous.reports", p, "a number")
        for i, f in enumerate(pfiles):
            _expect(f, str, f"previous.files[{i}]", p, "a path")
        previous = PreviousReview(
            n_studies, n_reports, tuple(root / f for f in pfiles), review_path
        )

    imports = _expect(data.get("import", {}), dict, "import", p, "a table")
    _unknown(imports, {"max_cells"}, "import.", p)
    max_cells = imports.get("max_cells", DEFAULT_MAX_CELLS)
    if isinstance(max_cells, bool) or not isinstance(max_cells, int) or max_cells < 1:
        raise ConfigError(
            f"must be a whole number of cells above 0 (rows x columns of a spreadsheet), "
            f"not {max_cells!r}",
            key="import.max_cells",
            path=p,
        )

    rules = _expect(data.get("rules", []), list, "rules", p, "a list of tables")
    for section in ("criteria", "highlight", "ranking", "dedup", "serve"):
        _expect(data.get(section, {}), dict, section, p, "a table")

    return Config(
        path=path,
        name=name,
        title=str(review.get("title", name)),
        store_url=_store_url(review.get("store"), root, p),
        reviewers=tuple(reviewers),
        stages=stages,
        sources=tuple(sources),
        blinding=blinding,
        maybe_to_full_text=maybe_ft,
        durability=durability,
        criteria=data.get("criteria", {}),
        highlight=data.get("highlight", {}),
        rules=tuple(rules),
        ranking=data.get("ranking", {}),
        dedup=data.get("dedup", {}),
        previous=previous,
        decision_files=tuple(decision_files),
        serve=data.get("serve", {}),
        max_cells=max_cells,
    )


def load_config(path: Path) -> Config:
    if not path.exists():
        raise ConfigError(
            "no config file here; run `screener init DIR` to create one, or pass --config",
            path=str(path),
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=str(path)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", path=str(path)) from exc
    return parse_config(data, path.resolve())
