"""The evidence box of a practice card: what it rests on, from its ``evidence`` keys.

The counting is ``core.evidence_summary`` (no Sphinx); this module hands it the
bibliography and renders ``templates/card_evidence.html`` into the card's header.
"""

from __future__ import annotations

from markupsafe import Markup

from equity_kb.core.evidence_summary import EvidenceSummary, summarize_evidence
from equity_kb.core.model import Entry, Practice
from equity_kb.core.vocabulary import Vocabulary

from ..entries.domain import KBDomain
from ..rendering.render import Renderer


def evidence_box_html(domain: KBDomain, r: Renderer, entry: Entry) -> Markup | None:
    """The box for a card; None for anything else (briefs cite inline instead)."""
    if not isinstance(entry, Practice):
        return None
    refs = domain.references
    summary = summarize_evidence(entry, refs, domain.vocabulary.ids("evidence"))
    return r.render(
        "card_evidence.html",
        summary=summary,
        kinds=kinds_text(summary, domain.vocabulary),
        years=years_text(summary),
        incomplete=[refs[k] for k in summary.incomplete],
    )


def kinds_text(s: EvidenceSummary, vocabulary: Vocabulary) -> str:
    """The kinds of evidence, as the box says them: "Mixed methods (1); 2 not recorded"."""
    kinds = ", ".join(f"{vocabulary.label('evidence', k)} ({n})" for k, n in s.kinds)
    if s.no_kind:
        kinds += ("; " if kinds else "") + f"{s.no_kind} not recorded"
    return kinds


def years_text(s: EvidenceSummary) -> str:
    """The years the sources span: "2020–2021; 1 undated"."""
    years = ""
    if s.first_year:
        years = str(s.first_year)
        if s.last_year != s.first_year:
            years += f"\u2013{s.last_year}"
    if s.undated:
        years += ("; " if years else "") + f"{s.undated} undated"
    return years
