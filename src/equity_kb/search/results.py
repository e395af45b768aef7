"""What a query returns: the hits of one page, the facet counts, the note and suggestion."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class Hit:
    """One result as the search page and the CLI show it.

    ``snippet`` is HTML: the document's text escaped, with ``<mark>`` around matched
    words and no other markup.
    """

    key: str
    type: str
    title: str
    url: str
    year: int | None
    tenets: list[str]
    focus: list[str]
    levels: list[str]
    authors: list[str]
    summary: str
    snippet: str
    score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        # dataclasses.asdict deep-copies recursively: a tenth of a fast query's time.
        return {name: getattr(self, name) for name in _HIT_FIELDS}


_HIT_FIELDS = tuple(f.name for f in fields(Hit))


@dataclass
class SearchResult:
    """A page of hits, the total, facet counts and how the query was read.

    ``facets`` maps ``type``, ``tenets``, ``focus``, ``levels`` and ``year`` to
    ``[(value, count)]``: each facet counted over the matches filtered by all the
    *other* facets (disjunctive), so ticking a value never hides its siblings.
    ``mode`` is ``"browse"`` (no words: every entry matches), ``"query"`` (the query
    was read with its phrases and operators) or ``"plain"`` (it could not be read, so
    its words were searched for as plain terms); ``note`` says so in words.

    ``partial`` is true when no entry had all the words and the hits are the entries
    with some of them, ranked by how many and how rare (``note`` says so too).
    ``nearest``: when there are no hits, up to five entries to offer instead, and
    ``nearest_reason`` why: ``"filters"`` (they match the words, but not the chosen
    filters) or ``"spelling"`` (they match ``suggestion``, the words matched nothing).
    """

    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[Any, int]]]
    page: int
    pages: int
    page_size: int
    selected: dict[str, list[Any]] = field(default_factory=dict)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    suggestion: str | None = None
    mode: str = "browse"
    note: str | None = None
    partial: bool = False
    nearest: list[Hit] = field(default_factory=list)
    nearest_reason: str | None = None
    took_ms: float = 0.0
    generation: str = ""  # the index generation that answered (the service's ETag)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: facets as ``[{"value", "label", "count", "selected"}]``."""
        facets: dict[str, list[dict[str, Any]]] = {}
        for name, counts in self.facets.items():
            chosen = set(self.selected.get(name, ()))
            labels = self.labels.get(name, {})
            facets[name] = [
                {
                    "value": value,
                    "label": labels.get(str(value), str(value)),
                    "count": count,
                    "selected": value in chosen,
                }
                for value, count in counts
            ]
        return {
            "query": self.query,
            "mode": self.mode,
            "note": self.note,
            "partial": self.partial,
            "total": self.total,
            "page": self.page,
            "pages": self.pages,
            "page_size": self.page_size,
            "suggestion": self.suggestion,
            "selected": self.selected,
            "hits": [h.to_dict() for h in self.hits],
            "nearest": [h.to_dict() for h in self.nearest],
            "nearest_reason": self.nearest_reason,
            "facets": facets,
            "took_ms": round(self.took_ms, 2),
            "generation": self.generation,
        }
