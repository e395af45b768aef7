"""Where a clean build's time goes (issue 30's first step): each build in its own
subprocess, with Sphinx's event manager timed, split into phases:

- start-up: from the process's start to ``builder-inited`` (imports, conf.py, extensions);
- builder-inited: its handlers (ours load the vocabulary and the bibliography);
- reading: the documents read (``env-before-read-docs`` to ``env-updated``);
- env-updated: its handlers (ours format the cards' citations);
- writing: the pages written (to ``build-finished``), generated pages included;
- build-finished: its handlers (ours write both search indexes and the exports).

Cases, ours and the anchor side by side in one run: the shipped docs against plain
Sphinx on the same pages (bench_build's conf), and 1,000 and 10,000 references against
sphinxcontrib-bibtex (bench_bibbuild's two sites over one synthetic .bib). "Before" is
the extension as it was when issue 30 was taken up (``BEFORE``, a commit of this
repository, checked out into a temporary worktree and imported in place of ``src``),
built in the same run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from workdirs import scratch  # noqa: E402

TIMER = r"""
import json, sys, time
START = time.perf_counter()
from sphinx import events
spent, first, last = {}, {}, {}
emit = events.EventManager.emit
def timed(self, name, *args, **kwargs):
    t = time.perf_counter()
    first.setdefault(name, t - START)
    try:
        return emit(self, name, *args, **kwargs)
    finally:
        spent[name] = spent.get(name, 0.0) + time.perf_counter() - t
        last[name] = time.perf_counter() - START
events.EventManager.emit = timed
from sphinx.cmd.build import main
code = main(sys.argv[2:])
end = time.perf_counter() - START
json.dump({"code": code, "end": end, "spent": spent, "first": first, "last": last},
          open(sys.argv[1], "w"))
"""

# The last commit before issue 30's work.
BEFORE = "3c0b9bb"

PHASES = ("start-up", "builder-inited", "reading", "env-updated", "writing", "build-finished")


def phases(record: dict) -> dict[str, float]:
    first, last, spent = record["first"], record["last"], record["spent"]
    read_start = first.get("env-before-read-docs", last["builder-inited"])
    read_end = first.get("env-updated", read_start)
    write_end = first.get("build-finished", record["end"])
    return {
        "start-up": first["builder-inited"],
        "builder-inited": spent.get("builder-inited", 0.0),
        "reading": read_end - read_start,
        "env-updated": spent.get("env-updated", 0.0),
        "writing": write_end - last.get("env-updated", read_end),
        "build-finished": spent.get("build-finished", 0.0),
        "total": record["end"],
    }


def timed_build(src: Path, out: Path, conf_dir: Path, code: Path | None = None) -> dict[str, float]:
    """A clean build's phases; ``code``: a checkout whose ``src`` is imported instead."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        report = Path(f.name)
    args = [sys.executable, "-c", TIMER, str(report), "-q", "-E", "-j", "1"]
    args += ["-c", str(conf_dir), str(src), str(out)]
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(code / "src"), env.get("PYTHONPATH")])
        )
        # Its checkout has no tools/pagefind: the same Pagefind as now.
        from equity_kb.search.pagefind_binary import pagefind_binary

        env.setdefault("PAGEFIND_BINARY_PATH", str(pagefind_binary().path))
    subprocess.run(args, check=True, stderr=subprocess.DEVNULL, cwd=conf_dir, env=env)
    record = json.loads(report.read_text())
    report.unlink()
    return phases(record)


def table(title: str, rows: dict[str, dict[str, float]]) -> list[str]:
    names = list(rows)
    lines = [f"### {title}", "", "| phase | " + " | ".join(names) + " |"]
    lines.append("| --- |" + " --- |" * len(names))
    for phase in (*PHASES, "total"):
        lines.append(f"| {phase} | " + " | ".join(f"{rows[n][phase]:.2f}" for n in names) + " |")
    return [*lines, ""]


def before_checkout(work: Path) -> Path | None:
    """``BEFORE`` checked out into ``work`` (None where git or the commit is missing)."""
    target = work / "before"
    done = subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(target), BEFORE],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        return None
    # Its bytecode, as ours has it (make bench compiles src first).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(target / "src")], check=False)
    return target


def run() -> str:
    import bench_bibbuild
    import bench_build

    lines = ["## Where a clean build's time goes (seconds, -j 1)", ""]
    with scratch() as tmp:
        work = Path(tmp)
        before = before_checkout(work)
        try:
            lines += _cases(work, before, bench_bibbuild, bench_build)
        finally:
            if before is not None:
                subprocess.run(
                    ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(before)],
                    capture_output=True,
                    check=False,
                )
    note = f"`{BEFORE}`, built in the same run" if before else "(not measured: no git checkout)"
    lines += [f'"ours before": the extension at {note}.', ""]
    return "\n".join(lines) + "\n"


def _cases(work: Path, before: Path | None, bench_bibbuild: Any, bench_build: Any) -> list[str]:
    lines: list[str] = []
    vocabulary = ROOT / "docs" / "vocabulary.yml"
    confs = {
        "ours": bench_build.kb_conf(str(vocabulary), str(ROOT / "bib" / "*.bib")),
        "plain Sphinx": bench_build.PLAIN_CONF,
    }
    shipped: dict[str, dict[str, float]] = {}
    for n, (name, conf) in enumerate(confs.items()):
        conf_dir = work / f"conf-{n}"
        conf_dir.mkdir()
        (conf_dir / "conf.py").write_text(conf, encoding="utf-8")
        src = work / f"src-{n}"
        shutil.copytree(ROOT / "docs", src)
        shipped[name] = timed_build(src, work / f"out-{n}", conf_dir)
        if name == "ours" and before is not None:
            shipped["ours before"] = timed_build(src, work / "out-before", conf_dir, before)
    lines += table("The shipped docs", _ordered(shipped))
    if before is not None:
        lines += [same_output(work / "out-before", work / "out-0"), ""]
    for size in (1_000, 10_000):
        sites = bench_bibbuild.write_sites(work / f"bib{size}", size)
        refs = {
            "ours": timed_build(
                sites["ours"] / "docs", sites["ours"] / "_build" / "html", sites["ours"]
            )
        }
        if before is not None:
            out = sites["ours"] / "_build" / "before"
            refs["ours before"] = timed_build(sites["ours"] / "docs", out, sites["ours"], before)
        site = sites["theirs"]
        refs["sphinxcontrib-bibtex"] = timed_build(site / "docs", site / "_build" / "html", site)
        lines += table(f"{size:,} references", _ordered(refs))
        if before is not None:
            built = sites["ours"] / "_build"
            lines += [same_output(built / "before", built / "html"), ""]
    return lines


def same_output(before: Path, now: Path) -> str:
    """Issue 30's "nothing skipped": the two sites file for file. The static index is
    compared by what it holds: each entry's Pagefind fragment (what a result shows), in
    whichever of its bundles (one, or several parts) it is; the term data as data, each
    row's page named by its entry; ``delta.json`` but for its list of parts. The Whoosh
    indexes (whose segment names are random) by every document's digest."""
    import gzip
    import json

    static = Path("kb-search")
    kept_whole = {static / "words.json"}

    def in_static(f: Path) -> bool:
        return static in f.parents and f not in kept_whole

    files = sorted(p.relative_to(before) for p in before.rglob("*") if p.is_file())
    files_now = sorted(p.relative_to(now) for p in now.rglob("*") if p.is_file())
    plain = [f for f in files if not in_static(f)]
    differ = [
        str(f)
        for f in plain
        if not (now / f).is_file() or (now / f).read_bytes() != (before / f).read_bytes()
    ]
    extra = [str(f) for f in files_now if not in_static(f) and not (before / f).is_file()]
    # A page that loads a script whose code changed names it by its digest (?v=...):
    # such a page differs by that digest alone.
    scripts = [f for f in differ if f.startswith("_static/") and f.endswith(".js")]

    def by_digest_only(name: str) -> bool:
        if not name.endswith(".html") or not (now / name).is_file():
            return False
        strip = re.compile(rb"\?v=[0-9a-f]+")
        return strip.sub(b"", (now / name).read_bytes()) == strip.sub(
            b"", (before / name).read_bytes()
        )

    linking = [f for f in differ if by_digest_only(f)]
    differ = [f for f in differ if f not in linking and f not in scripts]

    def fragments(site: Path) -> dict[str, tuple[str, dict]]:
        """Page id (with its part's folder) -> (entry key, fragment), over every part."""
        out = {}
        for path in (site / static).glob("**/fragment/*.pf_fragment"):
            folder = path.parent.parent.relative_to(site / static).as_posix()
            if folder == "delta":
                continue  # a clean build has none
            data = json.loads(gzip.decompress(path.read_bytes()).removeprefix(b"pagefind_dcd"))
            page = ("" if folder == "." else folder + "/") + path.stem
            out[page] = (str((data.get("meta") or {}).get("key", "")), data)
        return out

    def static_index(site: Path) -> tuple[dict, dict, dict, dict]:
        frags = fragments(site)
        terms = site / static / "terms"
        pages = json.loads((terms / "pages.json").read_text(encoding="utf-8"))
        shards = {f.stem: json.loads(f.read_bytes()) for f in (terms / pages["gen"]).glob("*.json")}
        rows = [frags[i][0] for i in pages.pop("ids")]
        index = {k: v for k, v in pages.items() if k not in ("gen", "from", "version", "delta")}
        delta = json.loads((site / static / "delta.json").read_text(encoding="utf-8"))
        delta.pop("parts", None)
        return {k: d for k, d in frags.values()}, {"rows": rows, **index}, shards, delta

    was, is_now = static_index(before), static_index(now)
    same_records = was[0] == is_now[0]
    same_terms = was[1:3] == is_now[1:3]
    same_delta = was[3] == is_now[3]
    parts = sorted(
        {p.parent.parent.name for p in (now / static).glob("part-*/fragment/*.pf_fragment")}
    )
    from equity_kb.search.generations import current_generation, read_manifest
    from equity_kb.search.layout import index_dir

    def digests(site: Path) -> dict:
        gen = current_generation(index_dir(site))
        return read_manifest(gen)["docs"] if gen else {}

    same_index = digests(before) == digests(now) != {}
    ok = not differ and not extra and same_records and same_terms and same_delta and same_index
    odd = f" (differ: {', '.join(differ[:5])})" if differ else ""
    odd += f"; new: {', '.join(extra[:5])}" if extra else ""
    if scripts:
        odd += f"; scripts whose code changed: {', '.join(scripts)}"
        odd += f", and {len(linking)} pages that differ only by their digest" if linking else ""
    split = f", now in {len(parts) + 1} bundles" if parts else ""
    return (
        f"Same output as before: **{'yes' if ok else 'NO'}**: "
        f"{len(plain) - len(differ) - len(scripts) - len(linking)} of "
        f"{len(plain)} files outside the static index byte for byte{odd}; the static index's "
        f"{len(is_now[0]):,} entries' Pagefind fragments "
        f"{'the same' if same_records else 'DIFFERENT'}{split}; its term data "
        f"{'the same' if same_terms else 'DIFFERENT'} as data (rows by entry); delta.json "
        f"{'the same' if same_delta else 'DIFFERENT'} but for its parts; the Whoosh index "
        f"{'the same' if same_index else 'DIFFERENT'} ({len(digests(now)):,} documents by digest)."
    )


def _ordered(rows: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    order = ["ours before", "ours"]
    return {
        k: rows[k] for k in [*[o for o in order if o in rows], *[k for k in rows if k not in order]]
    }


if __name__ == "__main__":
    print(run())
