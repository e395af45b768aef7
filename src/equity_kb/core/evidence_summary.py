"""What a practice card rests on: its sources counted, by kind, year and completeness.

Only facts the bibliography records are summarised (how many sources, the kind of
evidence each says it is, the years they were issued, which lack core fields); nothing
is weighed or scored, so a card never claims more than its sources do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .model import Practice, Reference


@dataclass(frozen=True)
class EvidenceSummary:
    """A card's sources at a glance. ``kinds`` is (kind id, how many) in ``kind_order``
    (kinds the vocabulary does not list come last, by id); ``no_kind`` counts sources
    that record no kind; ``unknown`` are keys not in the bibliography."""

    count: int
    kinds: tuple[tuple[str, int], ...]
    no_kind: int
    first_year: int | None
    last_year: int | None
    undated: int
    incomplete: tuple[str, ...]
    unknown: tuple[str, ...]

    @property
    def kind_ids(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.kinds)


def summarize_evidence(
    card: Practice, references: Mapping[str, Reference], kind_order: Sequence[str] = ()
) -> EvidenceSummary:
    """The summary of ``card``'s ``evidence`` keys, each key counted once."""
    keys = list(dict.fromkeys(card.evidence))
    found = [references[k] for k in keys if k in references]
    counts: dict[str, int] = {}
    for ref in found:
        if ref.evidence_kind:
            counts[ref.evidence_kind] = counts.get(ref.evidence_kind, 0) + 1
    rank = {k: i for i, k in enumerate(kind_order)}
    ordered = sorted(counts.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))
    years = [r.issued for r in found if r.issued]
    return EvidenceSummary(
        count=len(found),
        kinds=tuple(ordered),
        no_kind=sum(1 for r in found if not r.evidence_kind),
        first_year=min(years) if years else None,
        last_year=max(years) if years else None,
        undated=len(found) - len(years),
        incomplete=tuple(r.key for r in found if r.incomplete),
        unknown=tuple(k for k in keys if k not in references),
    )


def evidence_kinds(card: Practice, references: Mapping[str, Reference]) -> list[str]:
    """The distinct kinds of evidence of ``card``'s sources, in the order it cites them
    (a card's values for the search facet that references fill from their own kind)."""
    kinds = (references[k].evidence_kind for k in card.evidence if k in references)
    return list(dict.fromkeys(k for k in kinds if k))
