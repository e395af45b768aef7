"""Living entries: each card and brief says when it was written and last reviewed, and
links to its change history; a "What's new" page (the ``kb-whats-new`` directive) and an
Atom feed (``whats-new.atom``, written with feedgen) list the newest changes.

The dates are the entries' own front matter (core/changes says why); the history link
comes from ``kb_history_url``, a template such as
``https://github.com/ORG/REPO/commits/main/{path}`` where ``{path}`` is the source file's
path from the folder holding conf.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path, PurePath
from typing import Any

from docutils import nodes
from markupsafe import Markup
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.osutil import relative_uri

from equity_kb.core.changes import Change, history_url, long_date, recent_changes
from equity_kb.core.model import Brief, Entry, Practice

from ..bibliography.references import write_if_changed
from ..bibliography.result_export import entry_permalink, site_url
from ..entries.domain import KBDomain, kb_domain
from ..entries.nodes import kb_placeholder
from ..rendering.outputs import connect_site, writes_site
from ..rendering.page_renderer import Renderer
from ..safety.write_errors import report_write_error

logger = logging.getLogger("equity_kb")

FEED = "whats-new.atom"
FEED_TYPE = "application/atom+xml"


def setup_whats_new(app: Sphinx) -> None:
    app.add_config_value("kb_history_url", "", "html", types=[str])
    app.add_directive("kb-whats-new", WhatsNew)
    app.connect("config-inited", check_history_url)
    connect_site(app, "html-page-context", feed_link)
    app.connect("build-finished", write_feed)


def check_history_url(app: Sphinx, config: Config) -> None:
    template = config.kb_history_url
    if template and "{path}" not in template:
        raise ConfigError(
            f"kb_history_url is {template!r}, with no {{path}}: every entry would link to the "
            "same page. Write where one file's history is, with {path} for the file, e.g. "
            "https://github.com/ORG/REPO/commits/main/{path}"
        )


class WhatsNew(SphinxDirective):
    """The newest new and reviewed cards and briefs, newest first, by month."""

    def run(self) -> list[nodes.Node]:
        return [kb_placeholder(kind="whats-new")]


def source_path(app: Sphinx, entry: Entry) -> str:
    """The entry's file as the repository knows it: relative to conf.py's folder."""
    path = Path(entry.source)
    for base in (Path(app.confdir), Path(app.srcdir)):
        if path.is_absolute() and path.is_relative_to(base):
            return path.relative_to(base).as_posix()
    return PurePath(entry.source).as_posix()


def living_facts(app: Sphinx, entry: Entry) -> dict[str, Any] | None:
    """What the entry header says of the entry's life: written, reviewed, history."""
    if not isinstance(entry, Brief | Practice):
        return None
    history = history_url(app.config.kb_history_url, source_path(app, entry))
    if entry.date is None and entry.reviewed is None and history is None:
        return None
    return {
        "written": entry.date and (entry.date, long_date(entry.date)),
        "reviewed": entry.reviewed and (entry.reviewed, long_date(entry.reviewed)),
        "history": history,
    }


def changes_by_month(domain: KBDomain) -> list[tuple[str, list[Change]]]:
    """The recent changes of cards and briefs, newest first, by month ("December 2026"):
    what the page lists, on the website and in a book."""
    months: list[tuple[str, list[Change]]] = []
    for change in recent_changes(list(domain.doc_entries())):
        month = f"{change.day:%B %Y}"
        if not months or months[-1][0] != month:
            months.append((month, []))
        months[-1][1].append(change)
    return months


def undated_entries(domain: KBDomain) -> int:
    """Cards and briefs with neither date: the page says how many it cannot list."""
    return sum(
        1
        for e in domain.doc_entries()
        if isinstance(e, Brief | Practice) and e.date is None and e.reviewed is None
    )


def whats_new_html(app: Sphinx, domain: KBDomain, r: Renderer, docname: str) -> Markup:
    months = [
        (
            month,
            [
                {
                    "change": change,
                    "url": r.url(change.entry.docname or ""),
                    "date": long_date(change.day),
                }
                for change in changes
            ],
        )
        for month, changes in changes_by_month(domain)
    ]
    feed = relative_uri(app.builder.get_target_uri(docname), FEED)
    return r.render(
        "whats_new.html",
        months=months,
        undated=undated_entries(domain),
        feed_url=feed if _feed_wanted(app) else None,
    )


def _feed_wanted(app: Sphinx) -> bool:
    # Atom ids and links must be absolute; with no published address there is no feed.
    return bool(app.config.html_baseurl)


def feed_link(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Every page names the feed in its head, so a feed reader finds it from any link."""
    if not _feed_wanted(app):
        return
    href = site_url(app, FEED)
    title = f"{app.config.project}: what's new"
    tag = Markup('<link rel="alternate" type="{}" title="{}" href="{}" />\n').format(
        FEED_TYPE, title, href
    )
    # A plain str, as Sphinx keeps it (see zotero_meta.add_entry_meta).
    context["metatags"] = str(context.get("metatags") or "") + str(tag)


def feed_xml(app: Sphinx, changes: list[Change]) -> bytes:
    """The Atom feed of ``changes``. Its ``updated`` is the newest change's day, not the
    build's time, so an unchanged knowledge base gives the same bytes every build."""
    from feedgen.feed import FeedGenerator

    project = app.config.project
    fg = FeedGenerator()
    fg.id(site_url(app, FEED))
    fg.title(f"{project}: what's new")
    fg.subtitle("Practice cards and research briefs, new or reviewed, newest first.")
    fg.author({"name": app.config.author or project})
    fg.link(href=site_url(app, FEED), rel="self", type=FEED_TYPE)
    fg.link(href=entry_permalink(app, app.config.root_doc), rel="alternate", type="text/html")
    fg.language(app.config.language or "en")
    fg.generator("Equity KB")
    newest = changes[0].day if changes else dt.date(1970, 1, 1)
    fg.updated(_midnight(newest))
    vocabulary = kb_domain(app.env).vocabulary
    for change in changes:
        entry = change.entry
        link = entry_permalink(app, entry.docname or "")
        fe = fg.add_entry(order="append")
        fe.id(link)
        # One colon, the card's own ("PC-017: Title (reviewed)"), not "Reviewed: PC-017: ...".
        what = "reviewed" if change.kind == "reviewed" else "new"
        fe.title(f"{entry.full_title} ({what})")
        fe.link(href=link, rel="alternate", type="text/html")
        fe.updated(_midnight(change.day))
        if entry.date is not None:
            fe.published(_midnight(entry.date))
        if isinstance(entry, Brief) and entry.authors:
            for name in entry.authors:
                fe.author({"name": name})
        if entry.summary:
            fe.summary(entry.summary)
        for tenet in entry.tenets:
            fe.category(term=tenet, label=vocabulary.label("tenets", tenet))
    xml: bytes = fg.atom_str(pretty=True)
    return xml


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def write_feed(app: Sphinx, exception: BaseException | None) -> None:
    if exception is not None or not writes_site(app.builder) or not _feed_wanted(app):
        return
    try:
        xml = feed_xml(app, recent_changes(list(kb_domain(app.env).doc_entries())))
        write_if_changed(Path(app.outdir, FEED), xml.decode("utf-8"))
    except OSError as err:
        report_write_error(app, "the Atom feed", err, "The feed is still the last one written.")
