"""The bibliography inside the Sphinx build: loading, citations, pages, exports.

``.bib`` files are parsed once per change of their content (the parsed references and
their formatted APA citations persist in the pickled environment), so an unchanged
bibliography costs nothing on an incremental build.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from docutils import nodes
from markupsafe import Markup
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.osutil import relative_uri

from equity_kb.core.crosscheck import unknown_key
from equity_kb.core.model import Reference
from equity_kb.core.ordering import sort_entries, sort_name
from equity_kb.search.layout import state_dir

from ..entries.config import bib_cache_dir, bibliography_paths
from ..entries.domain import KBDomain, kb_domain
from ..entries.nodes import kb_cite, kb_placeholder
from ..entries.warnings import report
from ..rendering.book_nodes import doc_uri
from ..rendering.generated import only_changed
from ..rendering.outputs import connect_site, writes_site
from ..rendering.page_renderer import renderer_for
from ..rendering.render import Renderer
from ..safety.write_errors import report_write_error
from .cite_previews import kb_cite_link, preview_id, previews_node, setup_cite_previews

logger = logging.getLogger("equity_kb")

BIB_DIR = "bibliography"
PAGE_SIZE = 200  # references per page: 10,000 of them stay far below 1 MB a page
EXPORTS = {"bibtex": "equity-kb.bib", "ris": "equity-kb.ris", "csl-json": "equity-kb.json"}


def setup_references(app: Sphinx) -> None:
    # Emitted with the domain once the references are parsed and given their pages,
    # before their citations are formatted: work that needs only them starts there.
    app.add_event("kb-references-loaded")
    app.connect("builder-inited", load_references, priority=600)  # after the vocabulary
    app.connect("kb-references-loaded", start_exports)
    app.connect("env-updated", docs_citing_changed_references)
    app.add_post_transform(ResolveCitations)
    setup_cite_previews(app)  # the citation links' HTML
    app.add_directive("kb-bibliography", BibliographyIndex)
    connect_site(app, "html-collect-pages", changed_bibliography_pages)
    app.connect("build-finished", write_exports)


# -- loading ---------------------------------------------------------------------------
# bibtexparser, citeproc-py and rispy are imported when first needed, not when Sphinx
# loads the extension: an incremental build that touches no reference never pays for them.
def load_bibliography(*args: Any, **kwargs: Any) -> Any:
    from equity_kb.core.bibtex import load_bibliography as load

    return load(*args, **kwargs)


def load_references(app: Sphinx) -> None:
    domain = kb_domain(app.env)
    paths = bibliography_paths(app)
    for path in paths:
        app.env.note_dependency(str(path))
    digest = hashlib.sha256(domain.data["vocabulary_digest"].encode())
    for path in paths:
        digest.update(str(path).encode() + b"\0" + path.read_bytes())
    if digest.hexdigest() == domain.data["bib_digest"]:
        domain.data["changed_keys"] = frozenset()
        return
    # Parsed files are also cached on disk by content, so a fresh environment (say,
    # after a vocabulary edit) re-uses them.
    result = load_bibliography(paths, domain.vocabulary, cache_dir=bib_cache_dir(app))
    report(result.problems)
    old: dict[str, Reference] = domain.data["references"]
    new = result.references
    changed = {k for k in set(old) | set(new) if old.get(k) != new.get(k)}
    old_html: dict[str, str] = domain.data.get("apa_html", {})
    domain.data["references"] = new
    domain.data["ref_pages"] = assign_pages(new.values())
    domain.data["bib_digest"] = digest.hexdigest()
    domain.data["changed_keys"] = frozenset(changed)
    app.emit("kb-references-loaded", domain)
    # Reuse formatted citations of unchanged references; format the rest in one call.
    html = {k: old_html[k] for k in new if k in old_html and k not in changed}
    from equity_kb.core import apa

    html.update(apa.format_bibliography([r for k, r in new.items() if k not in html]))
    domain.data["apa_html"] = html


def assign_pages(refs: Any) -> dict[str, str]:
    """Key -> page name. References go A-Z by first author; a letter with more than
    PAGE_SIZE references continues on ``<letter>-2`` and so on."""
    pages: dict[str, str] = {}
    seen: Counter[str] = Counter()
    for ref in sort_entries(refs):
        letter = initial(ref)
        chunk = seen[letter] // PAGE_SIZE
        seen[letter] += 1
        pages[ref.key] = f"{BIB_DIR}/{letter}" + (f"-{chunk + 1}" if chunk else "")
    return pages


def initial(ref: Reference) -> str:
    """The A-Z page letter: the first letter of the name references are sorted by."""
    first = next((c for c in sort_name(ref)[0].lower() if c.isalnum()), "")
    return first if first.isascii() and first.isalpha() else "other"


def docs_citing_changed_references(app: Sphinx, env: BuildEnvironment) -> list[str]:
    domain = kb_domain(env)
    changed = domain.data.get("changed_keys") or frozenset()
    if not changed:
        return []
    return [d for key, docs in domain.citing_docs().items() if key in changed for d in docs]


# -- citations -------------------------------------------------------------------------
def ref_uri(builder: Any, domain: KBDomain, fromdoc: str, key: str) -> str | None:
    """Link from a document to a reference: its anchor on its A-Z page on the website;
    in a book, on the page of the ``kb-bibliography`` directive (None if there is none)."""
    if writes_site(builder):
        page = domain.data["ref_pages"][key]
        return builder.get_relative_uri(fromdoc, page) + f"#ref-{key}"
    bibliography = domain.bibliography_doc()
    if bibliography is None or builder.name == "linkcheck":  # internal: nothing to check
        return None
    return doc_uri(builder, fromdoc, bibliography, f"ref-{key}")


class ResolveCitations(SphinxPostTransform):
    """Turn each citation into linked (Author, Year) text; warn of unknown keys. The page
    gets, at its end, one hidden preview of each reference it cites (cite_previews)."""

    default_priority = 5

    def run(self, **kwargs: Any) -> None:
        from equity_kb.core import apa

        domain = kb_domain(self.env)
        site = writes_site(self.app.builder)
        refs = domain.references
        cited: dict[str, Reference] = {}  # in order of first citation
        for node in list(self.document.findall(kb_cite)):
            form = node.get("form") or ("t" if node["narrative"] else "p")
            notes = node.get("notes") or [["", ""]] * len(node["keys"])
            parts: list[list[nodes.Node]] = []
            cites = list(zip(node["keys"], notes, strict=True))
            if form in ("p", "ps"):
                cites = in_apa_order(cites, refs)
            previous: tuple[str, str] | None = None  # the last cite's who, and its post-text
            for key, (pre, post) in cites:
                ref = refs.get(key)
                if ref is None:
                    problem = unknown_key(key, refs, "", 0, "citation key")
                    logger.warning(problem.message, location=node, type="kb", subtype=problem.code)
                    parts.append([nodes.inline(text=key, classes=["kb-cite-unknown"])])
                    previous = None
                    continue
                uri = ref_uri(self.app.builder, domain, self.env.docname, key)
                # Only a parenthetical citation runs one author's works together.
                who = apa.cited(ref, every_author=form == "ps")[0] if form in ("p", "ps") else ""
                if who and previous == (who, "") and not pre:
                    # The same authors again: only the date, "(Quill, 2019, 2021a)" (8.12).
                    parts[-1].extend(
                        [nodes.Text(", "), *cite_part(apa, ref, "year", "", post, uri, site)]
                    )
                else:
                    parts.append(cite_part(apa, ref, form, pre, post, uri, site))
                previous = (who, post)
                cited.setdefault(key, ref)
            out = nodes.inline(classes=["kb-citation-group"])
            parenthetical = form in ("p", "ps", "yearpar", "authorpar", "authorspar")
            separator = "; " if parenthetical else ", "
            if parenthetical:
                out += nodes.Text("(")
            for i, part in enumerate(parts):
                if i:
                    out += nodes.Text(separator)
                out.extend(part)
            if parenthetical:
                out += nodes.Text(")")
            node.replace_self(out)
        if cited and site:
            self.document += previews_node(list(cited.values()), domain.data["apa_html"])


def in_apa_order(
    cites: list[tuple[str, list[str]]], refs: Mapping[str, Reference]
) -> list[tuple[str, list[str]]]:
    """The works of one parenthetical citation in the order APA 7 (8.12) and citeproc-js
    give them: by first author, then undated before dated, then by year; ties (and an
    unknown key) keep the order written."""

    def key(cite: tuple[str, list[str]]) -> tuple[object, ...]:
        ref = refs.get(cite[0])
        if ref is None:
            return ("", 0, 0)
        family, given = sort_name(ref)
        return (family.casefold(), given.casefold(), ref.year is not None, ref.year or 0)

    return sorted(cites, key=key)


def cite_part(
    apa: Any, ref: Any, form: str, pre: str, post: str, uri: str | None, site: bool = True
) -> list[nodes.Node]:
    """One key of a citation in ``form``: the linked citation with its pre- and post-text,
    as APA 7 places them: "see Bowman et al., 2021, p. 12" inside the parentheses (the
    link on "Bowman et al., 2021"), "Bowman et al. (2021, p. 12)" in running text (all
    of it the link)."""
    narrative = form in ("t", "ts")
    # In running text (the narrative forms, and an author named alone) "A and B".
    running = narrative or form in ("author", "authors")
    who, when = apa.cited(
        ref, narrative=running, every_author=form in ("ps", "ts", "authors", "authorspar")
    )
    head = [nodes.Text(pre + " ")] if pre else []
    tail = [nodes.Text(", " + post)] if post else []
    if narrative:  # the post-text goes inside the parentheses, with the year
        text = f"{who} ({when}{', ' + post if post else ''})"
        return [*head, _link(text, uri, ref.key, site)]
    if form in ("year", "yearpar"):
        text = when
    elif form.startswith("author"):
        text = who
    else:  # p, ps
        text = apa.who_when(who, when)
    return [*head, _link(text, uri, ref.key, site), *tail]


def _link(text: str, uri: str | None, key: str, site: bool) -> nodes.Node:
    """A citation's link: on the website described by its reference's preview; in a book
    a plain link to the reference (or its text, where the book has no bibliography)."""
    if uri is None:
        return nodes.inline(text, text, classes=["kb-cite"])
    if not site:
        return nodes.reference(text, text, refuri=uri, internal=True, classes=["kb-cite"])
    return kb_cite_link(text, text, refuri=uri, classes=["kb-cite"], preview=preview_id(key))


def sources_html(app: Sphinx, domain: KBDomain, r: Renderer, docname: str) -> Markup:
    """The reference list of a brief or card: what it cites, in APA order."""
    refs = [domain.references[k] for k in domain.cited_keys(docname) if k in domain.references]
    if not refs:
        return Markup("")
    return r.render(
        "reference_list.html",
        refs=sort_entries(refs),
        apa_html={r.key: Markup(domain.data["apa_html"].get(r.key, "")) for r in refs},
        ref_url=lambda ref: ref_uri(app.builder, domain, docname, ref.key),
        id_prefix="source-",
    )


# -- pages -----------------------------------------------------------------------------
class BibliographyIndex(SphinxDirective):
    """The bibliography's front page: A-Z pages with counts and the export links."""

    def run(self) -> list[nodes.Node]:
        kb_domain(self.env).set_doc("bibliographies", self.env.docname, True)
        return [kb_placeholder(kind="bibliography-index")]


# Up to this many references, the front page lists them all (grouped by letter); above,
# only the A-Z pages, each a click away.
LANDING_MAX = 400


def bibliography_index_html(app: Sphinx, domain: KBDomain, r: Renderer, docname: str) -> str:
    pages: dict[str, int] = {}
    for page in domain.data.get("ref_pages", {}).values():
        pages[page] = pages.get(page, 0) + 1
    letters = [
        {
            "page": p,
            "label": p.split("/", 1)[1].replace("-", " (part ")
            + (")" if "-" in p.split("/", 1)[1] else ""),
            "count": n,
        }
        for p, n in sorted(pages.items())
    ]
    incomplete = sum(1 for ref in domain.references.values() if ref.incomplete)
    groups: list[dict[str, Any]] = []
    if len(domain.references) <= LANDING_MAX:
        # Small enough to scroll: every entry on the front page, grouped by letter, with
        # the letters as a jump list; the A-Z pages stay, for the cards' and briefs' links.
        for ref in sort_entries(domain.references.values()):
            letter = initial(ref)
            if not groups or groups[-1]["letter"] != letter:
                groups.append({"letter": letter, "refs": []})
            groups[-1]["refs"].append(ref)
    return r.render(
        "bibliography_index.html",
        letters=letters,
        groups=groups,
        apa_html={k: Markup(v) for k, v in domain.data["apa_html"].items()} if groups else {},
        total=len(domain.references),
        incomplete=incomplete,
        # Files, not pages: relative to this page's address in the builder's scheme.
        exports={
            fmt: relative_uri(app.builder.get_target_uri(docname), f"{BIB_DIR}/{name}")
            for fmt, name in EXPORTS.items()
        },
    )


def changed_bibliography_pages(app: Sphinx) -> Iterator[tuple[str, dict[str, Any], str]]:
    """The A-Z pages whose content changed since the last build, each judged on its own:
    editing one reference rewrites its page, not the other fifty."""
    domain = kb_domain(app.env)
    by_page: dict[str, list[Reference]] = {}
    for key, page in domain.data.get("ref_pages", {}).items():
        by_page.setdefault(page, []).append(domain.references[key])
    citing = domain.citing_docs()
    titles = {d: citing_title(domain, d) for ds in citing.values() for d in ds}
    # Labels and page links; the last item is the page's layout (bump it when
    # bibliography_page.html changes, e.g. "coins-1" when the Zotero COinS came in).
    shared = repr((domain.data["vocabulary_digest"], sorted(by_page), "coins-1"))
    for page, refs in sorted(by_page.items()):
        refs = sort_entries(refs)
        inputs = hashlib.sha256(shared.encode())
        for ref in refs:  # what bibliography_page.html shows of each (not its line)
            shown = (ref.key, ref.annotation, ref.tenets, ref.focus, ref.levels, ref.missing)
            extra = (ref.evidence_kind, ref.provenance)
            cited = [(d, titles[d]) for d in citing.get(ref.key, [])]
            html = domain.data["apa_html"].get(ref.key)
            inputs.update(repr((shown, extra, html, cited)).encode())
        yield from only_changed(
            app,
            f"bibliography-{page.split('/', 1)[1]}",
            inputs.hexdigest(),
            _bibliography_page(app, domain, page, refs, citing, titles),
        )


def _bibliography_page(
    app: Sphinx,
    domain: KBDomain,
    page: str,
    refs: list[Reference],
    citing: dict[str, list[str]],
    titles: dict[str, str],
) -> Iterator[tuple[str, dict[str, Any], str]]:
    r = renderer_for(app, page)
    heading = f"Bibliography: {page.split('/', 1)[1].upper()}"
    body = r.render(
        "bibliography_page.html",
        heading=heading,
        refs=refs,
        apa_html={ref.key: Markup(domain.data["apa_html"].get(ref.key, "")) for ref in refs},
        cited_in={
            ref.key: [(titles[d], r.url(d)) for d in citing.get(ref.key, [])] for ref in refs
        },
        index_url=r.url("bibliography"),
    )
    yield page, {"title": heading, "body": body}, "page.html"


def citing_title(domain: KBDomain, docname: str) -> str:
    entry = domain.entry_for(docname)
    if entry is None:
        return docname
    return entry.full_title


# -- exports ---------------------------------------------------------------------------
# Written in a child process from when the references are loaded (they need nothing
# else), so a large bibliography's exports do not wait for the pages; collected at the
# end, and the stamp written only then.
EXPORTS_JOB = "exports"
EXPORTS_AHEAD_MIN = 1000  # references; fewer are written faster than a process starts


def _exports_stale(app: Sphinx, domain: KBDomain) -> bool:
    stamp = state_dir(app.outdir) / "exported"  # the digest the exports were written from
    written = all(Path(app.outdir, BIB_DIR, name).exists() for name in EXPORTS.values())
    return not (written and stamp.exists() and stamp.read_text() == domain.data["bib_digest"])


def start_exports(app: Sphinx, domain: KBDomain) -> None:
    if not writes_site(app.builder) or len(domain.references) < EXPORTS_AHEAD_MIN:
        return
    if _exports_stale(app, domain):
        from equity_kb.core import background

        background.start(app, EXPORTS_JOB, _write_export_files, app.outdir, domain.references)


def _write_export_files(outdir: str | os.PathLike[str], references: dict[str, Reference]) -> None:
    from equity_kb.core import exports, faults
    from equity_kb.core.gcpause import gc_paused

    refs = sort_entries(references.values())
    folder = Path(outdir, BIB_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    with gc_paused():  # writing 10,000 references allocates far more than it keeps
        for fmt, name in EXPORTS.items():
            atomic_write(folder / name, exports.WRITERS[fmt](refs))
            faults.point("exports")


def write_exports(app: Sphinx, exception: BaseException | None) -> None:
    from equity_kb.core import background

    job = background.take(app, EXPORTS_JOB)
    if exception is not None or not writes_site(app.builder):
        if job is not None:
            job.stop()
        return
    domain = kb_domain(app.env)
    if not _exports_stale(app, domain):
        return  # the bibliography has not changed since these were written
    try:
        if job is None or not job.wait():
            _write_export_files(app.outdir, domain.references)
        atomic_write(state_dir(app.outdir) / "exported", domain.data["bib_digest"])
    except OSError as err:  # each file is replaced whole, so each is old or new
        report_write_error(
            app, "the bibliography's exports", err, "Each export is still the last one written."
        )


def atomic_write(path: Path, text: str) -> None:
    """Write beside the target and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes it private; it is a published file
    os.replace(tmp, path)


def write_if_changed(path: Path, text: str) -> None:
    """``atomic_write``, unless the file already holds ``text``: an unchanged file keeps
    its time, so caches and feed readers see no change."""
    try:
        if path.read_bytes() == text.encode("utf-8"):
            return
    except FileNotFoundError:
        pass
    atomic_write(path, text)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _umask()
