"""Scale benchmark: our build at 1x, 10x and 100x the shipped site, against plain Sphinx.

Sites come from ``corpus.write_site`` (1x = 11 briefs, 32 cards, 53 references; 100x =
1,000 briefs, 2,500 cards, 10,000 references) and ``corpus.write_plain`` (the same pages
for plain Sphinx: furo, MyST, sphinx-design, no equity_kb). At each scale, every build
runs in its own ``python -m sphinx`` subprocess:

* clean builds with ``-j 1`` and ``-j auto``;
* incremental rebuilds with ``-j 1``: after appending a paragraph to one brief, then
  after rewriting one reference's annotation (one the edited brief cites); the search
  index update time is read from the build's "search index: ..." line;
* plain Sphinx: a clean build with ``-j 1`` and the incremental rebuild after the same
  one-brief edit;
* peak memory of each build: the largest process's own RSS high-water mark (VmHWM)
  and the whole process tree's proportional set size (PSS, shared pages counted once),
  both sampled five times a second;
* the built site's size and files, its static search index and largest page, and the
  Whoosh index kept beside it.

Then the checks of the issue "Scale", at the largest scale run, each PASS or FAIL, and a
log-log plot of build time against the number of entries (``benchmarks/scale.png``).

``EQUITY_KB_BENCH_SCALES=1,10`` limits the scales (default ``1,10,100``; about 15 minutes
on two cores). ``EQUITY_KB_BENCH_PROFILE=1`` also profiles (cProfile) the clean ``-j 1``
build and the one-brief incremental build at the largest scale and lists where the time
goes in ``equity_kb``. ``python benchmarks/bench_scale.py --report`` renders the section
and the plot again from the last run's figures (``_work/scale/results.json``).
"""

from __future__ import annotations

import json
import os
import pstats
import re
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
from workdirs import discard  # noqa: E402

WORK = HERE / "_work" / "scale"
PLOT = HERE / "scale.png"
DEFAULT_SCALES = (1.0, 10.0, 100.0)
GIB = 1024**3
INDEX_LINE = re.compile(
    r"search index: (\d+) entries \(([^)]*)\) in ([0-9.]+) s|search index: up to date"
)
# One-brief edits per site, for a median (ours and plain Sphinx's alternate).
EDIT_RUNS = 3
CLEAN_RUNS = 3  # clean builds of ours, -j 1 and -j auto, at each scale

# Sphinx's status lines that start a phase of the build, in order.
PHASES = [
    ("start-up: imports, config, builder-inited", ""),
    ("finding outdated files", "building [html]"),
    ("reading sources, env-updated", "reading sources... ["),
    ("pickling, consistency, assets", "looking for now-outdated"),
    ("writing pages", "writing output... ["),
    ("indices, additional pages", "generating indices"),
    ("build-finished: search index, exports", "dumping object inventory"),
    ("interpreter exit", "build succeeded"),
    ("end", ""),  # the process has ended
]


# -- running one build ------------------------------------------------------------------


@dataclass
class Build:
    """One sphinx-build subprocess: wall time, memory, warnings, what it printed."""

    seconds: float
    maxrss: int  # bytes: the largest single process (its own high-water mark, VmHWM)
    tree_pss: int  # bytes: the whole process tree, sampled
    warnings: int
    cpu: float = 0.0  # user + system seconds of the build and the processes it waited for
    load: float = 0.0  # the machine's 1-minute load average when the build ended
    index: str = ""  # the "search index: ..." line
    index_seconds: float | None = None
    index_rebuilt: bool | None = None
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def peak(self) -> int:
        return max(self.maxrss, self.tree_pss)


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rpartition(")")[2].split()[1])
        tree.setdefault(ppid, []).append(int(name))
    return tree


def _proc_kb(path: str, label: str) -> int | None:
    """The ``label`` line's figure (kB) of a /proc file, in bytes; None if unreadable."""
    try:
        with open(path, encoding="ascii") as f:
            for line in f:
                if line.startswith(label):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _memory(pid: int) -> int:
    """PSS of one process in bytes (RSS if PSS is not readable), 0 if it is gone."""
    pss = _proc_kb(f"/proc/{pid}/smaps_rollup", "Pss:")
    if pss is not None:
        return pss
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def _high_water(pid: int) -> int:
    """The most resident memory one process has had (VmHWM), in bytes; 0 if it is gone.
    Not wait4's ru_maxrss: Linux carries the parent's high-water mark into a child
    across fork and exec, so every build reported the benchmark process's own size
    (308 MiB after the browser runs) where it was the larger."""
    return _proc_kb(f"/proc/{pid}/status", "VmHWM:") or 0


def _tree_memory(root: int, largest: dict[str, int] | None = None) -> int:
    """The process tree's PSS; ``largest["hwm"]`` raised to its largest process's VmHWM."""
    tree = _children()
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += _memory(pid)
        if largest is not None:
            largest["hwm"] = max(largest["hwm"], _high_water(pid))
        todo.extend(tree.get(pid, ()))
    return total


def sphinx_build(
    confdir: Path,
    srcdir: Path,
    outdir: Path,
    jobs: str = "1",
    *,
    log: Path | None = None,
    extra: tuple[str, ...] = (),
    python_args: tuple[str, ...] = (),
) -> Build:
    """Run ``python -m sphinx -b html`` in a subprocess and measure it."""
    log = log or outdir.with_name(outdir.name + ".log")
    log.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        *python_args,
        "-m",
        "sphinx",
        "-b",
        "html",
        "-j",
        jobs,
        "-c",
        str(confdir),
        *extra,
        str(srcdir),
        str(outdir),
    ]
    marks: dict[str, float] = {}
    lines: list[str] = []
    peak = {"pss": 0, "hwm": 0}
    done = threading.Event()
    start = time.perf_counter()
    with open(log.with_suffix(".err"), "w+", encoding="utf-8") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True, bufsize=1)

        def sample() -> None:
            while not done.wait(0.2):
                peak["pss"] = max(peak["pss"], _tree_memory(proc.pid, peak))

        def read() -> None:
            assert proc.stdout is not None
            for raw in proc.stdout:
                now = time.perf_counter() - start
                for line in raw.split("\r"):
                    lines.append(line.rstrip("\n"))
                    for phase, prefix in PHASES:
                        if prefix and phase not in marks and line.startswith(prefix):
                            marks[phase] = now

        sampler = threading.Thread(target=sample, daemon=True)
        reader = threading.Thread(target=read, daemon=True)
        sampler.start()
        reader.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        reader.join()
        sampler.join()
        err.seek(0)
        errors = err.read()
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if proc.returncode != 0:
        raise RuntimeError(
            f"sphinx-build failed ({proc.returncode}): {' '.join(cmd)}\n{errors[-3000:]}"
        )
    build = Build(
        seconds=seconds,
        maxrss=peak["hwm"],
        tree_pss=peak["pss"],
        warnings=sum(1 for line in errors.splitlines() if "WARNING" in line or "ERROR" in line),
        cpu=usage.ru_utime + usage.ru_stime,
        load=os.getloadavg()[0],
    )
    marks[PHASES[0][0]] = 0.0
    marks["end"] = seconds
    order = [p for p, _ in PHASES if p in marks]
    for a, b in zip(order, order[1:], strict=False):
        build.phases[a] = marks[b] - marks[a]
    for line in lines:
        m = INDEX_LINE.search(line)
        if m:
            build.index = m.group(0)
            if m.group(3):
                build.index_seconds = float(m.group(3))
                build.index_rebuilt = "rebuilt" in m.group(2)
            else:
                build.index_seconds, build.index_rebuilt = 0.0, False
    return build


def site_size(outdir: Path) -> dict[str, Any]:
    """Bytes and files of the built site, of its static search index (kb-search/) and
    its largest page; and of the Whoosh index, which the build keeps beside the site."""
    from equity_kb.search.layout import STATIC_DIRNAME, index_dir

    total = index = pages = files = 0
    largest = (0, "")
    for path in outdir.rglob("*"):
        if not path.is_file():
            continue
        size = path.stat().st_size
        total += size
        files += 1
        if STATIC_DIRNAME in path.relative_to(outdir).parts[:1]:
            index += size
        if path.suffix == ".html":
            pages += 1
            largest = max(largest, (size, str(path.relative_to(outdir))))
    whoosh = sum(p.stat().st_size for p in index_dir(outdir).rglob("*") if p.is_file())
    return {
        "bytes": total,
        "files": files,
        "index": index,
        "whoosh": whoosh,
        "pages": pages,
        "largest": largest,
    }


def profile_build(
    confdir: Path, srcdir: Path, outdir: Path, jobs: str = "1", top: int = 25
) -> list[tuple[str, int, float, float]]:
    """Build under cProfile; (function, calls, own s, cumulative s) of the ``equity_kb``
    functions and of the Sphinx and library functions they spend most in."""
    prof = outdir.with_name(outdir.name + ".prof")
    sphinx_build(confdir, srcdir, outdir, jobs, python_args=("-m", "cProfile", "-o", str(prof)))
    stats = pstats.Stats(str(prof))
    rows = []
    for (filename, line, name), (_, calls, own, cum, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = filename.split("site-packages/")[-1].split("/src/")[-1]
        rows.append((f"{where}:{line}({name})", calls, own, cum))
    rows.sort(key=lambda r: -r[3])
    ours = [r for r in rows if "equity_kb/" in r[0]][:top]
    others = [r for r in rows if "equity_kb/" not in r[0] and "<" not in r[0]][: top // 2]
    return ours + others


# -- the benchmark ----------------------------------------------------------------------


def scales() -> list[float]:
    raw = os.environ.get("EQUITY_KB_BENCH_SCALES", "")
    if not raw.strip():
        return list(DEFAULT_SCALES)
    return sorted(float(s) for s in raw.replace(" ", "").split(",") if s)


def measure(scale: float, log: Any = print) -> dict[str, Any]:
    """Every measurement at one scale (fresh sites, fresh build directories)."""
    root = WORK / f"{scale:g}x"
    discard(root)
    kb = corpus.write_site(root / "kb", scale)
    plain = corpus.write_plain(root / "plain", scale)
    site, psite = kb["dest"], plain["dest"]
    j1, jauto, pout = site / "_build" / "j1", site / "_build" / "auto", psite / "_build" / "j1"
    out: dict[str, Any] = {
        "scale": scale,
        "briefs": kb["briefs"],
        "cards": kb["cards"],
        "references": kb["references"],
        "entries": kb["entries"],
        "pages": kb["pages"],
    }

    def run(name: str, confdir: Path, outdir: Path, jobs: str) -> dict[str, Any]:
        b = sphinx_build(confdir, confdir / "docs", outdir, jobs)
        log(
            f"   {scale:g}x {name}: {b.seconds:.1f} s (CPU {b.cpu:.1f} s, load {b.load:.1f}), "
            f"peak {b.peak / 2**20:.0f} MiB, "
            f"{b.warnings} warnings{', ' + b.index if b.index else ''}"
        )
        out[name] = asdict(b)
        return out[name]

    run("clean_j1", site, j1, "1")
    run("clean_auto", site, jauto, "auto")
    out["site"] = site_size(j1)
    # -j auto and -j 1 are within a few percent of each other at 100x, and one clean
    # build varies by as much: CLEAN_RUNS of each, alternating; their times' median kept
    # (the first runs' outputs stay for the incremental builds and the memory figures).
    times = {"clean_j1": [out["clean_j1"]["seconds"]], "clean_auto": [out["clean_auto"]["seconds"]]}
    for n in range(2, CLEAN_RUNS + 1):
        for name, jobs in (("clean_j1", "1"), ("clean_auto", "auto")):
            again = j1.with_name(f"{j1.name}-{name}-{n}")
            b = sphinx_build(site, site / "docs", again, jobs)
            log(f"   {scale:g}x {name} (run {n}): {b.seconds:.1f} s (CPU {b.cpu:.1f} s)")
            times[name].append(b.seconds)
            discard(again)
            discard(again.with_name(again.name + "-state"))
    for name, seconds in times.items():
        out[name]["seconds"] = statistics.median(seconds)
        out[f"{name}_runs"] = seconds
    run("plain_clean_j1", psite, pout, "1")
    out["plain_site"] = site_size(pout)
    # A single incremental build varies by a fifth from run to run here: the same edit
    # is made EDIT_RUNS times, ours and plain Sphinx's alternating, and the median kept.
    runs: dict[str, list[dict[str, Any]]] = {"incr_brief": [], "plain_incr_brief": []}
    for n in range(1, EDIT_RUNS + 1):
        for name, spec, conf, outdir in (
            ("incr_brief", kb, site, j1),
            ("plain_incr_brief", plain, psite, pout),
        ):
            corpus.append_paragraph(spec["edit_brief"], n)
            runs[name].append(run(name, conf, outdir, "1"))
    for name, done in runs.items():
        out[name] = sorted(done, key=lambda b: b["seconds"])[len(done) // 2]
        out[f"{name}_runs"] = [b["seconds"] for b in done]
    corpus.change_annotation(kb["bib"], kb["edit_reference"])
    run("incr_ref", site, j1, "1")
    return out


AHEAD = re.compile(r"written ahead in ([0-9.]+) s")


def clean_index_time(build: dict[str, Any]) -> str:
    """The index's time on a clean build: its last step, and the references' part when
    that was written ahead by a process of its own, beside the rest of the build."""
    ahead = AHEAD.search(build.get("index") or "")
    seconds = build.get("index_seconds")
    if ahead:
        return f"{seconds} (+ {ahead.group(1)} written ahead, beside the build)"
    return f"{seconds}"


def _runs(seconds: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in seconds) + " s"


def checks(results: list[dict[str, Any]]) -> list[tuple[str, bool, str]]:
    """The issue's goals, at the largest scale measured (growth: the two largest)."""
    big = results[-1]
    tag = f"at {big['scale']:g}x"
    out = []
    ours, plain = big["incr_brief"]["seconds"], big["plain_incr_brief"]["seconds"]
    out.append(
        (
            f"incremental build after a one-brief edit within 1.5x of plain Sphinx's ({tag})",
            ours <= 1.5 * plain,
            f"{ours:.2f} s against {plain:.2f} s: {ours / plain:.2f}x (medians of "
            f"{len(big['incr_brief_runs'])} runs each, alternating; ours "
            f"{_runs(big['incr_brief_runs'])}, plain {_runs(big['plain_incr_brief_runs'])})",
        )
    )
    ib = big["incr_brief"]
    ok = ib["index_rebuilt"] is False and (ib["index_seconds"] or 0) < 2.0
    out.append(
        (
            f"search index updated, not rebuilt, in under 2 s after that edit ({tag})",
            ok,
            f"`{ib['index'] or 'no search index line'}`",
        )
    )
    if len(results) >= 2:
        a, b = results[-2], results[-1]
        t = b["clean_j1"]["seconds"] / a["clean_j1"]["seconds"]
        s = b["entries"] / a["entries"]
        out.append(
            (
                f"clean-build growth {a['scale']:g}x -> {b['scale']:g}x at most 1.2 x the growth "
                "in size (-j 1)",
                t <= 1.2 * s,
                f"time x{t:.2f} ({a['clean_j1']['seconds']:.1f} -> "
                f"{b['clean_j1']['seconds']:.1f} s) against entries x{s:.2f} "
                f"({a['entries']:,} -> {b['entries']:,}); limit x{1.2 * s:.2f}",
            )
        )
    j1, ja = big["clean_j1"]["seconds"], big["clean_auto"]["seconds"]
    out.append(
        (
            f"clean build with -j auto faster than with -j 1 ({tag}, {os.cpu_count()} cores)",
            ja < j1,
            f"{ja:.1f} s against {j1:.1f} s ({j1 / ja:.2f}x; medians of "
            f"{len(big.get('clean_auto_runs', [ja]))} runs each, alternating: -j auto "
            f"{_runs(big.get('clean_auto_runs', [ja]))}, "
            f"-j 1 {_runs(big.get('clean_j1_runs', [j1]))})",
        )
    )
    kinds = ("clean_j1", "clean_auto", "incr_brief", "incr_ref")
    peak_kind = max(
        ((r, k) for r in results for k in kinds), key=lambda rk: Build(**rk[0][rk[1]]).peak
    )
    peak = Build(**peak_kind[0][peak_kind[1]])
    out.append(
        (
            "peak memory under 2 GiB (every build of ours, every scale)",
            peak.peak < 2 * GIB,
            f"{peak.peak / 2**20:,.0f} MiB ({peak_kind[1]} at {peak_kind[0]['scale']:g}x; "
            f"largest process {peak.maxrss / 2**20:,.0f} MiB, process tree PSS "
            f"{peak.tree_pss / 2**20:,.0f} MiB)",
        )
    )
    return out


def plot(results: list[dict[str, Any]], path: Path = PLOT) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    x = [r["entries"] for r in results]
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    series = [
        ("clean_j1", "ours: clean, -j 1", "o-"),
        ("clean_auto", "ours: clean, -j auto", "s-"),
        ("incr_brief", "ours: incremental, one brief edited", "^-"),
        ("incr_ref", "ours: incremental, one reference edited", "v-"),
        ("plain_clean_j1", "plain Sphinx: clean, -j 1", "o--"),
        ("plain_incr_brief", "plain Sphinx: incremental, one brief edited", "^--"),
    ]
    for key, label, style in series:
        ax.plot(x, [r[key]["seconds"] for r in results], style, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("entries (briefs + practice cards + references)")
    ax.set_ylabel("build time (s)")
    ax.set_title("Equity KB build time against size (log-log)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    for r in results:
        ax.annotate(f"{r['scale']:g}x", (r["entries"], r["clean_j1"]["seconds"]), fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f}"


def report(results: list[dict[str, Any]], plotted: bool) -> str:
    head = "| | " + " | ".join(f"{r['scale']:g}x" for r in results) + " |"
    rule = "|---|" + "---:|" * len(results)

    def row(label: str, fn: Any) -> str:
        return f"| {label} | " + " | ".join(fn(r) for r in results) + " |"

    def sec(key: str) -> Any:
        return lambda r: f"{r[key]['seconds']:.2f}"

    lines = [
        "## Scale: 1x, 10x and 100x the shipped site, against plain Sphinx",
        "",
        "Synthetic sites from `benchmarks/corpus.py` (`write_site`, `write_plain`): briefs of "
        "600-1,200 words with 5-15 citations, cards of 250-450 words with 1-4 evidence keys, "
        "references with 1-6 authors and 40-120-word annotations; the home and section pages "
        "as shipped. Plain Sphinx builds the same pages with furo, MyST and sphinx-design. "
        "Every build is its own subprocess; incremental builds use `-j 1`.",
        "",
        head,
        rule,
        row(
            "entries (briefs / cards / references)",
            lambda r: f"{r['entries']:,} ({r['briefs']:,} / {r['cards']:,} / {r['references']:,})",
        ),
        row("source pages", lambda r: f"{r['pages']:,}"),
        row(f"clean build, -j 1 (s, median of {CLEAN_RUNS})", sec("clean_j1")),
        row(f"clean build, -j auto (s, median of {CLEAN_RUNS})", sec("clean_auto")),
        row("plain Sphinx clean build, -j 1 (s)", sec("plain_clean_j1")),
        row(
            "ours / plain, clean -j 1",
            lambda r: f"{r['clean_j1']['seconds'] / r['plain_clean_j1']['seconds']:.2f}x",
        ),
        row("search index on the clean build (s)", lambda r: clean_index_time(r["clean_j1"])),
        row(f"incremental, one brief edited (s, median of {EDIT_RUNS})", sec("incr_brief")),
        row(
            f"plain Sphinx incremental, same edit (s, median of {EDIT_RUNS})",
            sec("plain_incr_brief"),
        ),
        row(
            "ours / plain, incremental",
            lambda r: f"{r['incr_brief']['seconds'] / r['plain_incr_brief']['seconds']:.2f}x",
        ),
        row(
            "search index update after that edit (s)",
            lambda r: (
                f"{r['incr_brief']['index_seconds']}"
                + (" (rebuilt)" if r["incr_brief"]["index_rebuilt"] else "")
            ),
        ),
        row("incremental, one reference's annotation edited (s)", sec("incr_ref")),
        row(
            "search index update after that edit (s)",
            lambda r: (
                f"{r['incr_ref']['index_seconds']}"
                + (" (rebuilt)" if r["incr_ref"]["index_rebuilt"] else "")
            ),
        ),
        row(
            "peak memory, clean -j 1: largest process / process tree (MiB)",
            lambda r: (
                f"{r['clean_j1']['maxrss'] / 2**20:.0f} / {r['clean_j1']['tree_pss'] / 2**20:.0f}"
            ),
        ),
        row(
            "peak memory, clean -j auto: largest process / process tree (MiB)",
            lambda r: (
                f"{r['clean_auto']['maxrss'] / 2**20:.0f} / "
                f"{r['clean_auto']['tree_pss'] / 2**20:.0f}"
            ),
        ),
        row(
            "peak memory, plain Sphinx clean -j 1 (MiB)",
            lambda r: f"{Build(**r['plain_clean_j1']).peak / 2**20:.0f}",
        ),
        row("built site (MB)", lambda r: _mb(r["site"]["bytes"])),
        row("built site (files)", lambda r: f"{r['site'].get('files', 0):,}"),
        row("of which the static search index (MB)", lambda r: _mb(r["site"]["index"])),
        row("Whoosh index, beside the site (MB)", lambda r: _mb(r["site"].get("whoosh", 0))),
        row("plain Sphinx's built site (MB)", lambda r: _mb(r["plain_site"]["bytes"])),
        row("HTML pages", lambda r: f"{r['site']['pages']:,}"),
        row(
            "largest HTML page (KB)",
            lambda r: f"{r['site']['largest'][0] / 1e3:.0f} (`{r['site']['largest'][1]}`)",
        ),
        row(
            "warnings (all builds of ours)",
            lambda r: str(
                sum(r[k]["warnings"] for k in ("clean_j1", "clean_auto", "incr_brief", "incr_ref"))
            ),
        ),
        "",
    ]
    big = results[-1]
    columns = ("clean_j1", "plain_clean_j1", "incr_brief", "plain_incr_brief", "incr_ref")
    phases = [(k, big[k]["phases"]) for k in columns]
    names = [p for p, _ in PHASES if p not in ("end",)]
    lines += [
        f"Where the time goes at {big['scale']:g}x (s, from the time each phase's first "
        "status line appeared):",
        "",
        "| phase | " + " | ".join(k for k, _ in phases) + " |",
        "|---|" + "---:|" * len(phases),
    ]
    for name in names:
        cells = [f"{p[name]:.2f}" if name in p else "" for _, p in phases]
        if any(cells):
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", 'Checks (issue "Scale"):', ""]
    for label, ok, detail in checks(results):
        lines.append(f"- **{'PASS' if ok else 'FAIL'}** {label}: {detail}")
    if plotted:
        lines += ["", "![Build time against entries](scale.png)"]
    return "\n".join(lines) + "\n"


def profile_section(result: dict[str, Any]) -> str:
    """cProfile of the largest scale's clean -j 1 and one-brief incremental builds."""
    scale = result["scale"]
    root = WORK / f"{scale:g}x" / "profile"
    discard(root)
    kb = corpus.write_site(root, scale)
    site = kb["dest"]
    out = site / "_build" / "j1"
    parts = [f"### Profile at {scale:g}x (cProfile, -j 1; cumulative seconds)", ""]
    clean = profile_build(site, site / "docs", out)
    corpus.append_paragraph(kb["edit_brief"])
    incremental = profile_build(site, site / "docs", out)
    for label, rows in (("clean build", clean), ("incremental, one brief edited", incremental)):
        parts += [f"{label}:", "", "| function | calls | own s | cumulative s |"]
        parts.append("|---|---:|---:|---:|")
        parts += [f"| `{f}` | {n:,} | {own:.2f} | {cum:.2f} |" for f, n, own, cum in rows]
        parts.append("")
    return "\n".join(parts)


def run() -> str:
    WORK.mkdir(parents=True, exist_ok=True)
    results = []
    for scale in scales():
        results.append(measure(scale))
        (WORK / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    plotted = plot(results)
    text = report(results, plotted)
    if os.environ.get("EQUITY_KB_BENCH_PROFILE"):
        text += "\n" + profile_section(results[-1])
    return text


if __name__ == "__main__":
    if sys.argv[1:] == ["--report"]:  # render again from the last run's figures
        saved = json.loads((WORK / "results.json").read_text(encoding="utf-8"))
        print(report(saved, plot(saved)))
    else:
        print(run())
