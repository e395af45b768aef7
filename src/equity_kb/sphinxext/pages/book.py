"""The pages' generated content in a book (``rendering/outputs``): what the website shows
as HTML, as nodes every builder writes. A book has the documents only, so entries link
to their documents and tags are words (the tag pages are the website's); a listing is
whole (a book has no further pages); the search and Explore pages need a browser and say
where the website's search is instead."""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx

from equity_kb.core.changes import long_date
from equity_kb.core.evidence_summary import summarize_evidence
from equity_kb.core.model import TYPE_LABELS, Entry, Practice
from equity_kb.core.ordering import sort_entries

from ..bibliography.references import ref_uri
from ..bibliography.result_export import site_url
from ..entries.domain import KBDomain
from ..entries.nodes import kb_placeholder
from ..entries.reading import entry_type
from ..rendering.book_nodes import bullets, doc_uri, facts, link, para, rubric, table, tags_para
from ..rendering.outputs import site_uri, writes_site
from .card_evidence import kinds_text, years_text
from .gapmap import matrix
from .listings import listing_entries, listing_filters, listing_noun
from .whats_new import changes_by_month, living_facts, undated_entries


def setup_book(app: Sphinx) -> None:
    # Before Sphinx's toctree collector (500) reads the page's toctrees.
    app.connect("doctree-read", add_entries_to_book, priority=400)
    app.connect("env-get-outdated", folder_indexes_of_new_entries)


def book_entries(app: Sphinx, docname: str) -> list[str]:
    """The entries a section's ``index`` page holds in a book: those in its folder."""
    folder, _, leaf = docname.rpartition("/")
    if leaf != "index" or not folder:
        return []
    return sorted(
        d
        for d in app.env.found_docs
        if d.rpartition("/")[0] == folder and d != docname and entry_type(app, d) is not None
    )


def add_entries_to_book(app: Sphinx, doctree: nodes.document) -> None:
    """In a book, a section's index page takes its entries into a hidden toctree, so
    LaTeX, EPUB and singlehtml hold every card and brief (on the website they are
    reached through listings and search, and stay out of the navigation)."""
    if writes_site(app.builder):
        return
    docname = app.env.docname
    members = book_entries(app, docname)
    if not members:
        return
    toc = addnodes.toctree(
        "",
        parent=docname,
        entries=[(None, d) for d in members],
        includefiles=members,
        maxdepth=1,
        caption=None,
        glob=False,
        hidden=True,
        includehidden=False,
        numbered=0,
        titlesonly=False,
        rawentries=[],
    )
    doctree += nodes.compound("", toc, classes=["toctree-wrapper"])


def folder_indexes_of_new_entries(
    app: Sphinx, env: Any, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """A card or brief added or removed changes what its folder's index holds."""
    if writes_site(app.builder):
        return []
    return sorted(
        {
            f"{d.rpartition('/')[0]}/index"
            for d in added | removed
            if "/" in d and entry_type(app, d) is not None
        }
        & env.found_docs
    )


def entry_link(app: Sphinx, domain: KBDomain, docname: str, entry: Entry) -> nodes.Node:
    title = entry.display_title
    if entry.docname:
        return link(title, doc_uri(app.builder, docname, entry.docname))
    return link(title, ref_uri(app.builder, domain, docname, entry.key))


def entry_items(
    app: Sphinx, domain: KBDomain, docname: str, entries: list[Entry]
) -> list[nodes.Node]:
    if not entries:
        return [para("Nothing yet.")]
    items = []
    for e in sort_entries(entries):
        head: list[nodes.Node | str] = [f"{TYPE_LABELS[e.type]}: "]
        if isinstance(e, Practice):
            head.append(f"{e.key} ")
        head.append(entry_link(app, domain, docname, e))
        if e.year:
            head.append(f" ({e.year})")
        item: list[nodes.Node] = [para(*head)]
        if isinstance(e, Practice) and e.organization:
            item.append(para(e.organization))
        if e.summary:
            item.append(para(e.summary))
        tags = tags_para(e, domain.vocabulary)
        if tags is not None:
            item.append(tags)
        items.append(item)
    return [bullets(items)]


def listing_book(
    app: Sphinx, domain: KBDomain, docname: str, node: kb_placeholder
) -> list[nodes.Node]:
    filters = listing_filters(node)
    entries = listing_entries(domain, filters)
    noun = listing_noun(domain, filters)
    return [para(f"All {len(entries):,} {noun}."), *entry_items(app, domain, docname, entries)]


def counts_text(counts: dict[str, int]) -> str:
    def n(count: int, word: str) -> str:
        return f"{count} {word}{'' if count == 1 else 's'}"

    return ", ".join(
        [
            n(counts.get("practice", 0), "practice card"),
            n(counts.get("brief", 0), "brief"),
            n(counts.get("reference", 0), "reference"),
        ]
    )


def tenet_overview_book(domain: KBDomain) -> list[nodes.Node]:
    items = []
    for t in domain.vocabulary.terms["tenets"]:
        counts = domain.count_by_type(("tenets", t.id))
        items.append(
            [para(nodes.strong(t.label, t.label)), para(t.description), para(counts_text(counts))]
        )
    return [bullets(items)]


def terms_book(domain: KBDomain, kind: str) -> list[nodes.Node]:
    items = []
    for t in domain.vocabulary.terms[kind]:
        total = sum(domain.count_by_type((kind, t.id)).values())
        items.append(para(f"{t.label} ({total})" + (f": {t.description}" if t.description else "")))
    return [bullets(items)]


def gap_map_book(domain: KBDomain) -> list[nodes.Node]:
    """Each map as a table of totals (cards, briefs and references), gaps as 0."""
    out: list[nodes.Node] = []
    for kind in ("focus", "levels"):
        m = matrix(domain, kind, "")
        tenets = m["tenets"]
        header = [str(m["kind_name"]).capitalize(), *(t.label for t in tenets)]  # type: ignore[attr-defined]
        rows = [
            [row["term"].label, *(str(cell.total) for cell in row["cells"])]
            for row in m["rows"]  # type: ignore[attr-defined]
        ]
        out += [rubric(f"Tenets by {m['kind_name']}"), table(header, rows)]
        gaps = m["gaps"]
        if gaps:
            listed = "; ".join(f"{a} and {b}" for a, b in gaps)  # type: ignore[attr-defined]
            out.append(para(f"Gaps (nothing tagged with both): {listed}."))
    return out


def search_book(app: Sphinx, explore: bool) -> list[nodes.Node]:
    """The search page needs a browser: the book says where the website's is."""
    page = site_url(app, site_uri(app, "explore" if explore else "find"))
    what = "Explore the knowledge base by tag" if explore else "Search the knowledge base"
    return [para(f"{what} on its website: ", link(page, page), ".")]


def entry_header_book(app: Sphinx, domain: KBDomain, docname: str) -> list[nodes.Node]:
    entry = domain.entry_for(docname)
    if entry is None:
        return []
    rows: list[tuple[str, list[nodes.Node | str]]] = []
    if isinstance(entry, Practice):
        rows.append(("Card", [entry.key]))
        if entry.organization:
            rows.append(("Organization", [entry.organization]))
    else:
        when = f", {long_date(entry.date)}" if entry.date else ""
        rows.append(("Research brief", [", ".join(entry.authors) + when]))
        if entry.status != "published":
            rows.append(("Status", [entry.status]))
    if entry.levels:
        rows.append(
            ("Levels", [", ".join(domain.vocabulary.label("levels", v) for v in entry.levels)])
        )
    living = living_facts(app, entry)
    if living:
        if living["reviewed"]:
            said: list[nodes.Node | str] = [living["reviewed"][1]]
        elif living["written"]:
            said = [f"not since it was written on {living['written'][1]}"]
        else:
            said = ["no date given"]
        if living["history"]:
            said += [" (", link("change history", living["history"]), ")"]
        rows.append(("Last reviewed", said))
    out: list[nodes.Node] = [facts(rows)]
    if entry.summary:
        out.append(para(entry.summary, classes=["kb-summary-lead"]))
    tags = tags_para(entry, domain.vocabulary)
    if tags is not None:
        out.append(tags)
    if isinstance(entry, Practice):
        out += evidence_book(app, domain, docname, entry)
    return out


def evidence_book(app: Sphinx, domain: KBDomain, docname: str, card: Practice) -> list[nodes.Node]:
    """What the card rests on: counts from the bibliography, never a rating."""
    refs = domain.references
    vocab = domain.vocabulary
    s = summarize_evidence(card, refs, vocab.ids("evidence"))
    out: list[nodes.Node] = [rubric("What this card rests on")]
    if s.count == 0 and not s.unknown:
        return [*out, para("This card lists no sources yet.")]
    rows: list[tuple[str, list[nodes.Node | str]]] = [
        ("Sources", [f"{s.count} in the bibliography"])
    ]
    if s.count:
        rows += [("Kinds", [kinds_text(s, vocab)]), ("Years", [years_text(s)])]
    if s.incomplete:
        listed: list[nodes.Node | str] = [
            f"{len(s.incomplete)} of {s.count} missing core details: "
        ]
        for i, key in enumerate(s.incomplete):
            listed += ["; " if i else "", entry_link(app, domain, docname, refs[key])]
        rows.append(("Incomplete", listed))
    if s.unknown:
        rows.append(("Not found", [", ".join(s.unknown)]))
    return [*out, facts(rows)]


def whats_new_book(app: Sphinx, domain: KBDomain, docname: str) -> list[nodes.Node]:
    out: list[nodes.Node] = []
    for month, changes in changes_by_month(domain):
        items: list[nodes.Node] = []
        for change in changes:
            e = change.entry
            what = "Reviewed" if change.kind == "reviewed" else "New"
            title = (f"{e.key} " if isinstance(e, Practice) else "") + e.title
            items.append(
                para(
                    f"{what} {long_date(change.day)}: ",
                    link(title, doc_uri(app.builder, docname, e.docname or "")),
                    f" ({TYPE_LABELS[e.type]})",
                )
            )
        out += [rubric(month), bullets(items)]
    undated = undated_entries(domain)
    if undated:
        out.append(para(f"{undated} {'entry has' if undated == 1 else 'entries have'} no date."))
    return out or [para("No card or brief has a date yet.")]
