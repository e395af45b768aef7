"""What a write of the search indexes did: in a module of its own, with nothing heavy
imported, so that the build that reads a job's answer does not load Whoosh and Pagefind's
client for it (50 ms of an incremental build's process, beside the job still writing)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class IndexStats:
    """What a write did. ``generation`` is the name now in ``CURRENT``."""

    generation: str
    documents: int
    upserted: int = 0
    deleted: int = 0
    rebuilt: bool = False
    unchanged: bool = False
    seconds: float = 0.0
    ahead_seconds: float | None = None  # the part written ahead took this long, beside
    duplicates: list[str] = field(default_factory=list)
    static_records: int | None = None  # the static index was rewritten with this many
