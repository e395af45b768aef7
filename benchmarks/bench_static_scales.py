"""Static search at three scales: agreement with the service, time to results, first load.

The static page matches and ranks a query in the browser from the term data the build
writes (search/static_terms.py, ``kb-search/terms/``), as the Whoosh service does; Pagefind
is loaded only for quoted phrases. Measured side by side in one run, on the shipped docs
(1x, built with Sphinx) and on the synthetic corpus at 10x (``corpus.site_size(10)``) and
100x (``corpus.SIZE_AT_100X``), each built as bench_static builds it and served by
``python -m http.server`` in a subprocess (``/api/search`` answers 404, so the page
searches the static index), in headless Debian chromium driven by playwright:

* agreement: whether the static page's top five hold the service's first hit
  (``SearchEngine(index).search(q).hits[0]``) for 30 questions (the first 30 of
  tests/data/relevance.json) and 30 single words taken from bodies and annotations: at 1x
  those of tests/data/agreement.json; on a synthetic corpus 15 hyphenated words as written
  and 15 words in a form its text does not use whose stem is a text word's (``words()``);
* time from submitting a query to its results drawn (the page's own UI, bench_static's
  ``TIME_QUERY``) for those queries, one by one in one tab, and beside it Pagefind alone
  for the same queries (a bare page: ``pagefind.search(q)`` and its first five results'
  ``data()``), in ROUNDS rounds of fresh contexts, each query's median kept;
* the page opened with no query: time until the first result is drawn, in a fresh
  browser context;
* bytes transferred for a first query: a fresh context opening the page on ``?q=<word>``.

About 3 minutes on two cores; the sites stay in benchmarks/_work/static_scales/. ``run()``
returns a Markdown section; ``python benchmarks/bench_static_scales.py`` prints it. Needs
/usr/bin/chromium.
"""

from __future__ import annotations

import collections
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus, urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(ROOT / "tests"))

import corpus  # noqa: E402
from bench_static import (  # noqa: E402
    ARGS,
    CHROMIUM,
    HIT_LINKS,
    HREFS,
    STATIC,
    TIME_QUERY,
    Traffic,
    _keys,
    _pct,
    search_page,
    start_server,
    stop_server,
    total,
)
from run import machine  # noqa: E402
from workdirs import discard  # noqa: E402

WORK = HERE / "_work" / "static_scales"
RELEVANCE = ROOT / "tests" / "data" / "relevance.json"
AGREEMENT = ROOT / "tests" / "data" / "agreement.json"
N_QUESTIONS = 30
N_WORDS = 15  # of each kind, on a synthetic corpus
TOP = 5
GOAL_P95_MS = 100.0  # at 1x and 10x
GOAL_RATIO = 1.2  # static / Pagefind alone, at 100x
GOAL_LOAD_MS = 1000.0  # the page opened with no query, at 100x
QUERY_TIMEOUT_MS = 60_000
ROUNDS = 3  # passes over the queries, each in a fresh context; each query's median kept

# Pagefind alone, on a bare page: import, options, init, the other parts merged; then per
# query search() and its first five results' data(), timed one after the other.
BARE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pagefind alone</title></head>
<body><p>Pagefind alone</p></body></html>
"""
PAGEFIND_ALONE = """async ([qs, top]) => {
  const t0 = performance.now();
  const pf = await import(new URL("kb-search/pagefind.js", document.baseURI).href);
  await pf.options({ noWorker: true });
  await pf.init();
  // A large index is in parts (search/static_index.py): Pagefind alone merges them too.
  const info = await fetch(new URL("kb-search/delta.json", document.baseURI))
    .then((r) => (r.ok ? r.json() : {})).catch(() => ({}));
  for (const part of info.parts || []) {
    await pf.mergeIndex(new URL("kb-search/" + part, document.baseURI).pathname);
  }
  const init = performance.now() - t0;
  const rows = [];
  for (const q of qs) {
    const t = performance.now();
    const found = await pf.search(q);
    const data = await Promise.all(found.results.slice(0, top).map((r) => r.data()));
    rows.push({ q, ms: performance.now() - t, total: found.results.length,
                urls: data.map((d) => d.url) });
  }
  return { init, rows };
}"""

# When the first result is drawn: set before the page's own scripts run, so the time is
# the page's (performance.now()), not the driver's polling.
FIRST_HIT = """(() => {
  const seen = () => {
    const hit = document.querySelector(".kb-hit");
    if (!hit || !hit.getClientRects().length || window.kbFirstHit) return false;
    window.kbFirstHit = performance.now();
    return true;
  };
  new MutationObserver((_, observer) => { if (seen()) observer.disconnect(); })
    .observe(document, { childList: true, subtree: true });
})();"""

# -- words of a synthetic corpus ---------------------------------------------------------

_TOKEN = re.compile(r"[a-z0-9]+(?:[-'’][a-z0-9]+)*")
# Verbs whose past is not "-ed", and "-ing" words that are no verb's form.
# fmt: off
_IRREGULAR = frozenset((
    "become", "begin", "bring", "build", "buy", "catch", "come", "do", "draw", "fall", "feel",
    "find", "get", "give", "go", "grow", "have", "hear", "hold", "keep", "lead", "leave", "lose",
    "make", "mean", "meet", "pay", "put", "read", "rethink", "run", "say", "see", "sell", "send",
    "set", "sit", "speak", "spend", "spread", "stand", "take", "teach", "tell", "think",
    "understand", "win", "write",
))
_NOT_VERBS = frozenset((
    "anything", "belonging", "ceiling", "during", "evening", "everything", "morning", "nothing",
    "something", "spring", "string", "thing", "wellbeing",
))
# fmt: on
# Words ending in "s" that are no plural; nouns whose plural is a plain "s" (or "ies").
_NOT_PLURAL = ("us", "is", "ss", "ous", "ics", "ways", "wards", "times", "news", "series")
_COUNT_NOUNS = ("tion", "ment", "ity", "ist")


def _tokens(text: str) -> list[str]:
    out = []
    for token in _TOKEN.findall(text.lower()):
        out.append(token)
        if "-" in token:
            out += token.split("-")
    return out


def _past(word: str) -> str | None:
    """The past of a regular verb's "-ing" form: mentoring -> mentored."""
    root = word[:-3]
    if not word.endswith("ing") or word in _NOT_VERBS or len(root) < 3:
        return None
    if not re.search("[aeiouy]", root) or any(root in (v, v[:-1]) for v in _IRREGULAR):
        return None
    return root + "ed"


def _singular(word: str) -> str | None:
    """A plural's singular: routines -> routine, studies -> study."""
    if not word.endswith("s") or word.endswith(_NOT_PLURAL):
        return None
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses", "zes")):
        return word[:-2]
    return word[:-1]


def _plural(word: str) -> str | None:
    """A count noun's plural: improvement -> improvements, capacity -> capacities."""
    if not word.endswith(_COUNT_NOUNS):
        return None
    return word[:-1] + "ies" if word.endswith("ity") else word + "s"


def words(docs: Sequence[dict[str, Any]], found: Callable[[str], bool]) -> dict[str, Any]:
    """The corpus's 30 agreement words, chosen deterministically from the words of its
    bodies and annotations (most entries first, then alphabetical), each one the service
    finds: ``as_written``: the hyphenated ones (topped up, if there are fewer than 15, with
    words of no title or summary); ``other_form``: query -> the text's word, a form no
    field of the corpus uses with the same Porter stem, taken in turn from "-ing" -> "-ed",
    plural -> singular and singular -> plural, one per stem."""
    from whoosh.lang.porter import stem

    from equity_kb.search.schema import QUERY_STOP_WORDS

    body: collections.Counter[str] = collections.Counter()
    head: set[str] = set()
    used: set[str] = set()
    for d in docs:
        body.update(set(_tokens(f"{d.get('body') or ''} {d.get('annotation') or ''}")))
        head.update(_tokens(f"{d.get('title') or ''} {d.get('summary') or ''}"))
        for value in d.values():
            for v in value if isinstance(value, list | tuple) else [value]:
                if isinstance(v, str):
                    used.update(_tokens(v))
    names = {w.lower() for w in [*corpus.SURNAMES, *corpus.GIVEN]}
    order = sorted(body, key=lambda w: (-body[w], w))
    plain = [
        w
        for w in order
        if w.isalpha() and len(w) >= 4 and w not in names and w not in QUERY_STOP_WORDS
    ]
    hyphenated = [w for w in order if "-" in w and found(w)][:N_WORDS]
    topped = [w for w in plain if w not in head and found(w)][: N_WORDS - len(hyphenated)]
    queues = []
    for form in (_past, _singular, _plural):
        pairs = [(form(w), w) for w in plain]
        queues.append(
            [(q, w) for q, w in pairs if q and q not in used and stem(q) == stem(w) and len(q) > 3]
        )
    other: dict[str, str] = {}
    stems: set[str] = set()
    turn = 0
    while len(other) < N_WORDS and any(queues):
        queue = queues[turn % len(queues)]
        turn += 1
        while queue:
            q, w = queue.pop(0)
            if stem(q) not in stems and found(q):
                stems.add(stem(q))
                other[q] = w
                break
    return {"as_written": hyphenated + topped, "topped": topped, "other_form": other}


# -- the sites -----------------------------------------------------------------------------


@dataclass
class Site:
    name: str  # "1x", "10x", "100x"
    folder: Path
    page: str  # the search page, relative to the folder
    index: Path  # the Whoosh index
    n: int
    url_to_key: dict[str, str]
    questions: list[str]
    words: list[str]  # as written, then other forms
    other_form: dict[str, str]  # query -> the text's form
    words_from: str
    agree_words: bool  # whether the words are among the required measures here
    build_s: float
    notes: list[str] = field(default_factory=list)


def log(message: str) -> None:
    print(f"   {message}", file=sys.stderr, flush=True)


def questions() -> list[str]:
    data = json.loads(RELEVANCE.read_text(encoding="utf-8"))
    rows = data["queries"] if isinstance(data, dict) else data
    return [str(r["q"]) for r in rows[:N_QUESTIONS]]


def build_shipped(dest: Path) -> Site:
    """The shipped docs, built with Sphinx; the search page is find.html."""
    from equity_kb.search.layout import index_dir
    from equity_kb.search.static_index import read_records

    out = dest / "html"
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-c", str(ROOT), str(ROOT / "docs"), str(out)],
        check=True,
        cwd=ROOT,
    )
    build_s = time.perf_counter() - t
    records = read_records(out) or {}
    data = json.loads(AGREEMENT.read_text(encoding="utf-8"))
    other = {str(q): str(text) for q, text in data["other_form"].items()}
    (out / "bare-pagefind.html").write_text(BARE_PAGE, encoding="utf-8")
    return Site(
        name="1x",
        folder=out,
        page="find.html",
        index=index_dir(out),
        n=len(records),
        url_to_key={str(r["url"]): str(key) for key, r in records.items()},
        questions=questions(),
        words=[*map(str, data["as_written"]), *other],
        other_form=other,
        words_from="`tests/data/agreement.json`",
        agree_words=True,
        build_s=build_s,
    )


def build_synthetic(scale: int, dest: Path) -> Site:
    """A synthetic site as bench_static.run() builds one: the Whoosh index, the static
    index (Pagefind and the term data), the word list, ``_static/`` and search.html."""
    from equity_kb.core.vocabulary import load_vocabulary
    from equity_kb.search import SearchEngine, rebuild_index
    from equity_kb.search.documents import facet_labels
    from equity_kb.search.indexer import count_words
    from equity_kb.search.static_index import static_record, write_static_index, write_word_list

    n_briefs, n_cards, n_refs = corpus.SIZE_AT_100X if scale == 100 else corpus.site_size(scale)
    site, index = dest / "site", dest / "index"
    t = time.perf_counter()
    docs = corpus.generate(n_refs, n_briefs, n_cards, seed=1).search_documents()
    labels = facet_labels(load_vocabulary(corpus.VOCABULARY))
    rebuild_index(index, docs, labels=labels)
    log(f"{scale}x: {len(docs):,} entries, Whoosh index in {time.perf_counter() - t:.1f} s")
    t2 = time.perf_counter()
    write_static_index(site, [static_record(d) for d in docs])
    write_word_list(site, count_words(docs))
    log(f"{scale}x: static index in {time.perf_counter() - t2:.1f} s")
    (site / "_static").mkdir(exist_ok=True)
    for name in ("search_static.js", "search.js", "search.css"):
        shutil.copy(STATIC / name, site / "_static" / name)
    (site / "search.html").write_text(search_page(labels), encoding="utf-8")
    (site / "bare-pagefind.html").write_text(BARE_PAGE, encoding="utf-8")
    build_s = time.perf_counter() - t

    with SearchEngine(index) as engine:
        chosen = words(docs, lambda q: engine.search(q, page_size=1).total > 0)
    notes = []
    if chosen["topped"]:
        notes.append(
            f"the corpus's bodies and annotations hold "
            f"{len(chosen['as_written']) - len(chosen['topped'])} hyphenated words; "
            + ", ".join(f"`{w}`" for w in chosen["topped"])
            + " (in no title or summary) make up the 15 as written"
        )
    return Site(
        name=f"{scale}x",
        folder=site,
        page="search.html",
        index=index,
        n=len(docs),
        url_to_key={str(d["url"]): str(d["key"]) for d in docs},
        questions=questions(),
        words=[*chosen["as_written"], *chosen["other_form"]],
        other_form=chosen["other_form"],
        words_from="its own bodies and annotations",
        agree_words=scale != 100,
        build_s=build_s,
        notes=notes,
    )


# -- the service and the browser ----------------------------------------------------------


def service_first_hits(index: Path, qs: Iterable[str]) -> dict[str, dict[str, Any]]:
    from equity_kb.search import SearchEngine

    out = {}
    with SearchEngine(index) as engine:
        for q in qs:
            result = engine.search(q)
            hit = result.hits[0] if result.hits else None
            out[q] = {"key": hit.key if hit else None, "total": result.total}
    return out


def _context(browser: Any, errors: list[str], name: str) -> tuple[Any, Any]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(180_000)
    page.on("pageerror", lambda err: errors.append(f"{name}: {err}"))

    def console(msg: Any) -> None:
        # A failed request is reported by its response below, with its address.
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            errors.append(f"{name}: console {msg.text}")

    def response(res: Any) -> None:
        # /api/search answers 404 here by design: the page then searches statically.
        if res.status >= 400 and not urlsplit(res.url).path.endswith("/api/search"):
            errors.append(f"{name}: {res.status} for {urlsplit(res.url).path}")

    page.on("console", console)
    page.on("response", response)
    return context, page


def _static_pass(
    browser: Any, site: Site, base: str, queries: list[str], errors: list[str]
) -> tuple[float, list[dict[str, Any]]]:
    """The page with no query in a fresh context (ms until its first result is drawn),
    then each query through its form, one by one: ms, top keys, the count line."""
    context, page = _context(browser, errors, "search page")
    try:
        page.add_init_script(FIRST_HIT)
        page.goto(f"{base}/{site.page}")
        page.wait_for_selector(".kb-hit", state="visible")
        page.wait_for_function("() => window.kbFirstHit")
        load_ms = float(page.evaluate("window.kbFirstHit"))
        rows = []
        timer = TIME_QUERY.replace("120000", str(QUERY_TIMEOUT_MS))
        for q in queries:
            ms = page.evaluate(timer, [q, "submit"])
            hrefs = page.eval_on_selector_all(HIT_LINKS, HREFS)
            rows.append(
                {
                    "q": q,
                    "ms": ms,
                    "keys": _keys(hrefs, base, site.url_to_key)[:TOP],
                    "count": page.inner_text(".kb-count"),
                }
            )
        return load_ms, rows
    finally:
        context.close()


def _alone_pass(browser: Any, base: str, queries: list[str], errors: list[str]) -> Any:
    """Pagefind alone, for the same queries, in a fresh context."""
    context, page = _context(browser, errors, "Pagefind alone")
    try:
        page.goto(f"{base}/bare-pagefind.html")
        return page.evaluate(PAGEFIND_ALONE, [queries, TOP])
    finally:
        context.close()


def _median_ms(passes: Sequence[Sequence[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The first pass's rows, each with its query's median ms over the passes (a pass
    that drew nothing in time counts as -1 and is left out) and every pass's ms."""
    out = []
    for i, row in enumerate(passes[0]):
        each = [p[i]["ms"] for p in passes]
        done = [ms for ms in each if ms >= 0]
        out.append({**row, "ms": statistics.median(done) if done else -1.0, "each": each})
    return out


def bench_browser(browser: Any, site: Site) -> dict[str, Any]:
    server, base = start_server(site.folder)
    queries = list(dict.fromkeys([*site.questions, *site.words]))
    errors: list[str] = []
    out: dict[str, Any] = {"errors": errors}
    try:
        # Rounds of: the page (a fresh context each), then Pagefind alone (the same).
        loads, passes, alone, inits = [], [], [], []
        for n in range(ROUNDS):
            load_ms, rows = _static_pass(browser, site, base, queries, errors)
            loads.append(load_ms)
            passes.append(rows)
            found = _alone_pass(browser, base, queries, errors)
            alone.append(found["rows"])
            inits.append(found["init"])
            timed = [r["ms"] for r in rows if r["ms"] >= 0]
            by_pf = [r["ms"] for r in found["rows"]]
            log(
                f"{site.name} round {n + 1}: first result drawn {load_ms:.0f} ms; "
                f"{len(rows)} queries in the page, median {statistics.median(timed):.0f} ms, "
                f"p95 {_pct(timed, 95):.0f} ms; Pagefind alone median "
                f"{statistics.median(by_pf):.0f} ms, p95 {_pct(by_pf, 95):.0f} ms"
            )
        out["loads"] = loads
        out["rows"] = _median_ms(passes)
        out["alone"] = _median_ms(alone)
        out["alone_init"] = inits
        # Whether every round drew the same top five.
        out["unsteady"] = [
            r["q"]
            for i, r in enumerate(passes[0])
            if any(p[i]["keys"] != r["keys"] for p in passes)
        ]

        # A visitor's first query: a fresh context opening the page on ?q=<word>.
        word = site.words[0]
        context, page = _context(browser, errors, "?q=")
        try:
            traffic = Traffic(context, site.folder)
            page.goto(f"{base}/{site.page}?q={quote_plus(word)}")
            page.wait_for_function(
                "q => (document.querySelector('.kb-count') || {}).textContent?.includes(q)",
                arg=f"\u201c{word}\u201d",
            )
            ms = page.evaluate("performance.now()")
            page.wait_for_timeout(300)
            transfers = traffic.take()
            terms = [t for t in transfers if "/kb-search/terms/" in t.path]
            out["direct"] = {
                "word": word,
                "ms": ms,
                "bytes": total(transfers),
                "requests": len(transfers),
                "terms": total(terms),
                "terms_requests": len(terms),
                "pagefind": total([t for t in transfers if _is_pagefind(t.path)]),
                "failed": list(traffic.failed),
            }
            log(f"{site.name}: opened on ?q={word}: {ms:.0f} ms, {total(transfers):,} bytes")
        finally:
            context.close()
    finally:
        stop_server(server)
    return out


def _is_pagefind(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return "/kb-search/" in path and (
        name.startswith(("pagefind", "wasm."))
        or name.endswith((".pf_index", ".pf_meta", ".pf_filter"))
    )


def pagefind_version() -> str:
    try:
        from equity_kb.search.pagefind_binary import pagefind_binary

        found = pagefind_binary()
        return f"{found.version or '(version not reported)'} (the binary from {found.source})"
    except (ImportError, FileNotFoundError):
        try:
            return f"{version('pagefind')} (the Python package)"
        except PackageNotFoundError:
            return "unknown"


# -- the run and the report ------------------------------------------------------------


def run() -> str:
    title = "## Static search at 1x, 10x and 100x"
    if not CHROMIUM.exists():
        return f"{title}\n\nSkipped: {CHROMIUM} is missing.\n"
    from playwright.sync_api import sync_playwright

    discard(WORK)
    WORK.mkdir(parents=True)
    started = time.perf_counter()
    # Every site first: Pagefind's Python client runs its own event loop, which cannot
    # start inside playwright's.
    sites = []
    for build in (
        lambda: build_shipped(WORK / "1x"),
        lambda: build_synthetic(10, WORK / "10x"),
        lambda: build_synthetic(100, WORK / "100x"),
    ):
        site = build()
        log(f"{site.name}: {site.n:,} entries built in {site.build_s:.1f} s")
        sites.append((site, service_first_hits(site.index, [*site.questions, *site.words])))
    results = []
    load_before = os.getloadavg()[0]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        chromium = browser.version
        try:
            for site, first in sites:
                results.append((site, first, bench_browser(browser, site)))
        finally:
            browser.close()
    load = (load_before, os.getloadavg()[0])
    return report(results, chromium, time.perf_counter() - started, load)


def _agree(row: dict[str, Any], first: dict[str, Any]) -> bool:
    if first["key"] is None:
        return not row["keys"]
    return bool(first["key"] in row["keys"][:TOP])


def _ms(values: Sequence[float]) -> tuple[float, float]:
    return statistics.median(values), _pct(values, 95)


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(
    results: list[tuple[Site, dict[str, dict[str, Any]], dict[str, Any]]],
    chromium: str,
    run_s: float,
    load: tuple[float, float],
) -> str:
    lines = [
        "## Static search at 1x, 10x and 100x",
        "",
        f"{machine()}; load average {load[0]:.1f} when the browser runs began and "
        f"{load[1]:.1f} at their end (other work on the machine slows the times below). "
        f"Pagefind {pagefind_version()}; playwright {version('playwright')}, Debian "
        f"chromium {chromium} (headless). Sites: 1x the shipped docs built with Sphinx "
        "(`find.html`), 10x and 100x the synthetic corpus (`corpus.site_size(10)`, "
        "`corpus.SIZE_AT_100X`) built as bench_static builds it (`search.html`), each "
        "served by `python -m http.server` in a subprocess, so `/api/search` answers 404 "
        "and the page searches its static index (the term data; Pagefind only for quoted "
        "phrases, and there are none here). Per site, in "
        f"{ROUNDS} rounds, each in fresh browser contexts: the page opened with no query, "
        "then every agreement query once through its form (bench_static's `TIME_QUERY`: "
        "submit to `.kb-count` changing, the hits drawn in the same task; top five keys "
        "from the hits' links); then a bare page with Pagefind alone for the same queries. "
        "Each query's time is its median over the rounds. Then a fresh context opens the "
        f"page on `?q=<word>`. The whole run took {run_s / 60:.1f} minutes.",
        "",
        "### Agreement with the service",
        "",
        "Whether the page's top five hold the service's first hit "
        "(`SearchEngine(index).search(q).hits[0]`); a query the service finds nothing for "
        "agrees if the page lists nothing. Questions: the first 30 of "
        "`tests/data/relevance.json`. Words, taken from bodies and annotations: at 1x the "
        "30 of `tests/data/agreement.json`; on a synthetic corpus 15 hyphenated words as "
        "written and 15 forms no field of the corpus uses whose Porter stem is a body or "
        'annotation word\'s ("-ing" -> "-ed", plural -> singular, singular -> plural, in '
        "turn), each one the service finds (`words()`).",
        "",
        "| site | entries | questions | words as written | words in another form | words from |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    misses: list[str] = []
    not_found: list[str] = []
    for site, first, m in results:
        rows = {r["q"]: r for r in m["rows"]}
        q_ok = sum(_agree(rows[q], first[q]) for q in site.questions)
        written = [w for w in site.words if w not in site.other_form]
        w_ok = sum(_agree(rows[w], first[w]) for w in written)
        o_ok = sum(_agree(rows[w], first[w]) for w in site.other_form)
        extra = "" if site.agree_words else " (for the timing; not asked at 100x)"
        lines.append(
            f"| {site.name} | {site.n:,} | {q_ok}/{len(site.questions)} | "
            f"{w_ok}/{len(written)} | {o_ok}/{len(site.other_form)} | {site.words_from}{extra} |"
        )
        for q in dict.fromkeys([*site.questions, *site.words]):
            if first[q]["key"] is None and q in site.words:
                not_found.append(f"{site.name} `{q}`")
            if not _agree(rows[q], first[q]):
                top = ", ".join(f"`{k}`" for k in rows[q]["keys"]) or "nothing"
                misses.append(
                    f"| {site.name} | {q} | `{first[q]['key']}` ({first[q]['total']:,}) | "
                    f"{top} ({rows[q]['count']}) |"
                )
    lines.append("")
    if misses:
        lines += [
            "Misses:",
            "",
            "| site | query | service's first hit (matches) | static top five (count line) |",
            "| --- | --- | --- | --- |",
            *misses,
            "",
        ]
    else:
        lines += ["No misses.", ""]
    if not_found:
        lines += [f"Words the service finds nothing for: {', '.join(not_found)}.", ""]
    for site, _, _ in results:
        if site.name != "1x":
            forms = ", ".join(f"`{q}` ({w})" for q, w in site.other_form.items())
            listed = ", ".join(f"`{w}`" for w in site.words if w not in site.other_form)
            lines.append(
                f"{site.name} words: as written {listed}; in another form (the text's) {forms}."
            )
        lines += [f"{site.name}: {note}." for note in site.notes]
    lines += [
        "",
        "### Time to results",
        "",
        "Submit to drawn in the page, every agreement query (questions and words) one by "
        "one after the page loaded; Pagefind alone: a bare page imports "
        "`kb-search/pagefind.js` (`noWorker: true`), inits, then times "
        "`await pagefind.search(q)` and `data()` of its first five results. Each query's "
        f"median over {ROUNDS} rounds; then median, p95 and max over the queries. Where "
        "Pagefind finds nothing it loads no result data.",
        "",
        "| site | queries | static median | static p95 | static max | Pagefind alone median "
        "| Pagefind alone p95 | Pagefind finds something for | static / Pagefind "
        "(median, p95) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    verdicts = []
    for site, _, m in results:
        alone_of = {r["q"]: r for r in m["alone"]}
        parts = [
            ("", m["rows"]),
            (" questions", [r for r in m["rows"] if r["q"] in site.questions]),
            (" words", [r for r in m["rows"] if r["q"] in site.words]),
        ]
        for label, rows in parts:
            static = [r["ms"] for r in rows if r["ms"] >= 0]
            alone = [alone_of[r["q"]]["ms"] for r in rows]
            found = sum(1 for r in rows if alone_of[r["q"]]["total"])
            s_med, s_p95 = _ms(static)
            a_med, a_p95 = _ms(alone)
            name = f"**{site.name}**" if not label else f"{site.name}{label}"
            lines.append(
                f"| {name} | {len(static)} | {s_med:.0f} ms | {s_p95:.0f} ms | "
                f"{max(static):.0f} ms | {a_med:.0f} ms | {a_p95:.0f} ms | {found} | "
                f"{s_med / a_med:.2f}, {s_p95 / a_p95:.2f} |"
            )
        static = [r["ms"] for r in m["rows"] if r["ms"] >= 0]
        s_med, s_p95 = _ms(static)
        a_med, a_p95 = _ms([r["ms"] for r in m["alone"]])
        timeouts = len(m["rows"]) - len(static)
        if timeouts:
            verdicts.append(
                f"{site.name}: {timeouts} queries drew nothing within "
                f"{QUERY_TIMEOUT_MS // 1000} s (left out)."
            )
        if site.name in ("1x", "10x"):
            verdicts.append(
                f"**{_verdict(s_p95 <= GOAL_P95_MS and not timeouts)}**: static p95 at "
                f"{site.name} {s_p95:.0f} ms (goal: at most {GOAL_P95_MS:.0f} ms)."
            )
        else:
            verdicts += [
                f"**{_verdict(s_p95 <= GOAL_RATIO * a_p95 and not timeouts)}**: static p95 "
                f"at {site.name} {s_p95:.0f} ms, {s_p95 / a_p95:.2f}x Pagefind alone's "
                f"{a_p95:.0f} ms (goal: at most {GOAL_RATIO}x).",
                f"**{_verdict(s_med <= GOAL_RATIO * a_med and not timeouts)}** if the goal is "
                f"read on medians: static {s_med:.0f} ms, {s_med / a_med:.2f}x Pagefind "
                f"alone's {a_med:.0f} ms.",
            ]
    lines += ["", *verdicts, ""]
    slow = []
    for site, _, m in results:
        worst = sorted(m["rows"], key=lambda r: -r["ms"])[:3]
        slow.append(f"{site.name}: " + ", ".join(f"{r['q']} ({r['ms']:.0f} ms)" for r in worst))
    lines += ["Slowest in the page: " + "; ".join(slow) + ".", ""]
    for site, _, m in results:
        if m["unsteady"]:
            lines += [
                f"{site.name}: the page's top five differed between rounds for "
                + ", ".join(m["unsteady"])
                + " (agreement above: the first round's).",
                "",
            ]

    lines += [
        "### The page opened with no query",
        "",
        "A fresh context (empty cache) opens the search page; `performance.now()` when the "
        f"first `.kb-hit` is in the page and has a box; median of the {ROUNDS} rounds.",
        "",
        "| site | first result drawn | each round |",
        "| --- | --- | --- |",
    ]
    for site, _, m in results:
        each = ", ".join(f"{ms:.0f}" for ms in m["loads"])
        lines.append(f"| {site.name} | {statistics.median(m['loads']):.0f} ms | {each} ms |")
    load_100 = next(
        (statistics.median(m["loads"]) for s, _, m in results if s.name == "100x"), float("nan")
    )
    lines += [
        "",
        f"**{_verdict(load_100 <= GOAL_LOAD_MS)}**: at 100x {load_100:.0f} ms "
        f"(goal: at most {GOAL_LOAD_MS / 1000:.0f} s).",
        "",
        "### Bytes for a first query",
        "",
        "A fresh context (empty cache) opens the search page on `?q=<word>` (the first "
        "word as written); every response until the results are drawn and 300 ms after.",
        "",
        "| site | word | transferred (requests) | of which term data | of which Pagefind | "
        "results drawn after |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for site, _, m in results:
        d = m["direct"]
        lines.append(
            f"| {site.name} | `{d['word']}` | {d['bytes'] / 1000:,.1f} KB ({d['requests']}) | "
            f"{d['terms'] / 1000:,.1f} KB ({d['terms_requests']}) | "
            f"{d['pagefind'] / 1000:,.1f} KB | {d['ms']:.0f} ms |"
        )
    failed = [f for _, _, m in results for f in m["direct"]["failed"]]
    if failed:
        lines += ["", f"Failed requests: {', '.join(failed[:10])}."]
    errors = sorted({e for _, _, m in results for e in m["errors"]})
    if errors:
        lines += ["", "Errors in the pages: " + "; ".join(errors)[:800]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
