"""Is an exported entry one the bibliography already has? By DOI, then by title, year
and first author, then by key; and a fresh key for a new entry whose key is taken."""

from __future__ import annotations

import itertools
import re
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from equity_kb.core.model import Reference
from equity_kb.core.vocabulary import fold

_DOI_PREFIX = re.compile(r"^\s*(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_DOI = re.compile(r"^10\.\S+/\S+$")

BY_DOI = "by DOI"
BY_WORK = "by title, year and first author"
BY_KEY = "by key"


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


@dataclass(frozen=True)
class Fingerprint:
    """What two entries of one work have in common, normalised (case, accents,
    punctuation and LaTeX braces ignored); empty or None where the entry gives nothing."""

    doi: str | None
    title: str
    year: int | None
    author: str  # the first author's (or editor's) family name

    @classmethod
    def of(cls, ref: Reference) -> Fingerprint:
        people = ref.persons or ref.editors
        return cls(
            doi=normal_doi(ref),
            title=fold(ref.fields.get("title", "")),
            year=ref.issued,
            author=fold(people[0][0]) if people else "",
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
class Match:
    reference: Reference  # the entry it duplicates
    reason: str  # BY_DOI, BY_WORK or BY_KEY


class Catalogue:
    """The entries an import is checked against: the bibliography, then each entry the
    import adds (so an export that lists a work twice adds it once)."""

    def __init__(self, refs: Iterable[Reference]) -> None:
        self._by_doi: dict[str, Reference] = {}
        self._by_work: dict[tuple[str, int, str], Reference] = {}
        self._by_key: dict[str, tuple[Reference, Fingerprint]] = {}
        for ref in refs:
            self.add(ref)

    def add(self, ref: Reference) -> None:
        fp = Fingerprint.of(ref)
        if fp.doi:
            self._by_doi.setdefault(fp.doi, ref)
        if fp.work:
            self._by_work.setdefault(fp.work, ref)
        self._by_key.setdefault(ref.key.lower(), (ref, fp))  # keys ignore case in BibTeX

    def match(self, ref: Reference) -> Match | None:
        """The entry ``ref`` duplicates, and why. Entries with different DOIs are never
        the same work; one with the same key counts only if nothing it gives contradicts."""
        fp = Fingerprint.of(ref)
        if fp.doi and fp.doi in self._by_doi:
            return Match(self._by_doi[fp.doi], BY_DOI)
        same = self._by_work.get(fp.work) if fp.work else None
        if same is not None and not (fp.doi and normal_doi(same)):
            return Match(same, BY_WORK)
        by_key = self._by_key.get(ref.key.lower())
        if by_key is not None and not fp.contradicts(by_key[1]):
            return Match(by_key[0], BY_KEY)
        return None

    def holder(self, key: str) -> Reference | None:
        """The entry that already uses ``key`` (in any case), if one does."""
        found = self._by_key.get(key.lower())
        return found[0] if found else None


def fresh_key(key: str, taken: Callable[[str], bool]) -> str:
    """``key`` with the first free suffix a, b, ... z, then -2, -3, ... (as the loader
    advises for a clash: bowman2021a)."""
    suffixes = itertools.chain(string.ascii_lowercase, (f"-{n}" for n in itertools.count(2)))
    return next(key + s for s in suffixes if not taken(key + s))
