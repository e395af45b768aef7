"""The bibliography inside the Sphinx build: loading, citations, pages, exports.

``.bib`` files are parsed once per change of their content (the parsed references and
their formatted APA citations persist in the pickled environment), so an unchanged
bibliography costs nothing on an incremental build.
"""

from __future__ import annotations

import codecs
import glob
import hashlib
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from docutils import nodes
from markupsafe import Markup
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.osutil import relative_uri

from equity_kb.core.files import bibliography_patterns
from equity_kb.core.model import Reference
from equity_kb.core.ordering import sort_entries, sort_name
from equity_kb.search.layout import state_dir

from ..entries.config import SCBIBTEX_VALUES, bib_cache_dir, bibliography_paths
from ..entries.domain import KBDomain, kb_domain
from ..entries.nodes import kb_placeholder
from ..entries.warnings import report
from ..rendering.book_nodes import doc_uri
from ..rendering.generated import only_changed
from ..rendering.outputs import connect_site, writes_site
from ..rendering.page_renderer import renderer_for
from ..rendering.render import Renderer
from ..safety.write_errors import report_write_error
from .cite_previews import setup_cite_previews

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
    check_bib_settings(app, paths)
    for path in paths:
        app.env.note_dependency(str(path))
    digest = hashlib.sha256(domain.data["vocabulary_digest"].encode())
    # The encoding the files are read in changes the references as much as their bytes.
    digest.update(str(getattr(app.config, "bibtex_encoding", None) or "").encode() + b"\0")
    for path in paths:
        digest.update(str(path).encode() + b"\0" + path.read_bytes())
    if digest.hexdigest() == domain.data["bib_digest"]:
        domain.data["changed_keys"] = frozenset()
        return
    # Parsed files are also cached on disk by content, so a fresh environment (say,
    # after a vocabulary edit) re-uses them.
    result = load_bibliography(
        paths, domain.vocabulary, cache_dir=bib_cache_dir(app), encoding=bib_encoding(app)
    )
    report(result.problems)
    old: dict[str, Reference] = domain.data["references"]
    new = result.references
    changed = {k for k in set(old) | set(new) if old.get(k) != new.get(k)}
    old_html: dict[str, str] = domain.data.get("apa_html", {})
    domain.data["references"] = new
    domain.data["ref_pages"] = assign_pages(new.values(), source_page(app))
    domain.data["bib_digest"] = digest.hexdigest()
    domain.data["changed_keys"] = frozenset(changed)
    app.emit("kb-references-loaded", domain)
    # Reuse formatted citations of unchanged references; format the rest in one call.
    html = {k: old_html[k] for k in new if k in old_html and k not in changed}
    from equity_kb.core import apa

    html.update(apa.format_bibliography([r for k, r in new.items() if k not in html]))
    domain.data["apa_html"] = html


def check_bib_settings(app: Sphinx, paths: list[Path]) -> None:
    """conf.py's .bib files that do not exist (a warning at conf.py), and
    sphinxcontrib-bibtex's style settings, which an APA list cannot follow (said once)."""
    conf = str(Path(app.confdir, "conf.py"))
    found = {p.resolve() for p in paths}
    for name in bibliography_patterns(
        app.config.kb_bibliography, getattr(app.config, "bibtex_bibfiles", None)
    ):
        if not glob.has_magic(name) and Path(app.confdir, name).resolve() not in found:
            logger.warning(
                f"the bibliography file {name!r} named in conf.py does not exist "
                f"(looked for {Path(app.confdir, name)})",
                location=f"{conf}:{conf_line(conf, name)}",
                type="kb",
                subtype="bibliography_file",
            )
    styles = {
        name: getattr(app.config, name, default)
        for name, default in SCBIBTEX_VALUES.items()
        if "style" in name
    }
    changed = [f"{n} = {v!r}" for n, v in styles.items() if v != SCBIBTEX_VALUES[n]]
    if changed:
        logger.info(
            f"{conf}: {', '.join(changed)} is not used: references and citations here are "
            "APA 7 (kb_citation_style chooses another CSL style)"
        )


def conf_line(conf: str, text: str) -> int:
    """The line of conf.py that names ``text`` (1 if none does, or it cannot be read)."""
    try:
        lines = Path(conf).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return 1
    return next((i for i, line in enumerate(lines, 1) if text in line), 1)


def bib_encoding(app: Sphinx) -> str | None:
    """sphinxcontrib-bibtex's ``bibtex_encoding``, checked."""
    conf = str(Path(app.confdir, "conf.py"))
    encoding = getattr(app.config, "bibtex_encoding", None)
    if not encoding:
        return None
    try:
        codecs.lookup(encoding)
    except LookupError:
        logger.warning(
            f"bibtex_encoding {encoding!r} is not an encoding Python knows: the .bib files "
            "are read as UTF-8",
            location=f"{conf}:{conf_line(conf, 'bibtex_encoding')}",
            type="kb",
            subtype="bibliography_file",
        )
        return None
    return str(encoding)


def assign_pages(refs: Any, taken: Callable[[str], bool] = lambda page: False) -> dict[str, str]:
    """Key -> page name. References go A-Z by first author; a letter with more than
    PAGE_SIZE references continues on ``<letter>-2`` and so on. A name ``taken`` by a
    source page of the project gets "-refs" added: a generated page never replaces one."""
    pages: dict[str, str] = {}
    seen: Counter[str] = Counter()
    free: dict[str, str] = {}
    for ref in sort_entries(refs):
        letter = initial(ref)
        chunk = seen[letter] // PAGE_SIZE
        seen[letter] += 1
        page = f"{BIB_DIR}/{letter}" + (f"-{chunk + 1}" if chunk else "")
        if page not in free:
            name = page
            while taken(name):
                name += "-refs"
            free[page] = name
        pages[ref.key] = free[page]
    return pages


def source_page(app: Sphinx) -> Callable[[str], bool]:
    """Whether a page name is one of the project's own source files."""
    suffixes = list(app.config.source_suffix)
    src = Path(app.srcdir)
    return lambda page: any((src / f"{page}{suffix}").exists() for suffix in suffixes)


def initial(ref: Reference) -> str:
    """The A-Z page letter: the first letter of the name references are sorted by."""
    first = next((c for c in sort_name(ref)[0].lower() if c.isalnum()), "")
    return first if first.isascii() and first.isalpha() else "other"


def docs_citing_changed_references(app: Sphinx, env: BuildEnvironment) -> list[str]:
    domain = kb_domain(env)
    changed = domain.data.get("changed_keys") or frozenset()
    if not changed:
        return []
    docs = {d for key, ds in domain.citing_docs().items() if key in changed for d in ds}
    docs |= {d for d, keys in domain.data["footcites"].items() if changed & set(keys)}
    return sorted(docs)


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
        # The A-Z index is the kb-bibliography page; a project without one has no index.
        index_url=r.url(index) if (index := domain.bibliography_doc()) else None,
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

        background.start(
            app,
            EXPORTS_JOB,
            _write_export_files,
            app.outdir,
            domain.references,
            domain.data["bib_digest"],
        )


def _write_export_files(
    outdir: str | os.PathLike[str], references: dict[str, Reference], bib_digest: str
) -> None:
    """The site-wide exports, and each reference's own records for the result downloads
    (``reference_records``), which the build's end then finds made. The RIS and CSL-JSON
    files are those records joined (``join_records``: what their writers give, byte for
    byte); BibTeX's writer aligns a whole file's values, so it writes its own."""
    from equity_kb.core import exports, faults
    from equity_kb.core.citable import join_records
    from equity_kb.core.gcpause import gc_paused

    from .reference_records import make_records, write_records_state

    refs = sort_entries(references.values())
    folder = Path(outdir, BIB_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    with gc_paused():  # writing 10,000 references allocates far more than it keeps
        records = make_records(refs)
        for fmt, name in EXPORTS.items():
            if fmt == "bibtex":
                text = exports.WRITERS[fmt](refs)
            else:
                text = join_records(fmt, [texts[fmt] for texts in records.values()])
            atomic_write(folder / name, text)
            faults.point("exports")
        write_records_state(outdir, bib_digest, records)


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
            _write_export_files(app.outdir, domain.references, domain.data["bib_digest"])
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
