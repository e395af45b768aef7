"""HTML for generated content: entry headers, listings, tenet and topic pages.

Rendered with Jinja2 templates shipped in the package, with autoescaping on, so text
from content is always escaped. Links are made relative by a ``url`` callable that the
Sphinx side supplies (it knows the page being written).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import jinja2
from markupsafe import Markup

from equity_kb.core.changes import long_date
from equity_kb.core.model import TYPE_LABELS, Brief, Entry, Practice, Reference
from equity_kb.core.ordering import sort_entries
from equity_kb.core.vocabulary import FACETS, KIND_NAMES, Vocabulary

# Where each kind of tag has its page, e.g. tenets/data.
TERM_DIRS = {"tenets": "tenets", "focus": "focus", "levels": "levels"}

UrlFor = Callable[[str], str]
SECTION_TITLES = {
    "practice": "Practice cards",
    "brief": "Research briefs",
    "reference": "References",
}


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("equity_kb.sphinxext.rendering", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def term_page(kind: str, term_id: str) -> str:
    return f"{TERM_DIRS[kind]}/{term_id}"


@dataclass(frozen=True)
class Badge:
    kind: str
    label: str
    url: str


def badges(entry: Entry, vocabulary: Vocabulary, url: UrlFor) -> list[Badge]:
    return [
        Badge(kind, vocabulary.label(kind, t), url(term_page(kind, t)))
        for kind in FACETS
        for t in getattr(entry, kind)
    ]


class Renderer:
    """Renders fragments for one page; ``url`` maps a page name to a link from that page."""

    def __init__(self, vocabulary: Vocabulary, url: UrlFor, entry_url: Callable[[Entry], str]):
        self.vocabulary = vocabulary
        self.url = url
        self.entry_url = entry_url
        # Ids given on this page so far: a second list of the same work gets "-2".
        self.ids: Counter[str] = Counter()

    def unique_id(self, wanted: str) -> str:
        self.ids[wanted] += 1
        n = self.ids[wanted]
        return wanted if n == 1 else f"{wanted}-{n}"

    def render(self, template: str, **context: object) -> Markup:
        """Render a template; the result is safe HTML that other templates embed as is."""
        return Markup(
            environment()
            .get_template(template)
            .render(
                vocabulary=self.vocabulary,
                badges=lambda e: badges(e, self.vocabulary, self.url),
                entry_url=self.entry_url,
                url=self.url,
                term_page=term_page,
                type_labels=TYPE_LABELS,
                kind_names=KIND_NAMES,
                is_practice=lambda e: isinstance(e, Practice),
                is_brief=lambda e: isinstance(e, Brief),
                is_reference=lambda e: isinstance(e, Reference),
                unique_id=self.unique_id,
                long_date=long_date,  # "23 November 2026", every date written one way
                **context,
            )
        )

    def entry_list(self, entries: Sequence[Entry], empty: str = "Nothing yet.") -> Markup:
        return self.render("entry_list.html", entries=sort_entries(entries), empty=empty)
