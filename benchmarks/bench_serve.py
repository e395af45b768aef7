"""Service benchmark: ``/api/search`` under load, from wrk in its own process.

On 10,000 synthetic entries (``corpus.generate``, as bench_search), the service started
as it runs in public (``equity-kb serve``: uvicorn workers, one per core, the answer
cache, gzip, one log line per request to a file), and Debian's ``wrk`` on loopback,
32 connections for 30 s each, every request with ``Accept-Encoding: gzip``:

* repeated queries: 20 popular ones in turn (after one warm-up pass, every answer
  comes from the cache);
* distinct queries: each request a query never asked before (two to three words of
  the corpus's vocabulary, some with a facet or a page), so it misses the answer
  cache and any HTTP cache (the engine's per-term postings stay warm, as in use);
* a small static file from the same server, as the ceiling;
* the same three with one worker and no answer cache (how the service ran before,
  on today's engine), side by side in the same run.

wrk's Lua ``done`` hook reports requests, errors and latency percentiles as JSON.
About 4 minutes. Needs /usr/bin/wrk (``apt-get install -y wrk``).
"""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
from run import machine  # noqa: E402
from workdirs import discard  # noqa: E402

WORK = HERE / "_work" / "serve"
WRK = Path("/usr/bin/wrk")
N_REFS, N_BRIEFS, N_CARDS = 7000, 1000, 2000
CONNECTIONS = 32
SECONDS = 30
N_DISTINCT = 60_000  # more than any run sends, so none repeats
GOAL_DISTINCT_RPS = 200
GOAL_DISTINCT_P99_MS = 300
GOAL_REPEATED_P99_MS = 100

POPULAR = [
    "discipline",
    "family engagement",
    "teachers of color",
    "restorative practices",
    "data",
    "coaching curriculum",
    "equity audit",
    "student voice",
    "attendance supports",
    "research-practice partnerships",
    "antiracist leadership",
    "detracking",
    "continuous improvement",
    "hiring pathways",
    "graduation outcomes",
    "literacy",
    "suspensions middle schools",
    "community partnership trust",
    "",
    "race-conscious data use",
]

# Each wrk thread takes every n-th path of the list from its own offset, so no two
# requests of a run are the same; done() prints one JSON line.
LUA = """
local paths = {}
for line in io.lines("PATHS") do paths[#paths + 1] = line end
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  i = id
end
wrk.headers["Accept-Encoding"] = "gzip"
function request()
  i = i + NTHREADS
  return wrk.format("GET", paths[(i % #paths) + 1])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'KBRESULT {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d, "p50": %d, "p90": %d, "p99": %d, "max": %d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max))
end
"""


def log(message: str) -> None:
    print(f"   {message}", file=sys.stderr, flush=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def distinct_paths(vocabulary: list[str], n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[str] = []
    tenets = ["practice", "data", "culture", "systems"]
    while len(out) < n:
        words = rng.sample(vocabulary, rng.choice((2, 2, 3)))
        params: list[tuple[str, str]] = [("q", " ".join(words))]
        roll = rng.random()
        if roll < 0.2:
            params.append(("tenet", rng.choice(tenets)))
        elif roll < 0.3:
            params.append(("page", str(rng.randint(2, 4))))
        path = "/api/search?" + urlencode(params)
        if path not in seen:
            seen.add(path)
            out.append(path)
    return out


def start_service(site: Path, index: Path, *args: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    exe = Path(sys.executable).with_name("equity-kb")
    out = (WORK / f"service-{port}.log").open("wb")
    proc = subprocess.Popen(
        [str(exe), "serve", "--site", str(site), "--index", str(index), "--port", str(port)]
        + list(args),
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    import httpx

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/api/health", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"the service exited with {proc.returncode}")
        time.sleep(0.3)
    proc.kill()
    raise RuntimeError("the service did not start within 90 s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run_wrk(base: str, paths: list[str], name: str, threads: int) -> dict[str, Any]:
    paths_file = WORK / f"{name}.paths"
    paths_file.write_text("\n".join(paths) + "\n", encoding="utf-8")
    script = WORK / f"{name}.lua"
    script.write_text(
        LUA.replace("PATHS", str(paths_file)).replace("NTHREADS", str(threads)),
        encoding="utf-8",
    )
    cmd = [
        str(WRK),
        f"-t{threads}",
        f"-c{CONNECTIONS}",
        f"-d{SECONDS}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        base + "/",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith("KBRESULT "))
    r: dict[str, Any] = json.loads(line.removeprefix("KBRESULT "))
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    r["errors"] = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
    return r


def warm(base: str, paths: list[str]) -> None:
    import httpx

    with httpx.Client(base_url=base, timeout=60) as c:
        for p in paths:
            c.get(p)


def bench_config(site: Path, index: Path, label: str, args: list[str], distinct: list[str]) -> Any:
    threads = 2 if (os.cpu_count() or 1) > 1 else 1
    proc, base = start_service(site, index, *args)
    try:
        popular = ["/api/search?" + urlencode({"q": q}) for q in POPULAR]
        warm(base, popular * 3)  # each worker sees them, most likely
        out: dict[str, Any] = {"label": label, "args": args}
        log(f"{label}: repeated queries ...")
        out["repeated"] = run_wrk(base, popular, "repeated", threads)
        log(f"{label}: distinct queries ...")
        # Each configuration gets its own slice, so the second never sees the first's.
        out["distinct"] = run_wrk(base, distinct, f"distinct-{len(label)}", threads)
        log(f"{label}: a static file ...")
        out["static"] = run_wrk(base, ["/small.html"], "static", threads)
        for k in ("repeated", "distinct", "static"):
            r = out[k]
            log(f"   {k}: {r['rps']:.0f} req/s, p99 {r['p99'] / 1000:.0f} ms, {r['errors']} errors")
        return out
    finally:
        stop(proc)


def run() -> str:
    from equity_kb.core.vocabulary import load_vocabulary
    from equity_kb.search import rebuild_index
    from equity_kb.search.documents import facet_labels

    if not WRK.exists():
        return "## The service under load (wrk)\n\nSkipped: /usr/bin/wrk is missing.\n"
    discard(WORK)
    WORK.mkdir(parents=True)
    c = corpus.generate(N_REFS, N_BRIEFS, N_CARDS, seed=1)
    docs = c.search_documents()
    labels = facet_labels(load_vocabulary(corpus.VOCABULARY))
    site = WORK / "site"
    site.mkdir()
    (site / "small.html").write_text(
        "<!doctype html><title>KB</title><p>A small page.</p>\n", encoding="utf-8"
    )
    index = WORK / "site-state" / "search-index"
    t = time.perf_counter()
    rebuild_index(index, docs, labels=labels)
    log(f"{len(docs):,} documents indexed in {time.perf_counter() - t:.1f} s")
    vocabulary = sorted(
        {w for d in docs for w in str(d.get("title", "")).lower().split() if w.isalpha()}
    )
    paths = distinct_paths(vocabulary, 2 * N_DISTINCT)
    workers = os.cpu_count() or 1
    now = bench_config(site, index, f"now: {workers} workers, answer cache", [], paths[:N_DISTINCT])
    before = bench_config(
        site,
        index,
        "the same with 1 worker and no answer cache",
        ["--workers", "1", "--cache-size", "0"],
        paths[N_DISTINCT:],
    )
    (WORK / "results.json").write_text(json.dumps([now, before], indent=2), encoding="utf-8")
    return report(len(docs), len(vocabulary), now, before)


def _cell(r: dict[str, Any]) -> str:
    return (
        f"{r['rps']:,.0f} | {r['p50'] / 1000:.1f} ms | {r['p99'] / 1000:.1f} ms | "
        f"{r['max'] / 1000:.0f} ms | {r['errors']}"
    )


def report(n: int, words: int, now: dict[str, Any], before: dict[str, Any]) -> str:
    wrk_version = subprocess.run([str(WRK), "-v"], capture_output=True, text=True).stdout
    wrk_version = (wrk_version.splitlines() or ["wrk"])[0].split(" [")[0]
    lines = [
        "## The service under load (wrk)",
        "",
        f"{n:,} synthetic entries ({N_REFS:,} references, {N_CARDS:,} practice cards, "
        f"{N_BRIEFS:,} briefs). {machine()}. {wrk_version}, in its own process on the same "
        f"machine: {CONNECTIONS} connections, {SECONDS} s per row, `Accept-Encoding: gzip`. "
        "The service: `equity-kb serve` (uvicorn workers, one log line per request to a "
        "file). Repeated: 20 popular queries in turn, after a warm-up pass. Distinct: every "
        f"request a new query of 2-3 of {words:,} title words (a fifth with a tenet, a "
        "tenth a later page), so each misses the answer cache. Static: a 60-byte page from "
        "the same server.",
        "",
        "| service | load | requests/s | p50 | p99 | max | errors |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for cfg in (now, before):
        for k, name in (
            ("repeated", "repeated queries"),
            ("distinct", "distinct queries"),
            ("static", "static file"),
        ):
            lines.append(f"| {cfg['label']} | {name} | {_cell(cfg[k])} |")
    d, r, s = now["distinct"], now["repeated"], now["static"]
    ok_d = (
        d["rps"] >= GOAL_DISTINCT_RPS and d["p99"] / 1000 < GOAL_DISTINCT_P99_MS and not d["errors"]
    )
    ok_r = r["rps"] >= s["rps"] / 2 and r["p99"] / 1000 < GOAL_REPEATED_P99_MS and not r["errors"]
    lines += [
        "",
        'Goals (issue "Publishing"), with 0 errors:',
        "",
        f"- **{'PASS' if ok_d else 'FAIL'}** distinct queries at least {GOAL_DISTINCT_RPS} "
        f"requests/s with p99 under {GOAL_DISTINCT_P99_MS} ms: {d['rps']:,.0f}/s, p99 "
        f"{d['p99'] / 1000:.0f} ms, {d['errors']} errors "
        f"({d['rps'] / before['distinct']['rps']:.1f}x one worker without the cache: "
        f"{before['distinct']['rps']:,.0f}/s)",
        f"- **{'PASS' if ok_r else 'FAIL'}** repeated queries at least half the static "
        f"file's rate, p99 under {GOAL_REPEATED_P99_MS} ms: {r['rps']:,.0f}/s against "
        f"{s['rps']:,.0f}/s ({r['rps'] / s['rps']:.2f}), p99 {r['p99'] / 1000:.1f} ms, "
        f"{r['errors']} errors",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
