"""The search service: the built site as static files, plus ``/api/search`` and ``/api/health``.

A Starlette app object, so tests call it in process (``TestClient``) and ``serve`` runs
it under uvicorn. Imports neither Sphinx nor the Sphinx domain.

``GET /api/search?q=&type=&tenet=&focus=&level=&year_from=&year_to=&page=&page_size=``
answers JSON; facet parameters repeat (``tenet=data&tenet=practice``) or take commas.
A bad parameter is a 400 with a message; a query the parser cannot read is not an
error (it is searched as plain words). No index yet is a 503 that says what to do.

The answer (``SearchResult.to_dict``):

* ``query``, ``total``, ``page``, ``pages``, ``page_size``, ``selected``, ``took_ms``;
* ``hits``: ``{key, type, title, url, year, tenets, focus, levels, authors, summary,
  snippet, score}``; ``title`` and ``summary`` are text, ``snippet`` is escaped HTML
  whose only tags are ``<mark>``;
* ``facets``: per facet ``[{value, label, count, selected}]``, each counted over the
  matches filtered by the other facets;
* ``mode``: ``"browse"`` (no words), ``"query"`` (read as written) or ``"plain"``
  (read as plain words); ``note``: a sentence for the page about how the query was
  read, or null; ``suggestion``: a respelt query that has results, or null;
* ``partial``: true when no entry has all the words, so ``hits`` are the entries with
  some of them, those with the most and rarest first (``note`` says so);
* ``nearest``: when ``total`` is 0, up to five hits (same shape as ``hits``) for the
  page to show under "Nearest entries", and ``nearest_reason`` why: ``"filters"``
  (they match the words but not the chosen filters) or ``"spelling"`` (they match
  ``suggestion``); otherwise ``[]`` and null.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .engine import MAX_FACET_VALUES, MAX_PAGE, MAX_PAGE_SIZE, IndexNotFound, SearchEngine

log = logging.getLogger("equity_kb.search")

# URL parameter -> SearchEngine.search keyword.
FACET_PARAMS = {"type": "types", "tenet": "tenets", "focus": "focus", "level": "levels"}
_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
_MAX_VALUE_CHARS = 100


class BadRequest(ValueError):
    """A request parameter the API cannot accept; the message says which and why."""


def parse_search_params(params: QueryParams) -> dict[str, Any]:
    """Keyword arguments for ``SearchEngine.search`` from URL parameters, or BadRequest."""
    out: dict[str, Any] = {"q": params.get("q", "")}
    for name, keyword in FACET_PARAMS.items():
        values: list[str] = []
        for raw in params.getlist(name):
            values += [v.strip() for v in raw.split(",") if v.strip()]
        if len(values) > MAX_FACET_VALUES:
            raise BadRequest(f"too many '{name}' values (at most {MAX_FACET_VALUES})")
        if any(len(v) > _MAX_VALUE_CHARS for v in values):
            raise BadRequest(f"a '{name}' value is longer than {_MAX_VALUE_CHARS} characters")
        out[keyword] = values
    for name in ("year_from", "year_to"):
        out[name] = _int(params, name, 1, 9999, None, "a year such as 2020")
    out["page"] = _int(params, "page", 1, MAX_PAGE, 1, "a page number from 1")
    out["page_size"] = _int(
        params, "page_size", 1, MAX_PAGE_SIZE, 20, f"a number from 1 to {MAX_PAGE_SIZE}"
    )
    if out["year_from"] and out["year_to"] and out["year_from"] > out["year_to"]:
        raise BadRequest("year_from is after year_to")
    return out


def _int(params: QueryParams, name: str, lo: int, hi: int, default: int | None, what: str) -> Any:
    raw = params.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise BadRequest(f"'{name}' must be {what}, not {raw[:40]!r}") from None
    if not lo <= value <= hi:
        raise BadRequest(f"'{name}' must be {what} (between {lo} and {hi}), not {value}")
    return value


class _Engines:
    """Opens the engine on first use, so the service starts before the index exists."""

    def __init__(self, index_dir: Path):
        self.index_dir = index_dir
        self._engine: SearchEngine | None = None
        self._lock = threading.Lock()

    def get(self) -> SearchEngine:
        with self._lock:
            if self._engine is None:
                self._engine = SearchEngine(self.index_dir)
            return self._engine

    def close(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.close()
                self._engine = None


def _unavailable(err: Exception) -> JSONResponse:
    return JSONResponse(
        {"status": "unavailable", "error": str(err)}, status_code=503, headers=_HEADERS
    )


def create_app(
    site_dir: str | os.PathLike[str] | None, index_dir: str | os.PathLike[str]
) -> Starlette:
    """The app: ``/api/search``, ``/api/health`` and, if ``site_dir`` is given, the site."""
    engines = _Engines(Path(index_dir))

    async def search(request: Request) -> JSONResponse:
        try:
            kwargs = parse_search_params(request.query_params)
        except BadRequest as err:
            return JSONResponse({"error": str(err)}, status_code=400, headers=_HEADERS)
        try:
            engine = await run_in_threadpool(engines.get)
            result = await run_in_threadpool(lambda: engine.search(**kwargs))
        except IndexNotFound as err:
            return _unavailable(err)
        except Exception:  # a bug, not the request: say so without a traceback
            log.exception("search failed for %r", kwargs.get("q"))
            return JSONResponse(
                {"error": "the search failed; the server log has the details"},
                status_code=500,
                headers=_HEADERS,
            )
        return JSONResponse(result.to_dict(), headers=_HEADERS)

    async def health(request: Request) -> JSONResponse:
        try:
            engine = await run_in_threadpool(engines.get)
            info = {
                "status": "ok",
                "generation": engine.generation,
                "documents": engine.doc_count,
            }
        except IndexNotFound as err:
            return _unavailable(err)
        return JSONResponse(info, headers=_HEADERS)

    async def not_found(request: Request) -> JSONResponse:
        return JSONResponse({"error": "not found"}, status_code=404, headers=_HEADERS)

    routes: list[Any] = [
        Route("/api/search", search, methods=["GET"]),
        Route("/api/health", health, methods=["GET"]),
    ]
    if site_dir is not None:
        hidden = _inside(Path(index_dir), Path(site_dir))
        if hidden:
            # An index given inside the site (--index SITE/x) is
            # the service's working data, not pages to hand out.
            routes.append(Route(f"/{hidden}/{{rest:path}}", not_found))
            routes.append(Route(f"/{hidden}", not_found))
        routes.append(Mount("/", app=StaticFiles(directory=str(site_dir), html=True)))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        engines.close()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.engines = engines
    return app


def _inside(path: Path, root: Path) -> str | None:
    """``path`` relative to ``root`` as a URL path, if it is inside it."""
    try:
        rel = path.resolve().relative_to(root.resolve())
    except ValueError:
        return None
    return rel.as_posix() if rel.parts else None


def serve(
    site_dir: str | os.PathLike[str],
    index_dir: str | os.PathLike[str],
    host: str = "127.0.0.1",
    port: int = 8000,
) -> None:
    """Serve the site and the search API with uvicorn until interrupted."""
    import uvicorn

    app = create_app(site_dir, index_dir)
    print(f"Serving {site_dir} and /api/search (index: {index_dir}) at http://{host}:{port}/")
    uvicorn.run(app, host=host, port=port, log_level="info")
