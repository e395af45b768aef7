"""Metadata that Zotero's browser connector reads, so any entry is saved in one click.

A card's or brief's page carries Highwire-style ``citation_*`` meta tags (the
connector's "Embedded Metadata" translator; one item per page), from the same CSL item
that "Cite this card" formats. A bibliography page carries one COinS span per reference
(OpenURL ContextObjects, ``Z3988``: the connector offers them as several items), from
the reference's CSL item. Every value is escaped; a field an entry lacks is left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup, escape
from sphinx.application import Sphinx

from equity_kb.core.model import Practice, Reference

from ..bibliography.result_export import entry_permalink
from ..entries.domain import kb_domain
from ..rendering.outputs import connect_site
from ..rendering.render import environment

# CSL type -> (OpenURL format, genre); anything else is described as Dublin Core.
OPENURL_FORMATS: dict[str, tuple[str, str]] = {
    "article-journal": ("journal", "article"),
    "article-magazine": ("journal", "article"),
    "article-newspaper": ("journal", "article"),
    "book": ("book", "book"),
    "chapter": ("book", "bookitem"),
    "entry-encyclopedia": ("book", "bookitem"),
    "paper-conference": ("book", "proceeding"),
    "report": ("book", "report"),
    "thesis": ("dissertation", ""),
    "patent": ("patent", ""),
}
COINS_CLASS = "Z3988"
WEB_TYPES = ("webpage", "post", "post-weblog")


def setup_zotero_meta(app: Sphinx) -> None:
    connect_site(app, "html-page-context", add_entry_meta)
    # bibliography_page.html calls it; a global, so the template compiles without it.
    environment().globals["kb_coins"] = coins_span


# -- entry pages: Highwire meta tags ------------------------------------------------------
def _date_text(item: dict[str, Any], sep: str) -> str | None:
    parts = item.get("issued", {}).get("date-parts", [[]])[0]
    if not parts or not all(isinstance(p, int) for p in parts):
        return None  # no date, or one CSL holds as text
    return sep.join(f"{p:04d}" if i == 0 else f"{p:02d}" for i, p in enumerate(parts))


def _name(person: dict[str, str]) -> str:
    """Highwire's "Family, Given"; a literal name (an organisation) as it is."""
    if "literal" in person:
        return person["literal"]
    family = " ".join(p for p in (person.get("non-dropping-particle"), person["family"]) if p)
    given = " ".join(p for p in (person.get("given"), person.get("dropping-particle")) if p)
    return f"{family}, {given}" if given else family


def highwire_tags(entry: Any, item: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, content) of each meta tag for a card's or brief's CSL item."""
    tags = [("citation_title", item["title"])]
    # An organisation ends in a comma: Zotero's Embedded Metadata translator then reads it
    # as "Family, Given" with no given name, one name ("Equity KB", not "Kb, Equity").
    tags += [
        ("citation_author", f"{a['literal']}," if "literal" in a else _name(a))
        for a in item.get("author", [])
    ]
    date = _date_text(item, "/")  # Highwire's (and Google Scholar's) YYYY/MM/DD
    if date:
        tags.append(("citation_publication_date", date))
    if isinstance(entry, Practice):
        tags.append(("citation_publisher", item["container-title"]))
    else:
        # What makes Zotero save a brief as a report, published by the site.
        tags.append(("citation_technical_report_institution", item["publisher"]))
        tags.append(("citation_publisher", item["publisher"]))
    tags.append(("citation_public_url", item["URL"]))
    if item.get("annote"):
        tags.append(("citation_abstract", item["annote"]))
    tags += [("citation_keywords", k) for k in item.get("keyword", "").split(", ") if k]
    return tags


def meta_html(tags: Iterable[tuple[str, str]]) -> Markup:
    return Markup("").join(
        Markup('<meta name="{}" content="{}" />\n').format(name, value) for name, value in tags
    )


def add_entry_meta(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    from equity_kb.core.citable import entry_csl

    entry = kb_domain(app.env).entry_for(pagename)
    if entry is None:
        return
    item = entry_csl(entry, entry_permalink(app, pagename), app.config.project)
    # A plain str, as Sphinx keeps it: other handlers (sphinxext-opengraph) append
    # their tags with +=, which on a Markup would escape them.
    context["metatags"] = str(context.get("metatags") or "") + str(
        meta_html(highwire_tags(entry, item))
    )


# -- bibliography pages: COinS --------------------------------------------------------------
def _kev_names(item: dict[str, Any], pairs: list[tuple[str, str]], key: str) -> None:
    for i, person in enumerate(item.get("author", [])):
        if "literal" in person and " " in person["literal"]:
            # An organisation (a braced name of several words): Zotero keeps it whole, as
            # an institution. A one-word name reads the same either way, so it stays an
            # author, in order (Zotero puts every aucorp name first).
            pairs.append(("rft.aucorp", person["literal"]))
            continue
        if i == 0 and "family" in person:
            pairs.append(("rft.aulast", person["family"]))
            if person.get("given"):
                pairs.append(("rft.aufirst", person["given"]))
        pairs.append((key, _name(person)))
    # OpenURL has no editor: Zotero keeps an editor's name as a contributor.
    pairs += [("rft.contributor", _name(p)) for p in item.get("editor", [])]


def coins_kev(item: dict[str, Any], untitled: str = "") -> str:
    """A CSL item as an OpenURL 1.0 ContextObject in KEV form (Z39.88-2004); ``untitled``
    describes a work with no title."""
    fmt, genre = OPENURL_FORMATS.get(item.get("type", ""), ("dc", ""))
    pairs: list[tuple[str, str]] = [
        ("ctx_ver", "Z39.88-2004"),
        ("rft_val_fmt", f"info:ofi/fmt:kev:mtx:{fmt}"),
    ]
    if item.get("DOI"):
        pairs.append(("rft_id", f"info:doi/{item['DOI']}"))
    if item.get("URL"):
        pairs.append(("rft_id", item["URL"]))
    if genre:
        pairs.append(("rft.genre", genre))
    # Zotero offers no item without a title: a work known only by author and year gets
    # what is known, in brackets (as APA describes a work with no title), not a title.
    title = item.get("title") or (f"[{untitled}]" if untitled else None)
    container = item.get("container-title")
    if fmt == "dc":
        if title:
            pairs.append(("rft.title", title))
        _kev_names(item, pairs, "rft.creator")
        for csl_name, kev in (("publisher", "rft.publisher"), ("type", "rft.type")):
            if item.get(csl_name):
                pairs.append((kev, item[csl_name]))
        # A web page's site (Zotero's Website Title; its web pages have no publisher).
        site = item.get("container-title") or (
            item.get("publisher") if item.get("type") in WEB_TYPES else None
        )
        if site:
            pairs.append(("rft.source", site))
    else:
        if fmt == "journal":
            pairs += [(k, v) for k, v in (("rft.atitle", title), ("rft.jtitle", container)) if v]
        elif genre in ("bookitem", "proceeding"):
            pairs += [(k, v) for k, v in (("rft.atitle", title), ("rft.btitle", container)) if v]
        elif fmt == "book":
            pairs += [("rft.btitle", title)] if title else []
        elif title:
            pairs.append(("rft.title", title))
        _kev_names(item, pairs, "rft.au")
        for csl_name, kev in (
            ("publisher", "rft.inst" if fmt == "dissertation" else "rft.pub"),
            ("publisher-place", "rft.place"),
            ("volume", "rft.volume"),
            ("issue", "rft.issue"),
            ("page", "rft.pages"),
            ("edition", "rft.edition"),
            ("ISBN", "rft.isbn"),
            ("ISSN", "rft.issn"),
            ("genre", "rft.degree" if fmt == "dissertation" else ""),
        ):
            if kev and item.get(csl_name):
                pairs.append((kev, item[csl_name]))
    date = _date_text(item, "-")
    if date:
        pairs.append(("rft.date", date))
    if item.get("abstract"):
        pairs.append(("rft.description", item["abstract"]))
    return urlencode(pairs)


def coins_span(ref: Reference) -> Markup:
    """An empty ``<span class="Z3988">`` whose title holds the reference's metadata."""
    from equity_kb.core.csl import to_csl

    return Markup('<span class="{}" title="{}"></span>').format(
        COINS_CLASS, escape(coins_kev(to_csl(ref), "" if ref.title else ref.display_title))
    )
