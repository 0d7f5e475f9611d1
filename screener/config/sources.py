"""What a domain step reads of a review when its config and store are all it needs.

`screener.screening.review.Review` (and so the facade) is one; ranking and dedup take this
instead, so they sit below screening.
"""

from __future__ import annotations

from typing import Protocol

from screener.config.settings import Config
from screener.store import Store


class ReviewSources(Protocol):
    """A review's store and its validated config."""

    @property
    def store(self) -> Store: ...

    @property
    def config(self) -> Config: ...
