"""`make bench`: run every benchmark section in one run and write benchmarks/results.md.

Each section module has ``run() -> str`` returning Markdown; figures compared within a
section (ours against a baseline) are measured side by side in that same run.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
SECTIONS = [
    "bench_build",
    "bench_bibtex",
    "bench_styles",
    "bench_citeproc",
    "bench_bibbuild",
    "bench_check",
    "bench_search",
    "bench_serve",
    "bench_static",
    "bench_static_scales",
    "bench_scale",
    "bench_scbibtex_roots",
    "bench_builders",
    "bench_phases",
]


def _first_line(path: str, prefix: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return next((line for line in f if line.startswith(prefix)), "")
    except OSError:
        return ""


def machine() -> str:
    mem = _first_line("/proc/meminfo", "MemTotal").split()
    ram = f", {int(mem[1]) / 1024 / 1024:.0f} GiB RAM" if len(mem) > 1 else ""
    cpu = _first_line("/proc/cpuinfo", "model name").partition(":")[2].strip()
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores{ram}"
        f"{', ' + cpu if cpu else ''}; Python {platform.python_version()}"
    )


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(HERE))
    only = argv[1:] or SECTIONS
    parts = [
        "# Benchmark results\n",
        f"Measured by `make bench` on {dt.date.today().isoformat()}: {machine()}.\n",
    ]
    for name in only:
        start = time.perf_counter()
        print(f"== {name}", flush=True)
        section = importlib.import_module(name).run()
        parts.append(section.rstrip() + "\n")
        print(section, flush=True)
        print(f"   ({time.perf_counter() - start:.0f} s)", flush=True)
    (HERE / "results.md").write_text("\n".join(parts), encoding="utf-8")
    from workdirs import delete_discarded

    delete_discarded()  # the folders put aside while it ran (workdirs.discard)
    print(f"wrote {HERE / 'results.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
