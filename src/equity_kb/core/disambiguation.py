"""How APA 7 tells works apart in in-text citations, decided for a whole bibliography.

The APA CSL style asks its processor for three things, in this order, and citeproc-js
(Zotero's) does them across every work cited in a document; the site is one document:

- the first author's initials, wherever two first authors share a family name but not
  their initials ("J. Smith" and "A. Smith"; APA 7 section 8.20, for every year);
- more names before "et al." until works with different authors read differently
  ("Bowman, Lee, et al." and "Bowman, Ito, et al."; section 8.18);
- a year suffix for works whose citations are still the same ("2019a", "n.d.-a"),
  lettered in the order of their titles (section 9.47).

The result is stored on each :class:`~equity_kb.core.model.Reference` (``cite_as``), so
the bibliography pages, every citation and every reference list agree.
"""

from __future__ import annotations

import dataclasses
import re
import string
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from . import dates
from .citeproc_fixes import initialise
from .model import CiteAs, Person, Reference

# APA 7 section 9.47: works are put in title order "excluding A, An and The".
_ARTICLE = re.compile(r"^(?:a|an|the)\s+", re.IGNORECASE)
_NOT_WORD = re.compile(r"[^\w\s]")


def title_sort_key(title: str) -> str:
    """A title as APA orders it: no leading article, case, accents or punctuation."""
    text = unicodedata.normalize("NFKD", title)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _NOT_WORD.sub("", text.casefold())
    return " ".join(_ARTICLE.sub("", text.strip()).split())


def _person_key(p: Person) -> tuple[str, str]:
    # Initials compared by their letters: "P.-M." and "P. M." are one person's, as
    # citeproc-js reads them.
    letters = "".join(c for c in initialise(p.given) if c.isalpha())
    return (p.family.casefold(), letters.casefold())


def _printed_title(ref: Reference) -> str:
    """The title as the reference list prints it: a volume after its work's title."""
    main = ref.fields.get("maintitle")
    return f"{main} {ref.fields.get('volume', '')} {ref.title}" if main else ref.title


def _names_of(ref: Reference) -> tuple[Person, ...]:
    return ref.persons or ref.editors


def _year_text(ref: Reference) -> str:
    if "date" not in ref.fields:  # BibTeX's year: the citation's date is just that
        return str(ref.issued) if ref.issued is not None else "n.d."
    issued = dates.issued(ref.fields, ref.issued)
    return (dates.citation_year(issued) if issued else None) or "n.d."


def _shown(names: Sequence[Person], count: int, with_initials: bool) -> tuple[str, ...]:
    """The names a citation shows, as comparable text: APA's "A et al." for three or
    more (``count`` names before "et al."), every name of one or two."""
    if not names:
        return ()
    keep = len(names) if len(names) < 3 else min(max(count, 1), len(names))
    out = [n.family.casefold() for n in names[:keep]]
    if with_initials:
        out[0] = f"{initialise(names[0].given).casefold()} {out[0]}"
    if keep < len(names):
        out.append("et al.")
    return tuple(out)


def disambiguate(refs: Iterable[Reference]) -> dict[str, CiteAs]:
    """How each reference (by key) must be cited so no two citations read the same;
    references that need nothing are left out."""
    refs = list(refs)
    names = {r.key: _names_of(r) for r in refs}
    # 1. Initials of a first author who shares a family name with another first author.
    initials_of: dict[str, set[str]] = defaultdict(set)
    for r in refs:
        first = names[r.key][:1]
        if first and first[0].given:
            family, inits = _person_key(first[0])
            initials_of[family].add(inits)
    with_initials = {
        r.key
        for r in refs
        if names[r.key][:1]
        and names[r.key][0].given
        and len(initials_of[names[r.key][0].family.casefold()]) > 1
    }
    # 2. Works cited alike: more names, for those with different authors.
    year = {r.key: _year_text(r) for r in refs}
    groups: dict[tuple[object, ...], list[Reference]] = defaultdict(list)
    for r in refs:
        who = _shown(names[r.key], 1, r.key in with_initials) or (title_sort_key(r.title),)
        groups[(who, year[r.key])].append(r)
    count: dict[str, int] = {}
    for members in groups.values():
        people = {tuple(_person_key(p) for p in names[m.key]) for m in members}
        if len(members) < 2 or len(people) < 2:
            continue
        # The fewest names that tell the most of them apart (names that cannot help,
        # such as a second author's initials, leave it to the year suffix).
        longest = max(len(names[m.key]) for m in members)
        told = {
            k: len({_shown(names[m.key], k, m.key in with_initials) for m in members})
            for k in range(1, longest + 1)
        }
        best = min(k for k in told if told[k] == max(told.values()))
        for m in members:
            if best > 1 and len(names[m.key]) >= 3:
                count[m.key] = best
    # 3. A year suffix for works still cited alike, in title order.
    alike: dict[tuple[object, ...], list[Reference]] = defaultdict(list)
    for r in refs:
        shown = _shown(names[r.key], count.get(r.key, 1), r.key in with_initials)
        alike[(shown or (title_sort_key(r.title),), year[r.key])].append(r)
    suffix: dict[str, str] = {}
    for members in alike.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda m: (title_sort_key(_printed_title(m)), m.key))
        for n, m in enumerate(members):
            suffix[m.key] = _letters(n)
    return {
        r.key: CiteAs(suffix.get(r.key, ""), count.get(r.key, 0), r.key in with_initials)
        for r in refs
        if r.key in suffix or r.key in count or r.key in with_initials
    }


def _letters(n: int) -> str:
    """a ... z, then aa, ab, ... (as citeproc-js continues past z)."""
    out = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        out = string.ascii_lowercase[rest] + out
    return out


def with_cite_as(references: Mapping[str, Reference]) -> dict[str, Reference]:
    """The references, each with the ``cite_as`` the whole set gives it."""
    decided = disambiguate(references.values())
    return {
        key: (
            dataclasses.replace(ref, cite_as=decided.get(key, _NOTHING))
            if ref.cite_as != decided.get(key, _NOTHING)
            else ref
        )
        for key, ref in references.items()
    }


_NOTHING = CiteAs()


__all__ = ["disambiguate", "title_sort_key", "with_cite_as"]
