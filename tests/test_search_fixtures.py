"""Fixture entries and helpers shared by the search, server, CLI and browser tests.

Fifteen entries across the three types, with tags chosen so that facet counts can be
worked out by hand (``count_by_hand``). One reference carries markup in its title and
annotation, to prove it is shown as text everywhere.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from equity_kb.core.model import Brief, Entry, Person, Practice, Reference
from equity_kb.search.documents import search_document

XSS_TITLE = "Leadership notes <img src=x onerror=window.__xss=1> for principals"


def _practice(key: str, title: str, year: int, body: str, **tags: Any) -> tuple[Entry, str, str]:
    entry = Practice(
        key=key,
        title=title,
        organization=tags.pop("organization", "Example District"),
        date=dt.date(year, 6, 1),
        summary=tags.pop("summary", ""),
        **tags,
    )
    return entry, body, f"practices/{key}.html"


# Debian's chromium, as the browser tests and the static search bench launch it.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def search_page(labels: dict[str, dict[str, str]], *, page_size: int | None = None) -> str:
    """A minimal page holding the search box as templates/search_box.html writes it
    (labels and the service's stop words as JSON), for a folder with ``_static/`` and
    ``kb-search/``."""
    from equity_kb.search.schema import QUERY_STOP_WORDS

    def script_json(data: Any) -> str:
        return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")

    size = f' data-page-size="{page_size}"' if page_size else ""
    stop = script_json(sorted(QUERY_STOP_WORDS))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Search</title>
<link rel="stylesheet" href="_static/search.css"></head>
<body><main><h1>Search</h1>
<div id="kb-search" data-api="/api/search" data-root="./" data-static="kb-search/"{size}></div>
<script type="application/json" id="kb-search-labels">{script_json(labels)}</script>
<script type="application/json" id="kb-search-stopwords">{stop}</script>
</main><script src="_static/search_static.js"></script><script src="_static/search.js"></script>
</body></html>
"""


def _brief(slug: str, title: str, year: int, body: str, **tags: Any) -> tuple[Entry, str, str]:
    entry = Brief(
        key=f"briefs/{slug}",
        title=title,
        author_names=("Equity KB editors",),
        date=dt.date(year, 3, 1),
        summary=tags.pop("summary", ""),
        **tags,
    )
    return entry, body, f"briefs/{slug}.html"


def _ref(
    key: str,
    title: str,
    year: int,
    annotation: str,
    persons: tuple[tuple[str, str], ...],
    **tags: Any,
) -> tuple[Entry, str, str]:
    entry = Reference(
        key=key,
        title=title,
        issued=year,
        persons=tuple(Person(family, given) for family, given in persons),
        annotation=annotation,
        fields={"title": title, "year": str(year)},
        **tags,
    )
    body = f"{title}. {annotation}"
    return entry, body, f"bibliography/index.html#ref-{key}"


ENTRIES: list[tuple[Entry, str, str]] = [
    _practice(
        "PC-001",
        "Equity pauses in improvement meetings",
        2021,
        "Teams stop during improvement meetings for an equity pause: they look at data "
        "disaggregated by race and ask who is served least well.",
        tenets=("data", "collective-learning"),
        focus=("continuous-improvement",),
        levels=("district", "region"),
        summary="Improvement teams pause to examine their data by race.",
    ),
    _practice(
        "PC-002",
        "Student voice panels on discipline",
        2022,
        "Students who were suspended talk with staff about school discipline and what "
        "would have helped; staff change referral routines afterwards.",
        tenets=("practice",),
        focus=("student-voice", "discipline-disproportionality"),
        levels=("school",),
        summary="Students tell staff how discipline felt and what would help.",
    ),
    _practice(
        "PC-003",
        "Family data nights",
        2023,
        "Families and teachers read attendance and reading data together and plan "
        "next steps in their home languages.",
        tenets=("data",),
        focus=("family-engagement",),
        levels=("school", "classroom"),
        summary="Families and teachers read school data together.",
    ),
    _practice(
        "PC-004",
        "Detracking ninth-grade mathematics",
        2020,
        "A high school opens its advanced mathematics course to every ninth grader and "
        "adds support periods instead of tracking students.",
        tenets=("practice", "capacity"),
        focus=("detracking",),
        levels=("school",),
        summary="Every ninth grader takes the advanced course, with support.",
    ),
    _practice(
        "PC-005",
        "Grow-your-own teacher pipeline",
        2024,
        "The district pays paraprofessionals of color to earn teaching credentials and "
        "hires them into schools they know.",
        tenets=("capacity",),
        focus=("educator-workforce-diversity", "leadership"),
        levels=("district",),
        summary="Paraprofessionals of color become the district's teachers.",
    ),
    _brief(
        "theory-of-change",
        "The four tenets of the theory of change",
        2026,
        "The partnership organises its work around practice, capacity, race-conscious "
        "data use and collective learning across the system.",
        tenets=("practice", "capacity", "data", "collective-learning"),
        focus=("partnership-and-policy",),
        levels=("partnership",),
        summary="Why the knowledge base is organised around four tenets.",
    ),
    _brief(
        "discipline",
        "Reducing discipline disproportionality",
        2025,
        "Suspensions fall unevenly by race. Schools that review referral data each month "
        "and change routines reduce the gap in exclusionary discipline.",
        tenets=("data", "practice"),
        focus=("discipline-disproportionality",),
        levels=("school", "district"),
        summary="What schools and districts do to narrow discipline gaps.",
    ),
    _brief(
        "literacy",
        "Early literacy with a racial equity lens",
        2024,
        "Culturally responsive reading instruction in the early grades, with books in "
        "which children see themselves.",
        tenets=("practice",),
        focus=("early-literacy", "culturally-responsive-teaching"),
        levels=("classroom",),
        summary="Teaching early reading with attention to race and culture.",
    ),
    _brief(
        "continuous-improvement",
        "Equity-driven continuous improvement",
        2023,
        "Improvement cycles that start from data disaggregated by race, test small "
        "changes and spread what works across schools.",
        tenets=("data", "collective-learning"),
        focus=("continuous-improvement",),
        levels=("district", "region"),
        summary="Continuous improvement with racial equity at the centre.",
    ),
    _ref(
        "bowman2021getting",
        "Getting Better at Getting More Equitable",
        2021,
        "County offices describe equity-driven continuous improvement and how each unit "
        "takes part in it.",
        (("Bowman", "Alicia"), ("Valdez", "Amber")),
        tenets=("data", "capacity", "collective-learning"),
        focus=("continuous-improvement",),
        levels=("district", "region"),
    ),
    _ref(
        "gregory2010achievement",
        "The Achievement Gap and the Discipline Gap",
        2010,
        "Argues that gaps in discipline and in achievement are two sides of one problem.",
        (("Gregory", "Anne"), ("Skiba", "Russell")),
        tenets=("data",),
        focus=("discipline-disproportionality",),
        levels=("school",),
    ),
    _ref(
        "ishimaru2019just",
        "Just Schools: Building Equitable Collaborations with Families",
        2019,
        "Shows how districts and community organisations build power with families of color.",
        (("Ishimaru", "Ann"),),
        tenets=("collective-learning", "capacity"),
        focus=("family-engagement",),
        levels=("district", "partnership"),
    ),
    _ref(
        "oakes2005keeping",
        "Keeping Track: How Schools Structure Inequality",
        2005,
        "A study of tracking that shows how placement into courses follows race and class.",
        (("Oakes", "Jeannie"),),
        tenets=("practice",),
        focus=("detracking",),
        levels=("school",),
    ),
    _ref(
        "ladson1995toward",
        "Toward a Theory of Culturally Relevant Pedagogy",
        1995,
        "Introduces culturally relevant pedagogy from a study of successful teachers.",
        (("Ladson-Billings", "Gloria"),),
        tenets=("practice",),
        focus=("culturally-responsive-teaching",),
        levels=("classroom",),
    ),
    _ref(
        "xss2020leadership",
        XSS_TITLE,
        2020,
        "Notes on leadership <script>window.__xss=2</script> & sponsorship for principals.",
        (("Tester", "Tess"),),
        tenets=("capacity",),
        focus=("leadership",),
        levels=("school",),
    ),
]


def fixture_docs() -> list[dict[str, Any]]:
    return [search_document(e, body=body, url=url) for e, body, url in ENTRIES]


LABELS = {
    "type": {"brief": "Research brief", "practice": "Practice card", "reference": "Reference"},
    "tenets": {"data": "Race-conscious data use", "practice": "Everyday practice"},
}


def build_index(index_dir: Path, docs: list[dict[str, Any]] | None = None) -> Path:
    from equity_kb.search.indexer import rebuild_index

    rebuild_index(index_dir, fixture_docs() if docs is None else docs, labels=LABELS, procs=1)
    return index_dir


def count_by_hand(
    facet: str, *, where: dict[str, set[str]] | None = None, keys: set[str] | None = None
) -> dict[str, int]:
    """Counts of ``facet`` values over fixture docs matching ``where`` (OR within a facet,
    AND across) and, if given, whose key is in ``keys``."""
    counts: dict[str, int] = {}
    for doc in fixture_docs():
        if keys is not None and doc["key"] not in keys:
            continue
        ok = True
        for name, values in (where or {}).items():
            have = {doc[name]} if isinstance(doc[name], str) else set(doc[name])
            if not have & values:
                ok = False
        if not ok:
            continue
        values = [doc[facet]] if isinstance(doc[facet], str) else doc[facet]
        for v in values:
            counts[v] = counts.get(v, 0) + 1
    return counts


def loopback_socket() -> socket.socket:
    """A TCP socket bound to a free loopback port, the system's choice (port 0), kept
    open: a server given it listens there, and no other process can take the port
    between the choice and the bind (as with picking a free port, closing it and
    binding it again later)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


SERVING_LINE = re.compile(r"Uvicorn running on http://[\d.]+:(\d+)")


def port_from_log(log: Path, proc: Any, seconds: float = 60) -> int:
    """The port uvicorn names in its "Uvicorn running on" line, for a server started
    with port 0 that writes its log to ``log``; fails if ``proc`` exits first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = SERVING_LINE.search(log.read_text(encoding="utf-8", errors="replace"))
        if found:
            return int(found.group(1))
        if proc.poll() is not None:
            raise AssertionError(f"the server exited with {proc.returncode}: {log.read_text()}")
        time.sleep(0.05)
    raise AssertionError(f"no 'Uvicorn running on' line in {seconds} s: {log.read_text()}")


@contextlib.contextmanager
def uvicorn_in_thread(app: Any) -> Iterator[str]:
    """Serve ``app`` on a free loopback port in a thread; yields the base URL."""
    import uvicorn

    sock = loopback_socket()
    port = int(sock.getsockname()[1])
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            sock.close()
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        assert not thread.is_alive(), "uvicorn did not stop within 10 s"


class AsgiClient:
    """Calls an ASGI app directly (httpx's ASGI transport), without a socket; ``guard``,
    if given, wraps each call (the fuzz targets' time limit)."""

    def __init__(
        self, app: Any, guard: Callable[[], contextlib.AbstractContextManager[Any]] | None = None
    ):
        import asyncio

        self._runner = asyncio.Runner()
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://kb.test"
        )
        self._guard = guard or contextlib.nullcontext

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        with self._guard():
            return self._runner.run(self._client.get(url, **kwargs))

    def close(self) -> None:
        self._runner.run(self._client.aclose())
        self._runner.close()
