"""Static search benchmark: the Pagefind bundle (``kb-search/``) against the Whoosh index.

On the "100x" synthetic corpus (``corpus.SIZE_AT_100X``: 10,000 references, 2,500
practice cards, 1,000 briefs; the size bench_scale builds at 100x), in one run:

* index build: ``rebuild_index`` (Whoosh) and ``write_static_index`` (Pagefind) for the
  same documents, one after the other; the bundle's files and bytes, and the size of the
  static catalog the site shipped before (``_static/kb-catalog.json``: key, type, title,
  summary, url, year and tags per entry, plus labels), plain and gzipped;
* what the browser transfers: a minimal search page (as in tests/test_browser_search.py)
  served by ``python -m http.server`` in a subprocess (no ``/api/search``, so the page
  searches the static index), in headless Debian chromium driven by playwright; bytes
  from playwright's network events (``request.sizes()``) for the page's own load, the
  first query, a second one, the page opened straight on ``?q=``, and Pagefind alone (a
  bare page that imports ``pagefind.js`` and runs one search, then one search with no
  words, as the page's facet table makes);
* time from submitting a query to its results drawn (``performance.now()`` in the page,
  until ``.kb-count`` changes) for 20 topical queries once the page has loaded, and from
  typing (the page's pause before it searches included);
* agreement: for the first 30 queries of tests/data/relevance.json (else 30 topical
  queries of the corpus's vocabulary), whether the static page's top five hold the
  service's first hit (``SearchEngine(index).search(q).hits[0]``); those queries run in
  two tabs at once, as each takes seconds in the page. The service's own latency for
  the same queries (and the topical ones), in process.

About 7 minutes on two cores. ``run()`` returns a Markdown section;
``python benchmarks/bench_static.py`` prints it. Needs /usr/bin/chromium (``apt-get
install -y chromium``, never ``playwright install``).
"""

from __future__ import annotations

import functools
import gzip
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
# The browser tests' page and chromium flags, so the bench measures what they test.
sys.path.insert(1, str(ROOT / "tests"))

import corpus  # noqa: E402
from run import machine  # noqa: E402
from test_search_fixtures import CHROMIUM, search_page  # noqa: E402
from test_search_fixtures import CHROMIUM_ARGS as ARGS  # noqa: E402
from workdirs import discard, scratch  # noqa: E402

WORK = HERE / "_work" / "static"
N_BRIEFS, N_CARDS, N_REFS = corpus.SIZE_AT_100X
STATIC = ROOT / "src" / "equity_kb" / "sphinxext" / "static"
RELEVANCE = ROOT / "tests" / "data" / "relevance.json"
FIRST_QUERY, SECOND_QUERY = "family engagement", "coaching curriculum"
N_AGREE = 30
TOP = 5
N_TIMED = 20  # topical queries timed one by one once the page has loaded
TYPED = 3  # queries timed from typing (each waits out the page's pause first)
AGAIN = 5  # timed queries asked again on the same page (Pagefind's answers kept)
WARM_ROUNDS = 5  # of the service's queries, after a cold pass
GOAL_BYTES = 300_000
GOAL_MS = 100.0
# The page's pause after typing, read from search.js so the report says what it ran.
TYPING_DELAY_MS = int(
    re.search(
        r"var TYPING_DELAY_MS = (\d+);",
        (STATIC / "search.js").read_text(encoding="utf-8"),
    ).group(1)  # type: ignore[union-attr]
)

# Topical queries in the corpus's own words: the first N_TIMED (not the two above) are
# timed one by one; all of them stand in for tests/data/relevance.json if it is missing.
TOPICAL_QUERIES = [
    "discipline disproportionality",
    "family engagement",
    "teachers of color",
    "students of color belonging",
    "continuous improvement cycles",
    "race-conscious data use",
    "detracking coursework",
    "coaching curriculum instruction",
    "leadership sponsorship",
    "equity teams meeting routines",
    "disaggregated data disparities",
    "exclusionary discipline referrals",
    "hiring pathways recruitment retention",
    "families languages meetings",
    "research-practice partnerships",
    "culturally-responsive pedagogy",
    "graduation outcomes high schools",
    "attendance supports",
    "student voice",
    "improvement cycles spread",
    "antiracist leadership",
    "district-wide policy governance",
    "community partnership trust",
    "suspensions middle schools",
    "literacy elementary classrooms",
    "teacher workforce diversity",
    "equity audit",
    "rural schools funding resources",
    "central offices capacity",
    "mentoring educators",
]


# Pagefind and nothing else (its parts merged): one search and its first 20 results'
# data, as a page that showed no facets would need.
BARE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pagefind alone</title></head>
<body><script type="module">
const q = new URLSearchParams(location.search).get("q");
const t0 = performance.now();
const pf = await import("./kb-search/pagefind.js");
await pf.options({ excerptLength: 30 });
await pf.init();
// A large index is in parts (search/static_index.py): Pagefind alone merges them too.
const info = await fetch("./kb-search/delta.json").then((r) => (r.ok ? r.json() : {}), () => ({}));
for (const part of info.parts || []) {
  await pf.mergeIndex(new URL("./kb-search/" + part, document.baseURI).pathname);
}
const found = await pf.search(q);
await Promise.all(found.results.slice(0, 20).map((r) => r.data()));
window.kbDone = { ms: performance.now() - t0, total: found.results.length };
</script></body></html>
"""

FILTER_ONLY = """async () => {
  const pf = await import("./kb-search/pagefind.js");
  const t0 = performance.now();
  await pf.search(null, { filters: { type: "brief" } });
  return performance.now() - t0;
}"""

# Pagefind's own search time per query once its chunks are loaded: search() (with a
# filters object, as the page's searches have, so it counts facets) and the first 20
# results' data, run once to load what the query needs, then timed.
PAGEFIND_TIMED = """async (qs) => {
  const pf = await import("./kb-search/pagefind.js");
  await pf.filters();
  const out = [];
  for (const q of qs) {
    const run = async () => {
      const found = await pf.search(q, { filters: {} });
      await Promise.all(found.results.slice(0, 20).map((r) => r.data()));
      return found.results.length;
    };
    await run();
    const t0 = performance.now();
    const n = await run();
    out.push({ q, ms: performance.now() - t0, total: n });
  }
  return out;
}"""

# Fill #kb-q, submit the form (or fire "input", as typing does), and resolve the ms from
# then until .kb-count's text changes (render draws the count, then the hits, in one go).
TIME_QUERY = """([q, how]) => new Promise((resolve) => {
  const count = document.querySelector(".kb-count");
  const input = document.querySelector("#kb-q");
  const before = count.textContent;
  let t0 = 0;
  const observer = new MutationObserver(() => {
    if (count.textContent === before) return;
    const ms = performance.now() - t0;
    observer.disconnect();
    clearTimeout(timer);
    resolve(ms);
  });
  const timer = setTimeout(() => { observer.disconnect(); resolve(-1); }, 120000);
  observer.observe(count, { childList: true, characterData: true, subtree: true });
  input.value = q;
  t0 = performance.now();
  if (how === "type") input.dispatchEvent(new Event("input", { bubbles: true }));
  else input.form.requestSubmit();
})"""

HIT_LINKS = "ol.kb-hits > li.kb-hit .kb-hit-title a"
HREFS = "links => links.map((a) => a.getAttribute('href'))"
TIMED_QUERIES = [q for q in TOPICAL_QUERIES if q not in (FIRST_QUERY, SECOND_QUERY)][:N_TIMED]
TYPED_QUERIES = [
    q for q in TOPICAL_QUERIES if q not in (FIRST_QUERY, SECOND_QUERY, *TIMED_QUERIES)
][:TYPED]

# The same, for a list of queries one after the other, in the page, started without
# waiting: window.kbAgree holds {q, ms, hrefs (of the top ones), count, note} per query.
RUN_ALL = (
    "([qs, top]) => { window.kbAgree = null; const timeQuery = "
    + TIME_QUERY
    + """;
  (async () => {
    const rows = [];
    for (const q of qs) {
      const ms = await timeQuery([q, "submit"]);
      const links = Array.from(document.querySelectorAll(HIT_LINKS)).slice(0, top);
      rows.push({
        q, ms, hrefs: links.map((a) => a.getAttribute("href")),
        count: document.querySelector(".kb-count").textContent,
        note: document.querySelector(".kb-message").textContent,
      });
    }
    window.kbAgree = rows;
  })();
}""".replace("HIT_LINKS", json.dumps(HIT_LINKS))
)


def log(message: str) -> None:
    print(f"   {message}", flush=True)


def _pct(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def _kb(n: float) -> str:
    return f"{n / 1000:,.0f} KB" if n >= 10_000 else f"{n / 1000:,.1f} KB"


def _mb(n: float) -> str:
    return f"{n / 1e6:,.1f} MB"


def queries() -> tuple[list[str], str]:
    """The agreement queries and where they come from."""
    try:
        data = json.loads(RELEVANCE.read_text(encoding="utf-8"))
        rows = data["queries"] if isinstance(data, dict) else data
        qs = [str(r["q"]) for r in rows[:N_AGREE]]
        if len(qs) == N_AGREE:
            return qs, f"the first {N_AGREE} of `tests/data/relevance.json`"
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return TOPICAL_QUERIES[:N_AGREE], "topical queries in the corpus's vocabulary"


# -- the bundle on disk --------------------------------------------------------------------


def kind_of(path: str) -> str:
    """What a file of the site (a URL path) is, for the byte tables."""
    name = path.rsplit("/", 1)[-1]
    if path.startswith("/api/"):
        return "`/api/search` (404: no service)"
    if name.endswith(".pf_index"):
        return "word index chunks (`index/*.pf_index`)"
    if name.endswith(".pf_fragment"):
        return "result data (`fragment/*.pf_fragment`)"
    if name.endswith(".pf_filter"):
        return "facet filters (`filter/*.pf_filter`)"
    if name.endswith(".pf_meta"):
        return "page list, sorts (`*.pf_meta`)"
    if name.startswith("wasm."):
        return "Pagefind WebAssembly (`wasm.en.pagefind`)"
    if name.startswith("pagefind"):
        return "Pagefind JS (`pagefind.js`, worker, entry)"
    if name == "words.json":
        return "word list (`words.json`)"
    return "the page, our CSS and JS"


def bundle_stats(folder: Path) -> dict[str, Any]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    parts: dict[str, list[int]] = {}
    for p in files:
        row = parts.setdefault(kind_of("/kb-search/" + p.relative_to(folder).as_posix()), [0, 0])
        row[0] += 1
        row[1] += p.stat().st_size
    return {
        "files": len(files),
        "bytes": sum(p.stat().st_size for p in files),
        "disk": sum(p.stat().st_blocks * 512 for p in files),
        "parts": parts,
    }


def whoosh_stats(index: Path) -> dict[str, Any]:
    current = index / (index / "CURRENT").read_text().strip()
    files = [p for p in current.rglob("*") if p.is_file()]
    return {"files": len(files), "bytes": sum(p.stat().st_size for p in files)}


def old_catalog(docs: Sequence[dict[str, Any]], labels: dict[str, dict[str, str]]) -> bytes:
    """The static catalog the site shipped before the Pagefind bundle (search/catalog.py
    and documents.catalog_entry, as of 8a16c30)."""
    order = {"practice": 0, "brief": 1, "reference": 2}
    entries = sorted(
        (
            {
                "key": d["key"],
                "type": d["type"],
                "title": d["title"],
                "summary": d.get("summary", ""),
                "url": d["url"],
                "year": d.get("year"),
                "tenets": list(d.get("tenets", ())),
                "focus": list(d.get("focus", ())),
                "levels": list(d.get("levels", ())),
            }
            for d in docs
        ),
        key=lambda e: (order.get(e["type"], 9), e["title"].casefold(), e["key"]),
    )
    data = {"version": 1, "labels": labels, "entries": entries}
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# -- the static server and the browser -----------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(site: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
        cwd=site,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("python -m http.server did not start") from None
            time.sleep(0.1)
    return server, f"http://127.0.0.1:{port}"


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()


@dataclass
class Transfer:
    path: str
    kind: str
    body: int
    headers: int
    status: int

    @property
    def bytes(self) -> int:
        return self.body + self.headers


class Traffic:
    """Every request a browser context finished (its workers' too), taken phase by phase.

    Bytes are playwright's ``request.sizes()``: the encoded body and the response headers
    (the static server compresses nothing; Pagefind's own files are gzipped already)."""

    def __init__(self, context: Any, site: Path):
        self.site = site
        self.pending: list[Any] = []
        self.failed: list[str] = []
        self.patched: set[str] = set()  # bodies playwright reported as 0 bytes
        context.on("requestfinished", lambda r: self.pending.append(r))
        context.on("requestfailed", lambda r: self.failed.append(r.url))

    def take(self) -> list[Transfer]:
        out = []
        requests = list(self.pending)
        self.pending.clear()
        for r in requests:
            sizes = r.sizes()
            response = r.response()
            status = response.status if response is not None else 0
            path = unquote(urlsplit(r.url).path)
            body = int(sizes["responseBodySize"])
            local = self.site / path.lstrip("/")
            if body == 0 and status == 200 and local.is_file() and local.stat().st_size:
                # (The worker script: loaded by the browser, its body not reported.)
                body = local.stat().st_size
                self.patched.add(path)
            headers = int(sizes["responseHeadersSize"])
            out.append(Transfer(path, kind_of(path), body, headers, status))
        return out


def total(transfers: Sequence[Transfer]) -> int:
    return sum(t.bytes for t in transfers)


def gzipped_total(transfers: Sequence[Transfer], site: Path) -> int:
    """The same transfers if the host gzipped text (HTML, CSS, JS, JSON) as most do."""
    out = 0
    for t in transfers:
        local = site / t.path.lstrip("/")
        if local.suffix in (".html", ".css", ".js", ".json") and local.is_file() and t.body:
            out += len(gzip.compress(local.read_bytes(), 6)) + t.headers
        else:
            out += t.bytes
    return out


def by_kind(transfers: Sequence[Transfer]) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for t in transfers:
        n, b = out.get(t.kind, (0, 0))
        out[t.kind] = (n + 1, b + t.bytes)
    return out


def _keys(hrefs: Sequence[str | None], base: str, url_to_key: dict[str, str]) -> list[str]:
    """Entry keys from the hits' links (a reference's hit shows no key)."""
    keys = []
    for href in hrefs[:TOP]:
        rel = unquote(str(href or "").removeprefix(base + "/"))
        keys.append(url_to_key.get(rel, f"?{rel}"))
    return keys


def bench_browser(
    site: Path, agree_queries: Sequence[str], url_to_key: dict[str, str]
) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    server, base = start_server(site)
    out: dict[str, Any] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            out["chromium"] = browser.version
            try:
                out.update(_search_page(browser, site, base, agree_queries, url_to_key))
                out["direct"] = _direct_open(browser, site, base)
                out["bare"] = _bare_pagefind(browser, site, base)
            finally:
                browser.close()
    finally:
        stop_server(server)
    return out


def _new_page(browser: Any, site: Path) -> tuple[Any, Any, Traffic, list[str]]:
    context = browser.new_context()
    traffic = Traffic(context, site)
    page = context.new_page()
    page.set_default_timeout(180_000)
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    return context, page, traffic, errors


def _search_page(
    browser: Any,
    site: Path,
    base: str,
    agree_queries: Sequence[str],
    url_to_key: dict[str, str],
) -> dict[str, Any]:
    context, page, traffic, errors = _new_page(browser, site)
    out: dict[str, Any] = {"errors": errors}
    try:
        log("page load (no query) ...")
        page.goto(f"{base}/search.html")
        page.wait_for_selector(".kb-hit")
        out["load_ms"] = page.evaluate("performance.now()")
        page.wait_for_timeout(300)
        out["load"] = traffic.take()
        out["load_count"] = page.inner_text(".kb-count")
        log(f"page load: {out['load_ms'] / 1000:.1f} s, {_kb(total(out['load']))}")

        for name, q in (("first", FIRST_QUERY), ("second", SECOND_QUERY)):
            ms = page.evaluate(TIME_QUERY, [q, "submit"])
            page.wait_for_timeout(300)
            out[name] = traffic.take()
            out[f"{name}_ms"] = ms
            out[f"{name}_count"] = page.inner_text(".kb-count")
            log(f"{name} query {q!r}: {ms:.0f} ms, {_kb(total(out[name]))}")

        timed: list[dict[str, Any]] = []
        for q in TIMED_QUERIES:
            ms = page.evaluate(TIME_QUERY, [q, "submit"])
            row = {"q": q, "ms": ms, "count": page.inner_text(".kb-count")}
            row["keys"] = _keys(page.eval_on_selector_all(HIT_LINKS, HREFS), base, url_to_key)
            row["bytes"] = total(traffic.take())
            timed.append(row)
        out["timed"] = timed
        log(
            f"{len(timed)} topical queries: median "
            f"{statistics.median(r['ms'] for r in timed):.0f} ms"
        )
        # Typed into the box (the last timed query is still shown, so each one changes it).
        # Typed: queries this page has not run yet (its kept answers would be timed else).
        out["typed_ms"] = [page.evaluate(TIME_QUERY, [q, "type"]) for q in TYPED_QUERIES]
        out["again_ms"] = [page.evaluate(TIME_QUERY, [q, "submit"]) for q in TIMED_QUERIES[:AGAIN]]
        traffic.take()
        log(f"typed: {', '.join(f'{ms:.0f}' for ms in out['typed_ms'])} ms")
        log(f"again: {', '.join(f'{ms:.0f}' for ms in out['again_ms'])} ms")

        # Agreement: the questions are slow in the page, so two tabs share them (the
        # second in its own context, which loads the page again while the first works).
        half = (len(agree_queries) + 1) // 2
        log(f"{len(agree_queries)} agreement queries in two tabs ...")
        page.evaluate(RUN_ALL, [list(agree_queries[:half]), TOP])
        context_b, page_b, traffic_b, errors_b = _new_page(browser, site)
        try:
            page_b.goto(f"{base}/search.html")
            page_b.wait_for_selector(".kb-hit")
            page_b.evaluate(RUN_ALL, [list(agree_queries[half:]), TOP])
            rows = []
            for tab in (page, page_b):
                tab.wait_for_function("() => window.kbAgree", polling=500, timeout=1_500_000)
                rows += tab.evaluate("window.kbAgree")
            traffic_b.take()
        finally:
            context_b.close()
        errors += errors_b
        for row in rows:
            row["keys"] = _keys(row.pop("hrefs"), base, url_to_key)
        out["rows"] = rows
        log(f"agreement queries: median {statistics.median(r['ms'] for r in rows):.0f} ms")
        traffic.take()
        out["failed"] = traffic.failed + traffic_b.failed
        out["patched"] = sorted(traffic.patched | traffic_b.patched)
    finally:
        context.close()
    return out


def _direct_open(browser: Any, site: Path, base: str) -> dict[str, Any]:
    """A visitor's first search: the page opened straight on ?q= with an empty cache."""
    context, page, traffic, errors = _new_page(browser, site)
    try:
        page.goto(f"{base}/search.html?q={FIRST_QUERY.replace(' ', '+')}")
        page.wait_for_function(
            "q => (document.querySelector('.kb-count') || {}).textContent?.includes(q)",
            arg=FIRST_QUERY,
        )
        ms = page.evaluate("performance.now()")
        page.wait_for_timeout(300)
        transfers = traffic.take()
        log(f"page opened on ?q=: {ms / 1000:.1f} s, {_kb(total(transfers))}")
        return {"ms": ms, "transfers": transfers, "errors": errors}
    finally:
        context.close()


def _bare_pagefind(browser: Any, site: Path, base: str) -> dict[str, Any]:
    context, page, traffic, errors = _new_page(browser, site)
    try:
        page.goto(f"{base}/bare.html?q={FIRST_QUERY.replace(' ', '+')}")
        page.wait_for_function("() => window.kbDone")
        done = page.evaluate("window.kbDone")
        page.wait_for_timeout(300)
        transfers = traffic.take()
        log(f"Pagefind alone: {done['ms']:.0f} ms, {_kb(total(transfers))}")
        # Then one search with no words (as the search page's facet table makes, one per
        # facet value, and its listing when there is no query).
        filter_ms = page.evaluate(FILTER_ONLY)
        page.wait_for_timeout(300)
        filter_only = traffic.take()
        log(f"then one filter-only search: {filter_ms:.0f} ms, {_kb(total(filter_only))}")
        alone = page.evaluate(PAGEFIND_TIMED, TIMED_QUERIES)
        traffic.take()
        log(
            "Pagefind alone, topical queries: median "
            f"{statistics.median(x['ms'] for x in alone):.0f} ms"
        )
        return {
            "timed": alone,
            "ms": done["ms"],
            "total": done["total"],
            "transfers": transfers,
            "filter_ms": filter_ms,
            "filter_only": filter_only,
            "errors": errors,
        }
    finally:
        context.close()


# -- the Pagefind binaries ---------------------------------------------------------------


def pagefind_binaries() -> dict[str, Path]:
    """Each Pagefind binary there is: the checkout's (tools/pagefind, npm) and pip's."""
    from equity_kb.search.pagefind_binary import tool_binary

    found = {}
    tool = tool_binary()
    if tool is not None:
        found["tools/pagefind (npm)"] = tool
    try:
        from pagefind_bin import get_executable

        found["pip (`pagefind[bin]`)"] = get_executable()
    except (ImportError, FileNotFoundError):
        pass
    return found


def bench_binaries(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """``write_static_index`` of the same records by each binary (PAGEFIND_BINARY_PATH),
    when there are two: wall time, the Pagefind process's CPU time, the bundle."""
    from equity_kb.search.pagefind_binary import ENV, pagefind_binary
    from equity_kb.search.static_index import write_static_index

    found = pagefind_binaries()
    if len(found) < 2:
        return []
    rows: list[dict[str, Any]] = []
    before = os.environ.get(ENV)
    try:
        for name, path in found.items():
            os.environ[ENV] = str(path)
            site = WORK / "binaries" / str(len(rows))
            cpu = os.times()
            _, seconds = _timed(functools.partial(write_static_index, site, records))
            after = os.times()
            child = after.children_user + after.children_system
            child -= cpu.children_user + cpu.children_system
            stats = bundle_stats(site / "kb-search")
            rows.append(
                {
                    "name": name,
                    "version": pagefind_binary().version,
                    "s": seconds,
                    "cpu": child,
                    "files": stats["files"],
                    "bytes": stats["bytes"],
                }
            )
            log(f"{name} {rows[-1]['version']}: {seconds:.1f} s ({child:.1f} s CPU)")
            discard(site)
    finally:
        if before is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = before
    return rows


# -- the service ---------------------------------------------------------------------------


def bench_service(index: Path, qs: Sequence[str]) -> dict[str, Any]:
    from equity_kb.search import SearchEngine

    engine = SearchEngine(index)
    cold: list[float] = []
    first: dict[str, dict[str, Any]] = {}
    for q in qs:
        t = time.perf_counter()
        result = engine.search(q)
        cold.append((time.perf_counter() - t) * 1000)
        hit = result.hits[0] if result.hits else None
        first[q] = {
            "key": hit.key if hit else None,
            "title": hit.title if hit else "",
            "total": result.total,
            "partial": result.partial,
        }
    warm: dict[str, list[float]] = {q: [] for q in qs}
    for _ in range(WARM_ROUNDS):
        for q in qs:
            t = time.perf_counter()
            engine.search(q)
            warm[q].append((time.perf_counter() - t) * 1000)
    return {"cold": cold, "warm": warm, "first": first}


# -- the report ----------------------------------------------------------------------------


def _count_of(text: str) -> str:
    head = text.split(" ", 1)[0]
    return "0" if head == "No" else head


def run() -> str:
    from equity_kb.core.vocabulary import load_vocabulary
    from equity_kb.search import rebuild_index
    from equity_kb.search.documents import facet_labels
    from equity_kb.search.indexer import count_words
    from equity_kb.search.pagefind_binary import pagefind_binary
    from equity_kb.search.static_index import static_record, write_static_index, write_word_list

    if not CHROMIUM.exists():
        return f"## Static search (Pagefind)\n\nSkipped: {CHROMIUM} is missing.\n"
    discard(WORK)
    WORK.mkdir(parents=True)
    site = WORK / "site"
    c, gen_s = _timed(lambda: corpus.generate(N_REFS, N_BRIEFS, N_CARDS, seed=1))
    docs = c.search_documents()
    labels = facet_labels(load_vocabulary(corpus.VOCABULARY))
    log(f"{len(docs):,} documents generated in {gen_s:.1f} s")

    with scratch("kb-bench-static-") as tmp:
        index = Path(tmp) / "index"
        _, whoosh_s = _timed(lambda: rebuild_index(index, docs, labels=labels))
        log(f"Whoosh rebuild_index: {whoosh_s:.1f} s")
        records, records_s = _timed(lambda: [static_record(d) for d in docs])
        _, pagefind_s = _timed(lambda: write_static_index(site, records))
        log(f"Pagefind write_static_index: {pagefind_s:.1f} s")
        _, words_s = _timed(lambda: write_word_list(site, count_words(docs)))
        binaries = bench_binaries(records)

        (site / "_static").mkdir(exist_ok=True)
        for name in ("search_static.js", "search.js", "search.css"):
            shutil.copy(STATIC / name, site / "_static" / name)
        (site / "search.html").write_text(search_page(labels), encoding="utf-8")
        (site / "bare.html").write_text(BARE_PAGE, encoding="utf-8")

        qs, qs_from = queries()
        url_to_key = {str(d["url"]): str(d["key"]) for d in docs}
        browser = bench_browser(site, qs, url_to_key)
        log("the service, in process ...")
        service = bench_service(index, list(dict.fromkeys([*qs, *TIMED_QUERIES])))
        whoosh = whoosh_stats(index)
    catalog = old_catalog(docs, labels)
    r = {
        "n": len(docs),
        "gen_s": gen_s,
        "whoosh_s": whoosh_s,
        "records_s": records_s,
        "pagefind_s": pagefind_s,
        "pagefind": pagefind_binary()._asdict(),
        "binaries": binaries,
        "words_s": words_s,
        "whoosh": whoosh,
        "bundle": bundle_stats(site / "kb-search"),
        "words_bytes": (site / "kb-search" / "words.json").stat().st_size,
        "catalog": len(catalog),
        "catalog_gz": len(gzip.compress(catalog, 6)),
        "qs": qs,
        "qs_from": qs_from,
        "browser": browser,
        "service": service,
    }
    (WORK / "results.json").write_text(
        json.dumps(r, default=lambda o: o.__dict__ if isinstance(o, Transfer) else str(o)),
        encoding="utf-8",
    )
    return report(r, site)


def _stats_row(label: str, values: Sequence[float], digits: int = 0) -> str:
    if not values:
        return f"| {label} | 0 | | | |"
    f = f"{{:.{digits}f}} ms"
    return (
        f"| {label} | {len(values)} | {f.format(statistics.median(values))} | "
        f"{f.format(_pct(values, 95))} | {f.format(max(values))} |"
    )


def _agreement(
    rows: list[dict[str, Any]], first: dict[str, dict[str, Any]]
) -> tuple[int, list[tuple[dict[str, Any], dict[str, Any]]]]:
    """How many rows' top keys hold the service's first hit (marking each), and the misses."""
    misses = []
    for x in rows:
        hit = first[x["q"]]
        x["agree"] = not x["keys"] if hit["key"] is None else hit["key"] in x["keys"][:TOP]
        if not x["agree"]:
            misses.append((x, hit))
    return len(rows) - len(misses), misses


def _matches(total_: int, partial: bool) -> str:
    return f"{total_:,}{' (partial)' if partial else ''}"


def report(r: dict[str, Any], site: Path) -> str:
    b = r["browser"]
    s = r["service"]
    bundle = r["bundle"]
    n = r["n"]
    procs = 2 if (os.cpu_count() or 1) > 1 else 1
    lines = [
        "## Static search (Pagefind)",
        "",
        f"{n:,} synthetic entries ({N_REFS:,} references, {N_CARDS:,} practice cards, "
        f"{N_BRIEFS:,} briefs; generated in {r['gen_s']:.1f} s). {machine()}. "
        f"Pagefind {r['pagefind']['version']} (the binary from {r['pagefind']['source']}; "
        f"its Python client {version('pagefind')}), playwright {version('playwright')}, "
        f"Debian chromium {b['chromium']} (headless).",
        "",
        "### Index build",
        "",
        "The same documents, one index after the other.",
        "",
        "| step | time | files | size |",
        "| --- | --- | --- | --- |",
        f"| Whoosh `rebuild_index` ({procs} writer process{'es' if procs > 1 else ''}) | "
        f"{r['whoosh_s']:.1f} s | {r['whoosh']['files']:,} | {_mb(r['whoosh']['bytes'])} |",
        f"| Pagefind `write_static_index` ({n:,} custom records) | {r['pagefind_s']:.1f} s | "
        f"{bundle['files']:,} | {_mb(bundle['bytes'])} ({_mb(bundle['disk'])} on disk "
        "in 4 KiB blocks) |",
        f"| `static_record` for every document | {r['records_s']:.2f} s | | |",
        f"| word list (`count_words`, `write_word_list`) | {r['words_s']:.2f} s | 1 | "
        f"{_kb(r['words_bytes'])} |",
        f"| the static catalog the site shipped before (`kb-catalog.json`) | | 1 | "
        f"{_kb(r['catalog'])} ({_kb(r['catalog_gz'])} gzipped) |",
        "",
        "<details><summary>The bundle's parts (words.json included)</summary>",
        "",
        "| part | files | bytes |",
        "| --- | --- | --- |",
    ]
    for kind, (files, size) in sorted(bundle["parts"].items(), key=lambda kv: -kv[1][1]):
        lines.append(f"| {kind} | {files:,} | {_kb(size)} |")
    lines += ["", "</details>", ""]
    if r["binaries"]:
        lines += [
            "The same records written by each Pagefind binary there is (`PAGEFIND_BINARY_PATH`), "
            "one after the other; CPU: the Pagefind process's.",
            "",
            "| binary | version | `write_static_index` | CPU | files | `kb-search/` size |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for row in r["binaries"]:
            lines.append(
                f"| {row['name']} | {row['version']} | {row['s']:.1f} s | {row['cpu']:.1f} s | "
                f"{row['files']:,} | {_mb(row['bytes'])} |"
            )
        lines.append("")

    phases = [
        ("page load (no query)", b["load"]),
        (f"then `{FIRST_QUERY}`", b["first"]),
        (f"then `{SECOND_QUERY}`", b["second"]),
        (f"page opened on `?q={FIRST_QUERY}`", b["direct"]["transfers"]),
        ("Pagefind alone, one search", b["bare"]["transfers"]),
        ("then one filter-only search", b["bare"]["filter_only"]),
    ]
    kinds = sorted(
        {t.kind for _, ts in phases for t in ts},
        key=lambda k: -sum(t.bytes for _, ts in phases for t in ts if t.kind == k),
    )
    direct = total(b["direct"]["transfers"])
    goal_bytes = "met" if direct < GOAL_BYTES else "NOT met"
    lines += [
        "### What the browser transfers",
        "",
        "The search page of tests/test_browser_search.py (with the vocabulary's labels) and "
        "`_static/` from `sphinxext/static`, served by `python -m http.server` in a "
        "subprocess: `/api/search` answers 404, so the page searches the static index. Bytes "
        "are response bodies plus headers from playwright's `request.sizes()`: phase by "
        "phase in one browser context (the load, then each query until its results are "
        "drawn), and in a fresh context each (an empty cache) for the page opened on a query "
        "and for a bare page that imports `pagefind.js` and runs one search with its first 20 "
        "results' data (no facets), then one search with no words and one filter "
        "(`search(null, {filters})`, as the search page makes one per facet value to learn "
        "which entries carry it). Cells: bytes (requests).",
        "",
        "| | " + " | ".join(name for name, _ in phases) + " |",
        "| --- |" + " --- |" * len(phases),
    ]
    for kind in kinds:
        cells = []
        for _, ts in phases:
            count, size = by_kind(ts).get(kind, (0, 0))
            cells.append(f"{_kb(size)} ({count})" if count else "")
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    lines.append(
        "| **total** | "
        + " | ".join(f"**{_kb(total(ts))}** ({len(ts)})" for _, ts in phases)
        + " |"
    )
    lines.append(
        "| total if the host gzipped HTML, CSS, JS and JSON | "
        + " | ".join(_kb(gzipped_total(ts, site)) for _, ts in phases)
        + " |"
    )
    timed = b["timed"]
    per_query = [x["bytes"] for x in timed]
    lines += [
        "",
        f"Goal: a first query under {GOAL_BYTES // 1000} KB transferred: **{goal_bytes}**. "
        f"A visitor's first search (the page opened on a query, empty cache) transfers "
        f"{_kb(direct)}; the page's own load {_kb(total(b['load']))}, then the first query "
        f"{_kb(total(b['first']))} and the second {_kb(total(b['second']))}; each of the "
        f"{len(timed)} timed queries below, median {_kb(statistics.median(per_query))}, "
        f"most {_kb(max(per_query))}. Pagefind alone, for one search: "
        f"{_kb(total(b['bare']['transfers']))}; a search with no words then loads "
        f"{_kb(total(b['bare']['filter_only']))} more (in {b['bare']['filter_ms']:.0f} ms).",
    ]
    if b.get("patched"):
        lines.append(
            "(Playwright reports no body bytes for "
            + ", ".join(f"`{p}`" for p in b["patched"])
            + ", the web worker's script: its file size is counted.)"
        )
    if b.get("failed"):
        lines.append(f"Failed requests: {len(b['failed'])}.")
    lines.append("")

    rows = b["rows"]
    index_kind = kind_of("/kb-search/index/x.pf_index")
    chunks_loaded = by_kind(b["load"]).get(index_kind, (0, 0))[0]
    chunks_all = bundle["parts"].get(index_kind, [0, 0])[0]
    agree, misses = _agreement(rows, s["first"])
    topical_agree, _ = _agreement(timed, s["first"])
    timed_ms = [x["ms"] for x in timed if x["ms"] >= 0]
    typed = [x for x in b["typed_ms"] if x >= 0]
    agree_ms = [x["ms"] for x in rows if x["ms"] >= 0]
    cold = dict(zip(s["first"], s["cold"], strict=True))
    qs = r["qs"]
    p95 = _pct(timed_ms, 95)
    goal_ms = "met" if p95 < GOAL_MS and typed and max(typed) < GOAL_MS else "NOT met"
    timeouts = sum(1 for x in [*timed, *rows] if x["ms"] < 0) + len(b["typed_ms"]) - len(typed)
    lines += [
        "### Time to results",
        "",
        "In the page, `performance.now()` from submitting the form to `.kb-count` changing "
        "(the hits are drawn in the same task), once the page has loaded (its load fetched "
        f"{chunks_loaded} of the bundle's {chunks_all} word index chunks). Topical queries: "
        f"{len(timed)} queries of the corpus's words, one by one in one tab. Typing: one "
        "`input` event with the whole query, as "
        f"after the last keystroke (the page waits {TYPING_DELAY_MS} ms of quiet before it "
        f"searches). The {len(rows)} agreement queries ({r['qs_from']}) ran in two tabs at "
        "once, to keep the run short (each tab's Pagefind searches in its own web worker). "
        "The service: "
        "`SearchEngine.search` in the benchmark's process, no HTTP (facet counts, 20 hits "
        f"with snippets), cold (the first run on a fresh engine) and warm ({WARM_ROUNDS} "
        "rounds).",
        "",
        "| what | n | median | p95 | max |",
        "| --- | --- | --- | --- | --- |",
        _stats_row("static, topical queries, submit to drawn", timed_ms),
        _stats_row("static, typing to drawn (queries new to the page)", typed),
        _stats_row(
            "static, a query asked again on the page (Pagefind's answers kept)",
            [x for x in b.get("again_ms", []) if x >= 0],
        ),
        _stats_row("static, agreement queries, submit to drawn (two tabs)", agree_ms),
        _stats_row(
            "Pagefind alone, topical queries: `search()` and 20 results' data, chunks loaded",
            [x["ms"] for x in b["bare"]["timed"]],
        ),
        _stats_row("service, topical queries, cold", [cold[q] for q in TIMED_QUERIES], 1),
        _stats_row(
            "service, topical queries, warm",
            [v for q in TIMED_QUERIES for v in s["warm"][q]],
            1,
        ),
        _stats_row("service, agreement queries, cold", [cold[q] for q in qs], 1),
        _stats_row("service, agreement queries, warm", [v for q in qs for v in s["warm"][q]], 1),
        "",
        f"Page load (no query) until the first results are drawn: {b['load_ms'] / 1000:.1f} "
        f"s; opened on `?q={FIRST_QUERY}` with an empty cache: "
        f"{b['direct']['ms'] / 1000:.1f} s; Pagefind alone (import, init, one search, 20 "
        f"results' data): {b['bare']['ms']:.0f} ms. After the load, `{FIRST_QUERY}` took "
        f"{b['first_ms']:.0f} ms and `{SECOND_QUERY}` {b['second_ms']:.0f} ms.",
        "",
        f"Goal: results drawn within {GOAL_MS:.0f} ms of typing once the index is loaded "
        f"(p95 of the topical queries, and every typed one): **{goal_ms}**.",
    ]
    if timeouts:
        lines.append(f"{timeouts} timed queries did not draw within 120 s (left out).")
    lines += [
        "",
        "<details><summary>Topical queries, one by one</summary>",
        "",
        "| query | agrees | static ms | Pagefind alone ms | transferred | service ms (warm "
        "median) | matches (service / static) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    alone = {x["q"]: x["ms"] for x in b["bare"]["timed"]}
    for x in timed:
        first = s["first"][x["q"]]
        lines.append(
            f"| {x['q']} | {'yes' if x['agree'] else '**no**'} | {x['ms']:.0f} | "
            f"{alone.get(x['q'], -1):.0f} | "
            f"{_kb(x['bytes'])} | "
            f"{statistics.median(s['warm'][x['q']]):.1f} | "
            f"{_matches(first['total'], first['partial'])} / {_count_of(x['count'])} |"
        )
    lines += ["", "</details>", ""]

    goal_agree = "met" if agree >= 0.8 * len(rows) else "NOT met"
    lines += [
        "### Agreement with the service",
        "",
        f"Whether the static page's top {TOP} (keys read from the hits' links) hold the "
        "service's first hit (`SearchEngine(index).search(q).hits[0]`), for "
        f"{len(rows)} queries ({r['qs_from']}; written for the shipped docs, run here on "
        "the synthetic corpus). A query the service finds nothing for agrees if the static "
        "page lists nothing either.",
        "",
        f"**{agree}/{len(rows)}** agree (goal: at least 80%: **{goal_agree}**). For the "
        f"{len(timed)} topical queries timed above: {topical_agree}/{len(timed)}.",
        "",
    ]
    if misses:
        lines += [
            "| query | service's first hit (its matches) | static top five (its matches) |",
            "| --- | --- | --- |",
        ]
        for x, first in misses:
            static = ", ".join(f"`{k}`" for k in x["keys"]) or "nothing"
            lines.append(
                f"| {x['q']} | `{first['key']}` ({first['total']:,}"
                f"{', partial' if first['partial'] else ''})"
                f" | {static} ({_count_of(x['count'])}"
                f"{', partial' if 'most of them' in x['note'] else ''}) |"
            )
        lines.append("")
    lines += [
        "<details><summary>Per query</summary>",
        "",
        "| query | agrees | static ms (two tabs) | service ms (warm median) | matches "
        "(service / static) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for x in rows:
        first = s["first"][x["q"]]
        lines.append(
            f"| {x['q']} | {'yes' if x['agree'] else '**no**'} | {x['ms']:.0f} | "
            f"{statistics.median(s['warm'][x['q']]):.1f} | "
            f"{_matches(first['total'], first['partial'])} / {_count_of(x['count'])}"
            f"{' (partial)' if 'most of them' in x['note'] else ''} |"
        )
    lines += ["", "</details>", ""]
    errors = b["errors"] + b["direct"]["errors"] + b["bare"]["errors"]
    if errors:
        lines += [f"Errors in the page: {'; '.join(sorted(set(errors)))[:500]}", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
