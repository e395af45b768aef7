"""Search benchmark: indexing, query latency against SQLite FTS5, and the HTTP service.

On 10,000 synthetic entries (``corpus.generate``), in one run:

* a clean rebuild of the Whoosh index, and a one-document incremental update;
* query latency (p50/p95/p99) with facet counts and highlighted snippets over a fixed
  mix of queries (words, phrases, boolean, facet-only browsing, filtered), cold (first
  time each query runs on a freshly opened searcher) and warm;
* the same queries on SQLite FTS5 (stdlib ``sqlite3``: bm25, snippet(), GROUP BY facet
  counts, disjunctive like ours), as a ratio;
The service under load is bench_serve's (wrk, in its own process).

``run()`` returns a Markdown section; ``python benchmarks/bench_search.py`` prints it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
from workdirs import discard  # noqa: E402

WORK = HERE / "_work" / "search"
N_REFS, N_BRIEFS, N_CARDS = 7000, 1000, 2000
WARM_ROUNDS = 10
FACETS = ("type", "tenets", "focus", "levels")

# (label, kind, Whoosh query, FTS5 query, filters). FTS5 needs its own spelling for
# "NOT" (binary there) and for hyphenated words (a phrase there).
QUERIES: list[tuple[str, str, str, str, dict[str, Any]]] = [
    ("discipline", "words", "discipline", "discipline", {}),
    ("data", "words", "data", "data", {}),
    ("students", "words", "students", "students", {}),
    ("family engagement", "words", "family engagement", "family engagement", {}),
    ("coaching curriculum", "words", "coaching curriculum", "coaching curriculum", {}),
    (
        "race-conscious data use",
        "words",
        "race-conscious data use",
        '"race conscious" data use',
        {},
    ),
    (
        '"continuous improvement"',
        "phrase",
        '"continuous improvement"',
        '"continuous improvement"',
        {},
    ),
    ('"students of color"', "phrase", '"students of color"', '"students of color"', {}),
    ('"teachers of color"', "phrase", '"teachers of color"', '"teachers of color"', {}),
    (
        "leadership OR principals",
        "boolean",
        "leadership OR principals",
        "leadership OR principals",
        {},
    ),
    ("data AND NOT discipline", "boolean", "data AND NOT discipline", "data NOT discipline", {}),
    (
        "(tracking OR detracking) AND equity",
        "boolean",
        "(tracking OR detracking) AND equity",
        "(tracking OR detracking) AND equity",
        {},
    ),
    ("(browse everything)", "browse", "", "", {}),
    ("(browse) tenet=data", "browse", "", "", {"tenets": ["data"]}),
    (
        "(browse) practice, leadership|detracking",
        "browse",
        "",
        "",
        {"type": ["practice"], "focus": ["leadership", "detracking"]},
    ),
    (
        "(browse) school, 2015-2020",
        "browse",
        "",
        "",
        {"levels": ["school"], "year_from": 2015, "year_to": 2020},
    ),
    (
        "equity, data|capacity, school",
        "filtered",
        "equity",
        "equity",
        {"tenets": ["data", "capacity"], "levels": ["school"]},
    ),
    (
        "coaching, brief, 2020-",
        "filtered",
        "coaching",
        "coaching",
        {"type": ["brief"], "year_from": 2020},
    ),
    (
        "improvement cycles, continuous-improvement",
        "filtered",
        "improvement cycles",
        "improvement cycles",
        {"focus": ["continuous-improvement"]},
    ),
    ("teachers, page 3", "filtered", "teachers", "teachers", {"page": 3}),
    (
        "families, reference, district",
        "filtered",
        "families",
        "families",
        {"type": ["reference"], "levels": ["district"]},
    ),
    ("misspelt: disciplne", "words", "disciplne", "disciplne", {}),
]


def _pct(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _engine_kwargs(filters: dict[str, Any]) -> dict[str, Any]:
    return {
        "types": filters.get("type", ()),
        "tenets": filters.get("tenets", ()),
        "focus": filters.get("focus", ()),
        "levels": filters.get("levels", ()),
        "year_from": filters.get("year_from"),
        "year_to": filters.get("year_to"),
        "page": filters.get("page", 1),
        "page_size": 20,
    }


# -- Whoosh --------------------------------------------------------------------------------


def bench_whoosh(index: Path) -> dict[str, Any]:
    from equity_kb.search import SearchEngine

    started = time.perf_counter()
    engine = SearchEngine(index)
    open_ms = (time.perf_counter() - started) * 1000
    cold: list[float] = []
    totals: dict[str, int] = {}
    for label, _, q, _, filters in QUERIES:
        t = time.perf_counter()
        result = engine.search(q, **_engine_kwargs(filters))
        cold.append((time.perf_counter() - t) * 1000)
        totals[label] = result.total
    warm: dict[str, list[float]] = {label: [] for label, *_ in QUERIES}
    for _ in range(WARM_ROUNDS):
        for label, _, q, _, filters in QUERIES:
            t = time.perf_counter()
            engine.search(q, **_engine_kwargs(filters))
            warm[label].append((time.perf_counter() - t) * 1000)
    engine.close()
    return {"open_ms": open_ms, "cold": cold, "warm": warm, "totals": totals}


# -- SQLite FTS5 ----------------------------------------------------------------------------


def build_fts(path: Path, docs: Sequence[dict[str, Any]]) -> float:
    if path.exists():
        path.unlink()
    started = time.perf_counter()
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE docs(id INTEGER PRIMARY KEY, key TEXT, type TEXT, title TEXT,
                          summary TEXT, url TEXT, year INTEGER, sortkey TEXT);
        CREATE VIRTUAL TABLE fts USING fts5(title, summary, body, annotation, authors,
                                            tokenize='porter unicode61');
        CREATE TABLE tags(id INTEGER, facet TEXT, value TEXT, PRIMARY KEY(id, facet, value))
            WITHOUT ROWID;
        """
    )
    order = {"practice": "0", "brief": "1", "reference": "2"}
    for i, d in enumerate(docs, 1):
        db.execute(
            "INSERT INTO docs VALUES (?,?,?,?,?,?,?,?)",
            (
                i,
                d["key"],
                d["type"],
                d["title"],
                d["summary"],
                d["url"],
                d["year"],
                order[d["type"]] + d["title"].casefold(),
            ),
        )
        db.execute(
            "INSERT INTO fts(rowid, title, summary, body, annotation, authors) "
            "VALUES (?,?,?,?,?,?)",
            (i, d["title"], d["summary"], d["body"], d["annotation"], "; ".join(d["authors"])),
        )
        rows = [(i, "type", d["type"])]
        for facet in ("tenets", "focus", "levels"):
            rows += [(i, facet, v) for v in d[facet]]
        db.executemany("INSERT INTO tags VALUES (?,?,?)", rows)
    db.executescript(
        """
        CREATE INDEX tags_fv ON tags(facet, value, id);
        CREATE INDEX docs_year ON docs(year);
        CREATE INDEX docs_sort ON docs(sortkey);
        INSERT INTO fts(fts, rank) VALUES('rank', 'bm25(3.0, 1.5, 1.0, 1.0, 1.0)');
        """
    )
    db.commit()
    db.close()
    return time.perf_counter() - started


class FtsSearch:
    """Our query on FTS5: ranked page with snippets, total, disjunctive facet counts.

    The text match is run once into a temporary table, and the filtered matches into a
    second; the total and the facet counts are GROUP BY queries against them.
    """

    def __init__(self, path: Path):
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.execute("CREATE TEMP TABLE m(id INTEGER PRIMARY KEY)")  # text matches
        self.db.execute("CREATE TEMP TABLE r(id INTEGER PRIMARY KEY)")  # ... and filters

    def _filters(self, filters: dict[str, Any], skip: str | None) -> tuple[list[str], list[Any]]:
        clauses: list[str] = []
        args: list[Any] = []
        for facet in FACETS:
            values = filters.get(facet) or []
            if values and facet != skip:
                marks = ",".join("?" * len(values))
                clauses.append(
                    f"d.id IN (SELECT id FROM tags WHERE facet=? AND value IN ({marks}))"
                )
                args += [facet, *values]
        if skip != "year" and (filters.get("year_from") or filters.get("year_to")):
            clauses.append("d.year BETWEEN ? AND ?")
            args += [filters.get("year_from") or 0, filters.get("year_to") or 9999]
        return clauses, args

    def search(self, q: str, filters: dict[str, Any]) -> dict[str, Any]:
        db = self.db
        page = filters.get("page", 1)
        db.execute("DELETE FROM m")
        db.execute("DELETE FROM r")
        if q:
            db.execute("INSERT INTO m SELECT rowid FROM fts WHERE fts MATCH ?", (q,))
        else:
            db.execute("INSERT INTO m SELECT id FROM docs")
        clauses, args = self._filters(filters, None)
        where = " AND ".join(clauses) or "1"
        db.execute(
            f"INSERT INTO r SELECT m.id FROM m JOIN docs d ON d.id = m.id WHERE {where}", args
        )
        total = db.execute("SELECT count(*) FROM r").fetchone()[0]
        if q:
            # Rank with FTS5's rank column (bm25, title weighted 3), then make snippets
            # for the page only: snippet() in the ranking query runs for every match.
            ids = [
                row[0]
                for row in db.execute(
                    # (Not "rowid IN r": the planner then runs the MATCH once per row.)
                    "SELECT fts.rowid FROM fts JOIN docs d ON d.id = fts.rowid "
                    f"WHERE fts MATCH ? AND {where} ORDER BY rank LIMIT 20 OFFSET ?",
                    [q, *args, (page - 1) * 20],
                )
            ]
            marks = ",".join("?" * len(ids)) or "NULL"
            snips = dict(
                db.execute(
                    "SELECT rowid, snippet(fts, -1, '<mark>', '</mark>', '…', 24) FROM fts "
                    f"WHERE fts MATCH ? AND rowid IN ({marks})",
                    [q, *ids],
                ).fetchall()
            )
            rows = {
                row[0]: row
                for row in db.execute(
                    "SELECT d.id, d.key, d.type, d.title, d.url, d.year, d.summary FROM docs d "
                    f"WHERE d.id IN ({marks})",
                    ids,
                )
            }
            hits = [(*rows[i][1:], snips.get(i, "")) for i in ids]
        else:
            hits = db.execute(
                "SELECT d.key, d.type, d.title, d.url, d.year, d.summary FROM docs d "
                "WHERE d.id IN r ORDER BY d.sortkey LIMIT 20 OFFSET ?",
                [(page - 1) * 20],
            ).fetchall()
        # Facets nobody filtered on are counted over the filtered matches (r) in one
        # GROUP BY; each filtered facet over the matches filtered by the others only.
        facets: dict[str, list[tuple[Any, int]]] = {}
        filtered = {f for f in FACETS if filters.get(f)}
        if filters.get("year_from") or filters.get("year_to"):
            filtered.add("year")
        plain = [f for f in FACETS if f not in filtered]
        if plain:
            marks = ",".join("?" * len(plain))
            rows_ = db.execute(
                "SELECT facet, value, count(*) FROM tags INDEXED BY tags_fv "
                f"WHERE facet IN ({marks}) AND id IN r GROUP BY facet, value",
                plain,
            ).fetchall()
            for facet in plain:
                facets[facet] = [(v, c) for f, v, c in rows_ if f == facet]
        if "year" not in filtered:
            facets["year"] = db.execute(
                "SELECT year, count(*) FROM docs WHERE id IN r GROUP BY year"
            ).fetchall()
        for facet in filtered:
            clauses, args = self._filters(filters, facet)
            others = "SELECT m.id FROM m JOIN docs d ON d.id = m.id WHERE " + (
                " AND ".join(clauses) or "1"
            )
            if facet == "year":
                facets[facet] = db.execute(
                    f"SELECT year, count(*) FROM docs WHERE id IN ({others}) GROUP BY year", args
                ).fetchall()
            else:
                facets[facet] = db.execute(
                    "SELECT value, count(*) FROM tags INDEXED BY tags_fv "
                    f"WHERE facet = ? AND id IN ({others}) GROUP BY value",
                    [facet, *args],
                ).fetchall()
        return {"total": total, "hits": hits, "facets": facets}


def bench_fts(path: Path) -> dict[str, Any]:
    fts = FtsSearch(path)
    cold: list[float] = []
    totals: dict[str, int] = {}
    for label, _, _, q, filters in QUERIES:
        t = time.perf_counter()
        totals[label] = fts.search(q, filters)["total"]
        cold.append((time.perf_counter() - t) * 1000)
    warm: dict[str, list[float]] = {label: [] for label, *_ in QUERIES}
    for _ in range(WARM_ROUNDS):
        for label, _, _, q, filters in QUERIES:
            t = time.perf_counter()
            fts.search(q, filters)
            warm[label].append((time.perf_counter() - t) * 1000)
    return {"cold": cold, "warm": warm, "totals": totals}


# -- HTTP under load ------------------------------------------------------------------------


# -- the report ----------------------------------------------------------------------------


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def run() -> str:
    from equity_kb.search import rebuild_index, sync_index, update_index

    discard(WORK)
    WORK.mkdir(parents=True)
    index = WORK / "index"
    c, gen_s = _timed(lambda: corpus.generate(N_REFS, N_BRIEFS, N_CARDS, seed=1))
    docs = c.search_documents()
    n = len(docs)
    words = sum(len(str(d["body"]).split()) + len(str(d["annotation"]).split()) for d in docs)

    stats, rebuild_s = _timed(lambda: rebuild_index(index, docs))
    procs = 2 if (os.cpu_count() or 1) > 1 else 1
    changed = dict(docs[123])
    changed["title"] = changed["title"] + " (revised)"
    _, update_s = _timed(lambda: update_index(index, [changed], []))
    docs2 = list(docs)
    docs2[456] = dict(docs2[456], summary="A revised summary for the benchmark.")
    sync_stats, sync_s = _timed(lambda: sync_index(index, docs2))
    current = index / (index / "CURRENT").read_text().strip()
    size_mb = sum(p.stat().st_size for p in current.rglob("*") if p.is_file()) / 1e6

    fts_path = WORK / "fts.sqlite"
    fts_build_s = build_fts(fts_path, docs2)
    ours = bench_whoosh(index)
    theirs = bench_fts(fts_path)

    ours_warm = [v for vs in ours["warm"].values() for v in vs]
    fts_warm = [v for vs in theirs["warm"].values() for v in vs]
    p = {k: _pct(ours_warm, k) for k in (50, 95, 99)}
    f = {k: _pct(fts_warm, k) for k in (50, 95, 99)}
    cold = ours["cold"]
    goal = "met" if p[50] < 15 and p[99] < 60 else "NOT met"
    differ = [label for label, *_ in QUERIES if ours["totals"][label] != theirs["totals"][label]]
    agree = (
        "Both engines found the same number of matches for every query."
        if not differ
        else "Match counts differ for " + ", ".join(f"`{d}`" for d in differ) + " (the engines "
        "read those queries differently, e.g. FTS5 keeps stop words the Whoosh parser drops)."
    )

    lines = [
        "## Search",
        "",
        f"{n:,} synthetic entries ({N_REFS:,} references, {N_CARDS:,} practice cards, "
        f"{N_BRIEFS:,} briefs; {words / 1e6:.1f} M words of page text and annotations; "
        f"generated in {gen_s:.1f} s). Whoosh {_whoosh_version()}, "
        f"SQLite {sqlite3.sqlite_version}.",
        "",
        "### Indexing",
        "",
        "| what | time |",
        "| --- | --- |",
        f"| clean rebuild, {stats.documents:,} documents ({procs} writer process"
        f"{'es' if procs > 1 else ''}) | {rebuild_s:.1f} s |",
        f"| incremental update of one document (copy on write, swap) | {update_s:.2f} s |",
        f"| `sync_index` of all {n:,} documents with one changed (digests, then that update) "
        f"| {sync_s:.2f} s ({sync_stats.upserted} upserted) |",
        f"| SQLite FTS5 build, for comparison | {fts_build_s:.1f} s |",
        f"| index size on disk (one generation) | {size_mb:.0f} MB |",
        "",
        "### Query latency (facet counts for type, tenet, focus, level and year, "
        "20 hits with highlighted snippets)",
        "",
        f"{len(QUERIES)} queries: words, phrases, boolean, facet-only browsing, filtered, a "
        f"misspelling. Warm: {WARM_ROUNDS} rounds after the first. Cold: each query's first "
        f"run on a freshly opened searcher (opening it took {ours['open_ms']:.0f} ms: facet "
        "bitsets and field lengths are read once per generation).",
        "",
        "| engine | p50 | p95 | p99 |",
        "| --- | --- | --- | --- |",
        f"| ours (Whoosh index), warm | {p[50]:.1f} ms | {p[95]:.1f} ms | {p[99]:.1f} ms |",
        f"| SQLite FTS5, warm | {f[50]:.1f} ms | {f[95]:.1f} ms | {f[99]:.1f} ms |",
        f"| ratio ours / FTS5 | {p[50] / f[50]:.2f} | {p[95] / f[95]:.2f} | {p[99] / f[99]:.2f} |",
        f"| ours, cold | {_pct(cold, 50):.1f} ms | {_pct(cold, 95):.1f} ms | "
        f"{_pct(cold, 99):.1f} ms |",
        f"| SQLite FTS5, cold | {_pct(theirs['cold'], 50):.1f} ms | "
        f"{_pct(theirs['cold'], 95):.1f} ms | {_pct(theirs['cold'], 99):.1f} ms |",
        "",
        f"Goal: p50 < 15 ms and p99 < 60 ms warm: **{goal}**.",
        "",
        "<details><summary>Per query (median warm ms; matches)</summary>",
        "",
        "| query | kind | ours | FTS5 | matches (ours / FTS5) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for label, kind, *_ in QUERIES:
        lines.append(
            f"| `{label}` | {kind} | {statistics.median(ours['warm'][label]):.1f} | "
            f"{statistics.median(theirs['warm'][label]):.1f} | "
            f"{ours['totals'][label]:,} / {theirs['totals'][label]:,} |"
        )
    lines += [
        "",
        "</details>",
        "",
        agree,
        "",
        "(The service under load, with wrk: bench_serve.)",
        "",
    ]
    (WORK / "results.json").write_text(
        json.dumps({"whoosh": {k: v for k, v in ours.items()}, "fts": theirs}, default=str),
        encoding="utf-8",
    )
    return "\n".join(lines)


def _whoosh_version() -> str:
    import whoosh

    return str(whoosh.versionstring())


if __name__ == "__main__":
    print(run())
