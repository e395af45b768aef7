"""Where a clean build's time goes (issue 30's first step): each build in its own
subprocess, with Sphinx's event manager timed, split into phases:

- start-up: from the process's start to ``builder-inited`` (imports, conf.py, extensions);
- builder-inited: its handlers (ours load the vocabulary and the bibliography);
- reading: the documents read (``env-before-read-docs`` to ``env-updated``);
- env-updated: its handlers (ours format the cards' citations);
- writing: the pages written (to ``build-finished``), generated pages included;
- build-finished: its handlers (ours write both search indexes and the exports).

Cases, ours and the anchor side by side in one run: the shipped docs against plain
Sphinx on the same pages (bench_build's conf), and 10,000 references against
sphinxcontrib-bibtex (bench_bibbuild's two sites over one synthetic .bib).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

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


def timed_build(src: Path, out: Path, conf_dir: Path) -> dict[str, float]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        report = Path(f.name)
    args = [sys.executable, "-c", TIMER, str(report), "-q", "-E", "-j", "1"]
    args += ["-c", str(conf_dir), str(src), str(out)]
    subprocess.run(args, check=True, stderr=subprocess.DEVNULL, cwd=conf_dir)
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


def run() -> str:
    import bench_bibbuild
    import bench_build

    lines = ["## Where a clean build's time goes (seconds, -j 1)", ""]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shipped: dict[str, dict[str, float]] = {}
        vocabulary = ROOT / "docs" / "vocabulary.yml"
        confs = {
            "ours": bench_build.kb_conf(str(vocabulary), str(ROOT / "bib" / "*.bib")),
            "plain Sphinx": bench_build.PLAIN_CONF,
        }
        for name, conf in confs.items():
            conf_dir = work / f"conf-{len(shipped)}"
            conf_dir.mkdir()
            (conf_dir / "conf.py").write_text(conf, encoding="utf-8")
            src = work / f"src-{len(shipped)}"
            shutil.copytree(ROOT / "docs", src)
            shipped[name] = timed_build(src, work / f"out-{len(shipped)}", conf_dir)
        lines += table("The shipped docs", shipped)
        sites = bench_bibbuild.write_sites(work / "bib10k", 10_000)
        refs = {}
        for name, key in (("ours", "ours"), ("sphinxcontrib-bibtex", "theirs")):
            site = sites[key]
            refs[name] = timed_build(site / "docs", site / "_build" / "html", site)
        lines += table("10,000 references", refs)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
