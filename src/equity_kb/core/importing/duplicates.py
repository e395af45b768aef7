"""Is an exported entry a work the bibliography (or the import) already has? Only with
evidence: the same DOI and a matching title; the same title, year and first author; or
the same type and every field. What two entries share short of that (a DOI alone, as the
papers of a proceedings volume share the volume's; a key) is a hint, never a match."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from equity_kb.core.bibtex.rules import OWN_FIELDS
from equity_kb.core.model import Reference
from equity_kb.core.vocabulary import fold

_DOI_PREFIX = re.compile(r"^\s*(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_DOI = re.compile(r"^10\.\S+/\S+$")
# Where a main title ends and its subtitle starts.
_SUBTITLE = re.compile(r"\s*(?::|\?|!|\.\s|\s[-\u2013\u2014]{1,3}\s)")
# Fields that are not the work's description: ours, Zotero's storage and tags, links to
# other entries (keys that an import renames).
_NOT_DESCRIPTION = frozenset(OWN_FIELDS | {"file", "crossref", "xdata"})
_SPACE = re.compile(r"\s+")


def normal_doi(ref: Reference) -> str | None:
    """The DOI, lower-case and without a resolver prefix (DOIs ignore case); from the
    ``url`` when that is a doi.org address and there is no ``doi`` field."""
    for name in ("doi", "url"):
        value = ref.fields.get(name, "")
        if name == "url" and not _DOI_PREFIX.match(value):
            continue
        doi = _DOI_PREFIX.sub("", value).strip().lower()
        if _DOI.match(doi):
            return doi
    return None


def titles_match(a: str, b: str) -> bool:
    """The same title (case, accents, punctuation and LaTeX braces ignored), or one is
    the other's main title (a catalogue that left the subtitle out)."""
    fa, fb = fold(a), fold(b)
    if not fa or not fb:
        return False
    return fa == fb or fold(_SUBTITLE.split(a, 1)[0]) == fb or fa == fold(_SUBTITLE.split(b, 1)[0])


@dataclass(frozen=True)
class Fingerprint:
    """What two entries of one work have in common, normalised (case, accents,
    punctuation and LaTeX braces ignored); empty or None where the entry gives nothing."""

    doi: str | None
    title: str
    year: int | None
    author: str  # the first author's (or editor's) family name, folded
    author_shown: str  # ... as written, for the evidence
    description: tuple[str, tuple[tuple[str, str], ...]]  # the type and every field

    @classmethod
    def of(cls, ref: Reference) -> Fingerprint:
        people = ref.persons or ref.editors
        fields = tuple(
            sorted(
                (name, _SPACE.sub(" ", raw).strip())
                for name, raw in ref.raw_fields.items()
                if name not in _NOT_DESCRIPTION
            )
        )
        return cls(
            doi=normal_doi(ref),
            title=fold(ref.fields.get("title", "")),
            year=ref.issued,
            author=fold(people[0][0]) if people else "",
            author_shown=people[0][0] if people else "",
            description=(ref.bibtype, fields),
        )

    @property
    def work(self) -> tuple[str, int, str] | None:
        if self.title and self.year is not None and self.author:
            return (self.title, self.year, self.author)
        return None

    def contradicts(self, other: Fingerprint) -> bool:
        """Whether something both entries give differs: then they are different works."""
        mine = (self.doi, self.title, self.year, self.author)
        theirs = (other.doi, other.title, other.year, other.author)
        return any(a and b and a != b for a, b in zip(mine, theirs, strict=True))


@dataclass(frozen=True)
class Known:
    """An entry an import is checked against: one of the bibliography's, or one the
    import adds (then ``line`` is its line in the export)."""

    reference: Reference  # its key is the key in the bibliography
    new: bool  # added by this import
    path: str  # where it is: the bibliography file, or the export
    line: int
    key: str  # as written there: the export's own key for a new one
    fingerprint: Fingerprint

    @classmethod
    def existing(cls, ref: Reference) -> Known:
        return cls(ref, False, ref.source, ref.line, ref.key, Fingerprint.of(ref))

    @classmethod
    def added(cls, ref: Reference, export: str, line: int, key: str) -> Known:
        return cls(ref, True, export, line, key, Fingerprint.of(ref))


@dataclass(frozen=True)
class Match:
    """The entry an exported entry duplicates, and the evidence."""

    known: Known
    evidence: str  # "by DOI 10.5555/x and title", "by title, year 2021 and first author Okafor"


@dataclass(frozen=True)
class Hint:
    """Something an entry shares with another short of being the same work."""

    known: Known
    kind: str  # SHARED_DOI, OTHER_DOI or SAME_KEY
    others: int = 0  # how many more entries share it (SHARED_DOI)


SHARED_DOI = "shared DOI"  # the same DOI, another title: a volume's DOI on its papers
OTHER_DOI = "other DOI"  # the same title, year and first author, but different DOIs
SAME_KEY = "same key"  # the same key, nothing that differs, but no evidence either


class Catalogue:
    """The entries an import is checked against: the bibliography, then each entry the
    import adds (so an export that lists a work twice adds it once)."""

    def __init__(self, known: Iterable[Known]) -> None:
        self._by_doi: dict[str, list[Known]] = {}
        self._by_work: dict[tuple[str, int, str], list[Known]] = {}
        self._by_description: dict[tuple[str, tuple[tuple[str, str], ...]], Known] = {}
        self._by_key: dict[str, list[Known]] = {}
        for k in known:
            self.add(k)

    def add(self, known: Known) -> None:
        fp = known.fingerprint
        if fp.doi:
            self._by_doi.setdefault(fp.doi, []).append(known)
        if fp.work:
            self._by_work.setdefault(fp.work, []).append(known)
        if fp.description[1]:
            self._by_description.setdefault(fp.description, known)
        self._by_key.setdefault(known.key.lower(), []).append(known)  # keys ignore case

    def match(self, ref: Reference) -> Match | None:
        """The entry ``ref`` is the same work as, with the evidence; the bibliography's
        entries come first. Entries with different DOIs are never the same work."""
        fp = Fingerprint.of(ref)
        title = ref.fields.get("title", "")
        for known in self._by_doi.get(fp.doi or "", ()):
            if titles_match(title, known.reference.fields.get("title", "")):
                return Match(known, f"by DOI {fp.doi} and title")
        for known in self._by_work.get(fp.work or ("", 0, ""), ()):
            if not (fp.doi and known.fingerprint.doi and fp.doi != known.fingerprint.doi):
                return Match(known, f"by title, year {fp.year} and first author {fp.author_shown}")
        same = self._by_description.get(fp.description) if fp.description[1] else None
        if same is not None:
            return Match(same, "by type and every field")
        return None

    def hints(self, ref: Reference, key: str) -> list[Hint]:
        """What ``ref`` (written with ``key`` in the export), matched by nothing, shares
        with entries short of evidence: worth a note, as a person may know better."""
        fp = Fingerprint.of(ref)
        hints = []
        shared = self._by_doi.get(fp.doi or "", [])
        if shared:
            hints.append(Hint(shared[0], SHARED_DOI, len(shared) - 1))
        hints.extend(Hint(k, OTHER_DOI) for k in self._by_work.get(fp.work or ("", 0, ""), []))
        hints.extend(
            Hint(k, SAME_KEY)
            for k in self._by_key.get(key.lower(), [])
            if not fp.contradicts(k.fingerprint)
        )
        return hints
