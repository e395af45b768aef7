"""The one model of an entry, shared by validation, pages, exports and search.

Nothing here imports Sphinx: ``equity-kb check``, the query engine's indexer and the
unit tests use these classes without a build. Instances are frozen so that data
pickled into Sphinx's environment is never mutated in place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import ClassVar, Literal, NamedTuple

EntryType = Literal["brief", "practice", "reference"]
ENTRY_TYPES: tuple[EntryType, ...] = ("brief", "practice", "reference")
TYPE_LABELS: dict[str, str] = {
    "brief": "Research brief",
    "practice": "Practice card",
    "reference": "Reference",
}
BRIEF_STATUSES = ("draft", "in-review", "published")


class Person(NamedTuple):
    """A name from a BibTeX name list. ``family`` includes a particle that is part of it
    ("van der Berg", or BibLaTeX's ``useprefix=true``); ``particle`` is one that is not
    (``prefix=dos, useprefix=false``: "Santos, J. M. O. dos"). An organisation is a
    family name with no given name."""

    family: str
    given: str = ""
    particle: str = ""
    suffix: str = ""  # "Jr."

    @property
    def full(self) -> str:
        """The name in reading order: "Joao Miguel Oliveira dos Santos Jr."."""
        return " ".join(p for p in (self.given, self.particle, self.family, self.suffix) if p)


class CiteAs(NamedTuple):
    """How APA 7 tells a work apart from the others of the bibliography it is in
    (``core/disambiguation``, as citeproc-js decides it): a year suffix ("2019a",
    "n.d.-a"), more names before "et al." and the first author's initials ("J. Smith")."""

    year_suffix: str = ""
    names: int = 0  # names shown before "et al." in a citation; 0 is APA's default
    initials: bool = False


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the content, located at a file and line (1-based; 0 = unknown).

    ``code`` names the kind of problem (it becomes the Sphinx warning subtype
    ``kb.<code>``). ``severity`` is ``"error"`` for anything the author must fix, or
    ``"note"`` for facts worth showing that do not fail a strict build (an entry that
    is incomplete but says where its details came from).
    """

    path: str
    line: int
    message: str
    code: str
    severity: Literal["error", "note"] = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True, kw_only=True)
class Entry:
    """Fields every kind of entry has. ``key`` is its identity across the site."""

    type: ClassVar[EntryType]
    key: str
    title: str
    tenets: tuple[str, ...]
    focus: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    summary: str = ""
    source: str = ""  # the file it came from, for messages
    line: int = 0  # where it starts in that file
    docname: str | None = None  # the Sphinx document that shows it, if it has its own page
    # 1-based line of each field in its source, so later checks can point at it.
    field_lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def year(self) -> int | None:
        return None

    @property
    def authors(self) -> tuple[str, ...]:
        return ()

    @property
    def label(self) -> str:
        """A short human handle: a card's ID, a reference's key, a brief's title."""
        return self.key

    @property
    def display_title(self) -> str:
        """The title, or for a reference known only by author and year, a stand-in."""
        if self.title:
            return self.title
        return f"{', '.join(self.authors) or self.key} ({self.year or 'n.d.'}), title not known"

    @property
    def full_title(self) -> str:
        """The entry as a link, a preview or a feed names it: a card by its ID and title
        ("PC-007: Equity pauses"), anything else by its title."""
        return self.display_title


@dataclass(frozen=True, kw_only=True)
class Brief(Entry):
    """A research brief: a Markdown page with front matter, citing references inline."""

    type: ClassVar[EntryType] = "brief"
    author_names: tuple[str, ...] = ()
    date: dt.date | None = None  # when it was written (published, unless a draft)
    reviewed: dt.date | None = None  # the day a person checked the whole entry against its sources
    status: str = "published"

    @property
    def year(self) -> int | None:
        return self.date.year if self.date else None

    @property
    def authors(self) -> tuple[str, ...]:
        return self.author_names

    @property
    def label(self) -> str:
        return self.title


@dataclass(frozen=True, kw_only=True)
class Practice(Entry):
    """A promising-practice card; ``key`` is its stable ID such as ``PC-007``."""

    type: ClassVar[EntryType] = "practice"
    organization: str = ""
    evidence: tuple[str, ...] = ()  # bibliography keys the card rests on
    date: dt.date | None = None  # when it was written
    reviewed: dt.date | None = None  # the day a person checked the whole entry against its sources

    @property
    def year(self) -> int | None:
        return self.date.year if self.date else None

    @property
    def authors(self) -> tuple[str, ...]:
        return (self.organization,) if self.organization else ()

    @property
    def full_title(self) -> str:
        return f"{self.key}: {self.title}"


@dataclass(frozen=True, kw_only=True)
class Reference(Entry):
    """A bibliography entry: BibTeX fields plus annotation, tags and provenance.

    ``fields`` holds the BibTeX fields as decoded text (LaTeX escapes resolved);
    ``raw_fields`` keeps them as written, for a BibTeX export that round-trips;
    ``rich_fields`` holds, for the text fields whose LaTeX has markup (``\\emph``, braced
    words in a title), that markup as CSL rich text (``<i>``, ``<span class="nocase">``).
    ``persons`` (authors), ``editors`` and the other roles in ``names`` (``translator``,
    ``bookauthor``, ...) are :class:`Person` tuples. ``issued`` is the year; the full date
    stays in ``fields`` (``date``, or ``year`` with ``month``). ``missing`` lists the core
    fields the entry type expects but the entry lacks.
    """

    type: ClassVar[EntryType] = "reference"
    bibtype: str = "misc"
    fields: dict[str, str] = field(default_factory=dict)
    raw_fields: dict[str, str] = field(default_factory=dict)
    rich_fields: dict[str, str] = field(default_factory=dict)
    persons: tuple[Person, ...] = ()
    editors: tuple[Person, ...] = ()
    names: dict[str, tuple[Person, ...]] = field(default_factory=dict)
    issued: int | None = None
    annotation: str = ""
    evidence_kind: str | None = None
    provenance: str | None = None
    missing: tuple[str, ...] = ()
    # Set when the whole bibliography is loaded: it depends on the other references.
    cite_as: CiteAs = CiteAs()

    @property
    def year(self) -> int | None:
        return self.issued

    @property
    def authors(self) -> tuple[str, ...]:
        return tuple(p.full for p in self.persons or self.editors)

    @property
    def incomplete(self) -> bool:
        return bool(self.missing)

    @property
    def doi(self) -> str | None:
        return self.fields.get("doi")

    @property
    def url(self) -> str | None:
        if self.doi:
            return f"https://doi.org/{self.doi}"
        return self.fields.get("url")
