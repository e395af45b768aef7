"""The ``kb`` Sphinx domain: every entry's metadata, keyed by the document that holds it.

Per-document data is popped in ``clear_doc`` and copied in ``merge_domaindata`` so that
``-j auto`` and incremental builds see exactly the entries of the current sources.
Containers are replaced, never mutated in place after pickling (sphinxcontrib-bibtex
issue 342). Cross-document totals are computed on demand from this data.
"""

from __future__ import annotations

from collections.abc import Set
from typing import Any, ClassVar

from sphinx.domains import Domain

from equity_kb.core.model import ENTRY_TYPES, Brief, Entry, Practice, Reference
from equity_kb.core.vocabulary import FACETS, Vocabulary

from .parallel_reading import note_read, read_by_reader, rows_to_send, start_build

# Per-document tables: docname -> value. Everything listed here is purged and merged.
PER_DOC = (
    "entries",
    "citations",
    "texts",
    "aggregates",
    "listings",
    "bibliographies",
    "keyprefixes",
    "footcites",
)


class _KBData(dict[str, Any]):
    """The domain's data. Pickled by one of Sphinx's parallel readers, to be merged into
    the build's own (``merge_domaindata``, which takes the per-document tables of the
    documents that reader read, and nothing else), it carries only those: whole, each of
    the 27 chunks of 3,510 pages carried the bibliography and every page's text there and
    back (up to 33 MB each at 13,500 entries), and ``-j auto`` was slower than ``-j 1``.
    Pickled anywhere else (the environment saved between builds), it is all there
    (``parallel_reading``)."""

    def __reduce__(self) -> tuple[Any, ...]:
        read = read_by_reader()
        if read is None:
            return (_KBData, (dict(self),))
        kept = {
            k: rows_to_send(self[k], read)
            if k in PER_DOC
            else type(v)()
            if isinstance(v, (dict, list, set, frozenset, tuple))
            else v
            for k, v in self.items()
        }
        return (_KBData, (kept,))


class KBDomain(Domain):
    name = "kb"
    label = "Equity KB"
    data_version = 4  # 2: "listings"; 3: "bibliographies"; 4: "keyprefixes", "footcites"
    initial_data: ClassVar[dict[str, Any]] = {  # type: ignore[misc]
        "entries": {},  # docname -> Brief | Practice
        "citations": {},  # docname -> tuple of (key, line) cited in that document
        "texts": {},  # docname -> plain text of the page, for the search index
        "aggregates": {},  # docname -> True when the page lists other entries
        "listings": {},  # docname -> tuple of pages.ListingSpec, one per kb-listing
        "bibliographies": {},  # docname -> True when the page holds kb-bibliography
        "keyprefixes": {},  # docname -> the :keyprefix: values of its reading lists
        "footcites": {},  # docname -> keys of its footnote citations
        "references": {},  # key -> Reference (from bib files, not from documents)
        "bib_digest": "",
        "vocabulary": None,
        "vocabulary_digest": "",
    }

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        start_build()
        if not isinstance(self.data, _KBData):
            self.data = env.domaindata[self.name] = _KBData(self.data)

    # -- per-document bookkeeping -------------------------------------------------
    def process_doc(self, env: Any, docname: str, document: Any) -> None:
        note_read(docname)

    def clear_doc(self, docname: str) -> None:
        for table in PER_DOC:
            self.data[table].pop(docname, None)

    def merge_domaindata(self, docnames: Set[str], otherdata: dict[str, Any]) -> None:
        for table in PER_DOC:
            for docname in docnames:
                if docname in otherdata[table]:
                    self.data[table][docname] = otherdata[table][docname]

    def set_doc(self, table: str, docname: str, value: object) -> None:
        self.data[table][docname] = value

    # -- queries ------------------------------------------------------------------
    @property
    def vocabulary(self) -> Vocabulary:
        vocab = self.data["vocabulary"]
        assert vocab is not None, "the vocabulary is loaded on builder-inited"
        return vocab

    @property
    def references(self) -> dict[str, Reference]:
        return self.data["references"]

    def doc_entries(self) -> list[Brief | Practice]:
        """Briefs and cards, in a stable order (by docname)."""
        return [self.data["entries"][d] for d in sorted(self.data["entries"])]

    def all_entries(self) -> list[Entry]:
        return [*self.doc_entries(), *self.references.values()]

    def entry_for(self, docname: str) -> Brief | Practice | None:
        return self.data["entries"].get(docname)

    def citations_in(self, docname: str) -> tuple[tuple[str, int], ...]:
        return self.data["citations"].get(docname, ())

    def cited_keys(self, docname: str) -> list[str]:
        """Keys a document cites (inline and in a card's evidence), first use first."""
        keys = [k for k, _ in self.citations_in(docname)]
        entry = self.entry_for(docname)
        if isinstance(entry, Practice):
            keys.extend(entry.evidence)
        return list(dict.fromkeys(keys))

    def citing_docs(self) -> dict[str, list[str]]:
        """Bibliography key -> docnames of the briefs and cards that cite it."""
        out: dict[str, list[str]] = {}
        for docname in sorted(set(self.data["citations"]) | set(self.data["entries"])):
            for key in self.cited_keys(docname):
                out.setdefault(key, []).append(docname)
        return out

    def cited_reference(self, key: str) -> Reference | None:
        """The reference a citation key names: the key itself, or, as sphinxcontrib-bibtex
        reads them, a key behind a reading list's ``:keyprefix:`` ("tag0-mandel2009")."""
        refs = self.references
        if key in refs:
            return refs[key]
        for prefixes in self.data["keyprefixes"].values():
            for prefix in prefixes:
                if key.startswith(prefix) and key[len(prefix) :] in refs:
                    return refs[key[len(prefix) :]]
        return None

    def bibliography_doc(self) -> str | None:
        """The page of the ``kb-bibliography`` directive (the first, if there are more):
        where a book lists every reference and its citations link."""
        return min(self.data["bibliographies"], default=None)

    def aggregate_docs(self) -> list[str]:
        return sorted(self.data["aggregates"])

    def listings(self) -> list[tuple[str, tuple[Any, ...]]]:
        """(docname, its kb-listing specs), by docname; the specs are pages.ListingSpec."""
        return sorted(self.data["listings"].items())

    def listing_inputs(self) -> str:
        """What term pages, listings and tag counts depend on: a digest of every entry's
        listing fields (reading.listing_digest, computed once per build after reading)."""
        return str(self.data.get("listing_digest", ""))

    def count_by_type(self, *tags: tuple[str, str]) -> dict[str, int]:
        """How many entries of each type carry every (kind, term) tag given (one or two)."""
        counts = self._tag_counts()
        return dict(counts.get(frozenset(tags), dict.fromkeys(ENTRY_TYPES, 0)))

    def _tag_counts(self) -> dict[frozenset[tuple[str, str]], dict[str, int]]:
        """Counts for every tag and every pair of tags, in one pass over the entries.

        Kept on the domain object (not in pickled data) and keyed by the listing digest,
        so the home page, topic pages and gap map do not each rescan every entry."""
        key = self.listing_inputs()
        cached = getattr(self, "_counts", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        counts: dict[frozenset[tuple[str, str]], dict[str, int]] = {}
        for e in self.all_entries():
            tags = [(kind, t) for kind in FACETS for t in getattr(e, kind)]
            for i, a in enumerate(tags):
                for b in tags[i:]:
                    slot = counts.setdefault(frozenset((a, b)), dict.fromkeys(ENTRY_TYPES, 0))
                    slot[e.type] += 1
        self._counts = (key, counts)
        return counts

    # Sphinx asks domains to resolve cross-references; ours are resolved by our own
    # post-transform (citations), so there is nothing to do here.
    def resolve_any_xref(self, *args: Any, **kwargs: Any) -> list[Any]:
        return []


def kb_domain(env: Any) -> KBDomain:
    domain = env.get_domain("kb")
    assert isinstance(domain, KBDomain)
    return domain
