"""APA 7 in-text citations ("(Bowman et al., 2021)", "Bowman et al. (2021)"), and the
who and when of a citation in any other author-date style, read off citeproc-py."""

from __future__ import annotations

import functools
import json
import warnings
from collections.abc import Mapping
from typing import Any, NamedTuple

from . import dates
from .apa_fixups import PRIMARY_ROLES, issued_year, name_series, short_name, suffixed, typographic
from .citation_style import DEFAULT_STYLE, NOT_RENDERED, stock_style_named, style_name
from .citeproc_fixes import initialise
from .csl import to_csl
from .model import CiteAs, Reference
from .title_case import title_case

NO_DISAMBIGUATION = CiteAs()
# A title standing in for the author, as the APA style (its title-short macro) writes it:
# in quotes when the work is part of a container, except these types; in title case,
# except these.
UNQUOTED_TYPES = frozenset(
    {"bill", "legislation", "regulation", "report", "treaty", "legal_case", "post"}
    | {"hearing", "webpage"}
)
AS_WRITTEN_TYPES = frozenset({"legal_case", "post"})


def _who_names(names: list[Mapping[str, str]], cite_as: CiteAs) -> list[str]:
    shown = [short_name(n) for n in names]
    first = names[0] if names else {}
    if cite_as.initials and first.get("family") and first.get("given"):
        shown[0] = f"{initialise(first['given'])} {shown[0]}"  # "J. Smith" (APA 7 8.20)
    return [n for n in shown if n]


def csl_cited(
    item: Mapping[str, Any],
    narrative: bool = False,
    every_author: bool = False,
    cite_as: CiteAs = NO_DISAMBIGUATION,
) -> tuple[str, str]:
    """Who and when of an APA 7 in-text citation, as plain text: ("Bowman et al.", "2021").

    One or two authors are named ("A & B" in parentheses, "A and B" in running text,
    as APA 7 section 8.17 has it); three or more are "A et al." (``every_author``: all
    of them, "A, B, & C", as sphinxcontrib-bibtex's starred roles ask); with no author,
    the editor, then the title in title case (its short title if it has one; in quotes
    for a part of a larger work), as citeproc-js writes it; with no year, "n.d.".
    ``cite_as`` tells this work from others of the bibliography (core/disambiguation):
    its year suffix, more names before "et al.", the first author's initials.
    """
    if style_name() != DEFAULT_STYLE:
        who, when = _other_cited(item)
        return who, suffixed(when, cite_as.year_suffix)
    listed = item.get("author") or item.get("editor")
    listed = listed or next((item[r] for r in PRIMARY_ROLES if item.get(r)), [])
    names = _who_names(list(listed), cite_as)
    if len(names) >= 3 and not every_author and cite_as.names < len(names):
        who = ", ".join(names[: max(cite_as.names, 1)])
        who += ", et al." if cite_as.names > 1 else " et al."
    elif names:
        who = name_series(names, " and " if narrative else " & ")
    else:
        kind = str(item.get("type") or "")
        title = str(item.get("title-short") or item.get("title") or "").strip()
        english = str(item.get("language") or "en").lower().startswith("en")
        if english and kind not in AS_WRITTEN_TYPES:
            title = title_case(title)  # APA 7 8.14; only English titles, as citeproc-js
        title = title or str(item.get("id", ""))
        quoted = kind not in UNQUOTED_TYPES and bool(item.get("container-title"))
        who = f"“{title}”" if quoted else title
    who = typographic(who)
    when = suffixed(dates.citation_year(item.get("issued")) or "n.d.", cite_as.year_suffix)
    original = dates.citation_year(item.get("original-date"))
    return who, f"{original}/{when}" if original else when  # a republished work (8.15)


def csl_in_text(
    item: Mapping[str, Any], narrative: bool = False, cite_as: CiteAs = NO_DISAMBIGUATION
) -> str:
    """APA 7 in-text citation, as plain text, for a plain-text CSL item (``csl_cited``):
    "(Bowman et al., 2021)", or in running text "Bowman et al. (2021)"."""
    who, when = csl_cited(item, narrative, cite_as=cite_as)
    if narrative:
        return f"{who} ({when})"
    return f"({who_when(who, when)})"


def who_when(who: str, when: str) -> str:
    """ "Bowman et al., 2021", as inside parentheses; APA puts the comma inside a closing
    quote ("“Title,” 2021"). Another style joins them as its citations do."""
    if style_name() != DEFAULT_STYLE:
        shape = _citation_shape(style_name())
        between = shape.between_undated if when == shape.no_date else shape.between
        return f"{who}{between}{when}" if when else who
    return f"{who[:-1]},” {when}" if who.endswith("”") else f"{who}, {when}"


# In-text citations in another author-date style: citeproc-py renders each one (they
# are few, and cached); the shape of the style's citations, "(", ")" and what stands
# between the names and the date, is read off a citation of a made-up probe work.
_PROBE_FAMILY = "Qzxprobe"


def _citation_text(name: str, item: Mapping[str, Any]) -> str:
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON

    data = {k: v for k, v in item.items() if k not in NOT_RENDERED}
    data = {**data, "id": "cited", "type": str(item.get("type") or "document")}
    if isinstance(data.get("issued"), dict):
        data["issued"] = dates.for_citeproc(data["issued"], data["type"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bibliography = CitationStylesBibliography(
            stock_style_named(name), CiteProcJSON([data]), formatter.plain
        )
        citation = Citation([CitationItem("cited")])
        bibliography.register(citation)
        return str(bibliography.cite(citation, lambda _: None))


class _Shape(NamedTuple):
    """How a style writes an author-date citation: "(", ")", what stands between the names
    and the date (" " in Chicago, ", " in Harvard), and between the names and "n.d."."""

    opening: str
    closing: str
    between: str
    between_undated: str
    no_date: str


@functools.cache
def _citation_shape(name: str) -> _Shape:
    probe = {"type": "book", "title": "P", "author": [{"family": _PROBE_FAMILY, "given": "Q"}]}
    dated = _citation_text(name, {**probe, "issued": {"date-parts": [[1999]]}})
    undated = _citation_text(name, probe)
    start, end = dated.index(_PROBE_FAMILY), dated.index("1999")
    opening, closing = dated[:start], dated[end + 4 :]
    rest = undated[undated.index(_PROBE_FAMILY) + len(_PROBE_FAMILY) :]
    rest = rest[: len(rest) - len(closing)] if closing and rest.endswith(closing) else rest
    no_date = rest.lstrip(" ,;:")
    between = dated[start + len(_PROBE_FAMILY) : end]
    return _Shape(opening, closing, between, rest[: len(rest) - len(no_date)], no_date)


@functools.lru_cache(maxsize=4096)
def _other_cited_json(name: str, data: str) -> tuple[str, str]:
    item = json.loads(data)
    shape = _citation_shape(name)
    text = _citation_text(name, item)
    if text.startswith(shape.opening) and text.endswith(shape.closing):
        text = text[len(shape.opening) : len(text) - len(shape.closing)]
    if shape.no_date and text.endswith(shape.between_undated + shape.no_date):
        return text[: len(text) - len(shape.between_undated + shape.no_date)], shape.no_date
    year = issued_year(item)
    at = text.rfind(str(year)) if year is not None else -1
    if at > 0 and text[:at].endswith(shape.between):
        return text[: at - len(shape.between)], text[at:]
    return text, ""


def _other_cited(item: Mapping[str, Any]) -> tuple[str, str]:
    return _other_cited_json(style_name(), json.dumps(item, sort_keys=True, default=str))


def cited(ref: Reference, narrative: bool = False, every_author: bool = False) -> tuple[str, str]:
    """``csl_cited`` for a reference: its who and when, as plain text, told apart from
    the rest of its bibliography (``ref.cite_as``)."""
    return csl_cited(to_csl(ref), narrative, every_author, ref.cite_as)


def in_text(ref: Reference, narrative: bool = False) -> str:
    """APA 7 in-text citation as plain text: "(Bowman et al., 2021)" or, narrative,
    "Bowman et al. (2021)". Escape it when putting it into HTML."""
    return csl_in_text(to_csl(ref), narrative, ref.cite_as)


__all__ = ["cited", "csl_cited", "csl_in_text", "in_text", "who_when"]
