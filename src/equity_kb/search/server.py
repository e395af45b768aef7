"""The search service: the built site as static files, plus ``/api/search`` and ``/api/health``.

A Starlette app object, so tests call it in process (``TestClient``) and ``serve`` runs
it under uvicorn, in one or several worker processes (each opens the same index and
follows its ``CURRENT`` generation by itself). Imports neither Sphinx nor the Sphinx
domain.

For public use:

* ``/api/search`` answers carry ``ETag`` (the index generation and a digest of the
  parameters) and ``Cache-Control: public, no-cache``: a browser or CDN revalidates
  and gets a 304 until the next generation; each worker keeps its recent answers
  (``answers.AnswerCache``), serialised and gzipped once;
* responses are gzipped when the client accepts it (Pagefind's own files excepted:
  they are compressed already);
* CORS for the configured site origins (``origins``), so a static site on one host
  can search with a service on another; no origins, no CORS headers;
* one log line per request without the query text (``access_log``).

``/api/openapi.json`` describes both (``openapi.py``).

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
import copy
import logging
import mimetypes
import os
import threading
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .access_log import AccessLog
from .answers import (
    DEFAULT_SIZE,
    Answer,
    AnswerCache,
    etag,
    etag_matches,
    make_answer,
    request_key,
)
from .engine import MAX_FACET_VALUES, MAX_PAGE, MAX_PAGE_SIZE, IndexNotFound, SearchEngine
from .openapi import DEFAULT_PAGE_SIZE, MAX_VALUE_CHARS, YEARS, openapi_document

log = logging.getLogger("equity_kb.search")

# URL parameter -> SearchEngine.search keyword.
FACET_PARAMS = {
    "type": "types",
    "tenet": "tenets",
    "focus": "focus",
    "level": "levels",
    "evidence": "evidence",
}
_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
# An answer may be stored, but is checked with its ETag before every use.
_ANSWER_HEADERS = {
    "Cache-Control": "public, no-cache",
    "Vary": "Accept-Encoding",
    "X-Content-Type-Options": "nosniff",
}
# Pagefind's index files are gzipped by Pagefind: served as bytes, never gzipped again.
for _ext in (".pf_meta", ".pf_index", ".pf_fragment", ".pf_filter", ".pagefind"):
    mimetypes.add_type("application/octet-stream", _ext)
_NOT_GZIPPED = ("application/octet-stream", "application/wasm", "image/png", "image/jpeg")


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
        if any(len(v) > MAX_VALUE_CHARS for v in values):
            raise BadRequest(f"a '{name}' value is longer than {MAX_VALUE_CHARS} characters")
        out[keyword] = values
    for name in ("year_from", "year_to"):
        out[name] = _int(params, name, *YEARS, None, "a year such as 2020")
    out["page"] = _int(params, "page", 1, MAX_PAGE, 1, "a page number from 1")
    out["page_size"] = _int(
        params,
        "page_size",
        1,
        MAX_PAGE_SIZE,
        DEFAULT_PAGE_SIZE,
        f"a number from 1 to {MAX_PAGE_SIZE}",
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

    def opened(self) -> SearchEngine | None:
        """The engine if it is open already (no lock: read on the event loop)."""
        return self._engine

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


@dataclass(frozen=True)
class ServiceSettings:
    """What a service worker needs; ``from_env`` reads it in each worker process."""

    site: str | None
    index: str
    origins: tuple[str, ...] = ()
    cache_size: int = DEFAULT_SIZE

    def to_env(self) -> dict[str, str]:
        return {
            "KB_SITE": self.site or "",
            "KB_INDEX": self.index,
            "KB_ORIGINS": ",".join(self.origins),
            "KB_CACHE_SIZE": str(self.cache_size),
        }

    @classmethod
    def from_env(cls, env: Any = os.environ) -> ServiceSettings:
        if not env.get("KB_INDEX"):
            raise RuntimeError("KB_INDEX is not set: start the service with equity-kb serve")
        return cls(
            site=env.get("KB_SITE") or None,
            index=env["KB_INDEX"],
            origins=parse_origins(env.get("KB_ORIGINS", "")),
            cache_size=int(env.get("KB_CACHE_SIZE") or DEFAULT_SIZE),
        )


def parse_origins(text: str) -> tuple[str, ...]:
    """``https://a.org, https://b.org`` -> the origins, each without a trailing slash."""
    return tuple(o.strip().rstrip("/") for o in text.split(",") if o.strip())


def app_from_env() -> Starlette:
    """The app of one uvicorn worker (``--factory``), from ``KB_*`` variables."""
    settings = ServiceSettings.from_env()
    return create_app(
        settings.site,
        settings.index,
        origins=settings.origins,
        cache_size=settings.cache_size,
    )


def create_app(
    site_dir: str | os.PathLike[str] | None,
    index_dir: str | os.PathLike[str],
    *,
    origins: Sequence[str] = (),
    cache_size: int = DEFAULT_SIZE,
) -> Starlette:
    """The app: ``/api/search``, ``/api/health`` and, if ``site_dir`` is given, the site."""
    engines = _Engines(Path(index_dir))
    answers = AnswerCache(cache_size)

    async def search(request: Request) -> Response:
        try:
            kwargs = parse_search_params(request.query_params)
        except BadRequest as err:
            return JSONResponse({"error": str(err)}, status_code=400, headers=_HEADERS)
        try:
            engine, generation = await _current(engines)
        except IndexNotFound as err:
            return _unavailable(err)
        key = request_key(kwargs)
        tag = etag(generation, key)
        if etag_matches(request.headers.get("if-none-match"), tag):
            request.state.kb_answered = "revalidated"
            return Response(status_code=304, headers={**_ANSWER_HEADERS, "ETag": tag})
        cached = answers.get(generation, key)
        if cached is not None:
            request.state.kb_answered = "cache"
            answer = cached
        else:
            request.state.kb_answered = "searched"
            try:
                # On the event loop, not in a thread: the engine answers one query at a
                # time anyway, and a thread per request only added GIL hand-offs (wrk,
                # distinct queries: 150 requests/s in threads, 198 inline).
                answered, answer = _answer(engine, kwargs, key)
            except IndexNotFound as err:
                return _unavailable(err)
            except Exception:  # a bug, not the request: say so without a traceback
                log.exception("a search failed")
                log.debug("the failed search: %r", kwargs)
                return JSONResponse(
                    {"error": "the search failed; the server log has the details"},
                    status_code=500,
                    headers=_HEADERS,
                )
            answers.put(answered, key, answer)
        headers = {**_ANSWER_HEADERS, "ETag": answer.etag}
        body = answer.body
        if answer.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
            body = answer.gzipped
            headers["Content-Encoding"] = "gzip"
        return Response(body, headers=headers, media_type="application/json")

    async def health(request: Request) -> JSONResponse:
        try:
            opened, generation = await _current(engines)
            info = {
                "status": "ok",
                "generation": generation,
                "documents": await run_in_threadpool(lambda: opened.doc_count),
                "pid": os.getpid(),
                "cached_answers": len(answers),
            }
        except IndexNotFound as err:
            return _unavailable(err)
        return JSONResponse(info, headers=_HEADERS)

    document = openapi_document()

    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(document, headers=_HEADERS)

    async def not_found(request: Request) -> JSONResponse:
        return JSONResponse({"error": "not found"}, status_code=404, headers=_HEADERS)

    routes: list[Any] = [
        Route("/api/search", search, methods=["GET"]),
        Route("/api/health", health, methods=["GET"]),
        Route("/api/openapi.json", openapi, methods=["GET"]),
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

    middleware = [Middleware(AccessLog)]
    if origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(origins),
                allow_methods=["GET"],
                expose_headers=["ETag"],
                max_age=600,
            )
        )
    middleware.append(
        Middleware(GZipMiddleware, minimum_size=500, exclude_content_types=_NOT_GZIPPED)
    )
    app = Starlette(routes=routes, lifespan=lifespan, middleware=middleware)
    app.state.engines = engines
    app.state.answers = answers
    return app


async def _current(engines: _Engines) -> tuple[SearchEngine, str]:
    """The engine and the generation ``CURRENT`` names now, or IndexNotFound. Opening
    the engine (the first request) reads the index, off the event loop."""
    engine = engines.opened()
    if engine is None:
        engine = await run_in_threadpool(engines.get)
    generation = engine.current_name()
    if generation is None:
        raise IndexNotFound(f"no search index at {engine.index_dir} any more")
    return engine, generation


def _answer(engine: SearchEngine, kwargs: dict[str, Any], key: str) -> tuple[str, Answer]:
    """Search: the generation that answered, and the answer serialised (and gzipped)
    under its ETag."""
    result = engine.search(**kwargs)
    return result.generation, make_answer(result.to_dict(), etag(result.generation, key))


def _inside(path: Path, root: Path) -> str | None:
    """``path`` relative to ``root`` as a URL path, if it is inside it."""
    try:
        rel = path.resolve().relative_to(root.resolve())
    except ValueError:
        return None
    return rel.as_posix() if rel.parts else None


def serve(
    settings: ServiceSettings,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    log_level: str = "info",
) -> None:
    """Serve with uvicorn until interrupted: ``workers`` processes, each its own app."""
    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    # The workers are new processes: they read their settings from the environment,
    # and uvicorn configures their logging from this (ours beside its own).
    os.environ.update(settings.to_env())
    log_config = copy.deepcopy(LOGGING_CONFIG)
    log_config["loggers"]["equity_kb"] = {
        "handlers": ["default"],
        "level": log_level.upper(),
        "propagate": False,
    }
    where = f"{settings.site} and /api/search" if settings.site else "/api/search"
    origins = ", ".join(settings.origins) or "none"
    # Port 0: the system picks one when uvicorn binds; uvicorn's own line names it.
    at = f"at http://{host}:{port}/" if port else "on a free port (uvicorn's line names it)"
    print(
        f"Serving {where} (index: {settings.index}) {at} with "
        f"{workers} worker{'s' if workers != 1 else ''}; CORS origins: {origins}"
    )
    uvicorn.run(
        "equity_kb.search.server:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        log_config=log_config,
        access_log=False,  # access_log.AccessLog writes one line without the query
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
    )
