"""`config.toml` → validated settings. Every error names the key and what is wrong.

* :mod:`.settings` — the constants and frozen dataclasses of a review's settings (`Config`).
* :mod:`.load` — finding, reading and validating config.toml (`load_config`, `parse_config`).

The rules and highlight terms are kept as parsed; ``screener.rules.rules_of`` validates them.
"""

from __future__ import annotations

from screener.config.load import (
    DEFAULT_CONFIG,
    ENV_CONFIG,
    config_path,
    load_config,
    parse_config,
)
from screener.config.settings import (
    DEFAULT_MAX_CELLS,
    DEFAULT_TITLE_ABSTRACT_REASONS,
    NOT_RETRIEVED,
    PRISMA_FULL_TEXT_REASONS,
    Config,
    DecisionFile,
    PreviousReview,
    SourceSettings,
    StageSettings,
)

__all__ = [
    "DEFAULT_CONFIG",
    "DEFAULT_MAX_CELLS",
    "DEFAULT_TITLE_ABSTRACT_REASONS",
    "ENV_CONFIG",
    "NOT_RETRIEVED",
    "PRISMA_FULL_TEXT_REASONS",
    "Config",
    "DecisionFile",
    "PreviousReview",
    "SourceSettings",
    "StageSettings",
    "config_path",
    "load_config",
    "parse_config",
]
