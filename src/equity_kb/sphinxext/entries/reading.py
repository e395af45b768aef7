"""Reading briefs and cards: front matter to model entries, doctree bookkeeping."""

from __future__ import annotations

import hashlib
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from equity_kb.core.card_ids import read_retired_ids_file
from equity_kb.core.crosscheck import cross_check
from equity_kb.core.frontmatter import read_front_matter
from equity_kb.core.model import Problem
from equity_kb.core.source_text import Decoded, decode
from equity_kb.core.validation import entry_from_front_matter, entry_type_of

from .config import read_vocabulary
from .domain import KBDomain, kb_domain
from .nodes import kb_cite, kb_placeholder
from .parallel_reading import trim_readers_tables
from .warnings import report


def setup_reading(app: Sphinx) -> None:
    app.connect("builder-inited", load_vocabulary)
    app.connect("env-before-read-docs", trim_readers_tables)
    app.connect("env-get-outdated", outdated_by_vocabulary)
    app.connect("source-read", read_entry)
    app.connect("doctree-read", process_entry_doctree)
    app.connect("env-check-consistency", check_across_documents)
    app.connect("env-updated", aggregate_pages)


def entry_type(app: Sphinx, docname: str) -> str | None:
    return entry_type_of(docname, app.config.kb_entry_dirs)


def load_vocabulary(app: Sphinx) -> None:
    domain = kb_domain(app.env)
    vocabulary, digest = read_vocabulary(app)
    domain.data["vocabulary"] = vocabulary
    domain.data["previous_vocabulary_digest"] = domain.data["vocabulary_digest"]
    domain.data["vocabulary_digest"] = digest


def outdated_by_vocabulary(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """A changed vocabulary changes what every entry's tags mean: re-read them all."""
    domain = kb_domain(env)
    previous = domain.data.get("previous_vocabulary_digest")
    if previous and previous != domain.data["vocabulary_digest"]:
        return [d for d in env.found_docs if entry_type(app, d)]
    return []


def decode_file(path: str) -> Decoded:
    """A source's bytes as text with its one encoding problem (core/source_text)."""
    try:
        return decode(Path(path).read_bytes())
    except OSError:
        return Decoded("", 0, "", "")  # Sphinx reports a file it cannot open


def read_entry(app: Sphinx, docname: str, source: list[str]) -> None:
    env = app.env
    path = str(env.doc2path(docname))
    # Sphinx read the file through core/source_text's codec, which never fails; the one
    # message for bytes that are not UTF-8 (or an empty file) is given here, at its line.
    encoding = decode_file(path)
    if encoding.code:
        report([Problem(path, encoding.line, encoding.message, encoding.code)], docname)
    etype = entry_type(app, docname)
    if etype is None or encoding.code == "empty_file":
        return
    domain = kb_domain(env)
    fm, problems = read_front_matter(source[0], path)
    if fm is None and not problems and encoding.code != "bad_encoding":
        problems = [
            Problem(
                path,
                1,
                f"a {etype} needs front matter between '---' lines; start from "
                f"`equity-kb new {etype}`",
                "missing_front_matter",
            )
        ]
    if fm is not None:
        entry, more = entry_from_front_matter(
            fm, entry_type=etype, path=path, docname=docname, vocabulary=domain.vocabulary
        )
        problems.extend(more)
        domain.set_doc("entries", docname, entry)
    report(problems, docname)


def process_entry_doctree(app: Sphinx, doctree: nodes.document) -> None:
    env = app.env
    docname = env.docname
    domain = kb_domain(env)
    cites = tuple(
        (key, node.line or 0) for node in doctree.findall(kb_cite) for key in node["keys"]
    )
    if cites:
        domain.set_doc("citations", docname, cites)
    # Footnote citations (bibliography/footcite) are not what a bibliography lists as
    # cited (as in sphinxcontrib-bibtex), but their footnotes follow their references.
    foot = tuple(
        dict.fromkeys(
            node["kb_key"]
            for node in doctree.findall(nodes.footnote_reference)
            if node.get("kb_key")
        )
    )
    if foot:
        domain.set_doc("footcites", docname, foot)
    if any(n["kind"] in AGGREGATE_KINDS for n in doctree.findall(kb_placeholder)):
        domain.set_doc("aggregates", docname, True)
    if entry_type(app, docname) is not None:
        # Entries are reached through listings, tenet pages and search, not the sidebar
        # toctree: keeping them out of it keeps per-page navigation from growing with the
        # site. A file there that is not an entry yet (empty, no front matter) has had
        # its one message already, not a second about the toctree.
        env.metadata[docname]["orphan"] = True
    if domain.entry_for(docname) is None:
        return
    domain.set_doc("texts", docname, doctree.astext())
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        return
    title = next(iter(section.findall(nodes.title)), None)
    header = kb_placeholder(kind="entry-header")
    if title is not None:
        title.parent.insert(title.parent.index(title) + 1, header)
    else:
        section.insert(0, header)
    section.append(kb_placeholder(kind="entry-footer"))


# Placeholders whose content depends on other documents; pages holding them are
# rewritten on every build (see aggregate_pages).
AGGREGATE_KINDS = {
    "tenet-overview",
    "whats-new",
    "listing",
    "terms",
    "bibliography-index",
    "gap-map",
    "reading-list",
}


def check_across_documents(app: Sphinx, env: BuildEnvironment) -> None:
    """Problems only visible with every document read: duplicate card IDs, unknown keys."""
    domain = kb_domain(env)
    docnames = {e.source: e.docname for e in domain.doc_entries()}
    retired = read_retired_ids(app)
    for problem in cross_check(domain.doc_entries(), domain.references, retired):
        report([problem], docnames.get(problem.path))


def aggregate_pages(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Pages that list entries are rewritten whenever what they list changed (an entry's
    title, summary or tags; an entry added or removed), so they never go stale."""
    domain = kb_domain(env)
    digest = listing_digest(domain)
    if digest == domain.data.get("listing_digest"):
        return []
    domain.data["listing_digest"] = digest
    return domain.aggregate_docs()


def listing_digest(domain: KBDomain) -> str:
    h = hashlib.sha256(domain.data["vocabulary_digest"].encode())
    h.update(references_listed(domain).encode())
    for e in domain.doc_entries():
        h.update(
            repr(
                (
                    e.docname,
                    e.key,
                    e.title,
                    e.summary,
                    e.tenets,
                    e.focus,
                    e.levels,
                    e.year,
                    e.authors,
                    # Listings show a card's organisation and order briefs by full date.
                    getattr(e, "organization", ""),
                    getattr(e, "date", None),
                    # What's new lists entries by their review and leaves drafts out.
                    getattr(e, "reviewed", None),
                    getattr(e, "status", None),
                )
            ).encode()
        )
    h.update(repr(domain.aggregate_docs()).encode())
    return h.hexdigest()


def references_listed(domain: KBDomain) -> str:
    """A digest of what listings show of the references (not their annotations past the
    first sentence): a typo fixed in one annotation rewrites no listing or tenet page.
    Computed once per change of the bibliography."""
    memo = domain.data.get("references_listed")
    if memo and memo[0] == domain.data["bib_digest"]:
        return str(memo[1])
    h = hashlib.sha256()
    pages = domain.data.get("ref_pages", {})
    for ref in domain.references.values():
        shown = (ref.key, ref.title, ref.summary, ref.tenets, ref.focus, ref.levels)
        h.update(repr((*shown, ref.year, ref.persons, ref.editors, pages.get(ref.key))).encode())
    domain.data["references_listed"] = (domain.data["bib_digest"], h.hexdigest())
    return h.hexdigest()


def read_retired_ids(app: Sphinx) -> frozenset[str]:
    """Card IDs that were used once and are never handed out again."""
    folders = [d for d, t in app.config.kb_entry_dirs.items() if t == "practice"]
    ids: set[str] = set()
    for folder in folders:
        ids |= read_retired_ids_file(Path(app.srcdir, folder))
    return frozenset(ids)
