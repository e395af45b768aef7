"""The evidence box of a practice card: what it rests on, from its ``evidence`` keys.

The counting is ``core.evidence_summary`` (no Sphinx); this module hands it the
bibliography and renders ``templates/card_evidence.html`` into the card's header.
"""

from __future__ import annotations

from markupsafe import Markup

from equity_kb.core.evidence_summary import summarize_evidence
from equity_kb.core.model import Entry, Practice

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
        incomplete=[refs[k] for k in summary.incomplete],
    )
