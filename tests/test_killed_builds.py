"""Builds that die, and builds that race: a real ``sphinx-build`` subprocess SIGKILLed at
a point the test chooses (core/faults.py) while a real ``equity-kb serve`` answers
queries throughout; then a normal build repairs everything, with no manual cleanup.
Two builds started at once on one output: the second waits, and neither corrupts it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from test_service_public import start_service, stop

from equity_kb.search.generations import current_generation
from equity_kb.search.layout import index_dir, state_dir

ROOT = Path(__file__).parent / "roots" / "test-kb"
POINTS = ["search-index", "static-index", "exports", "page:practices/PC-002"]


def sphinx(src: Path, out: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "KB_PUBLISH": "0", **env}
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", str(src), str(out)],
        capture_output=True,
        text=True,
        env=environ,
        timeout=300,
    )


class Queries(threading.Thread):
    """Asks the service one query after another until stopped; counts what failed."""

    def __init__(self, base: str):
        super().__init__(daemon=True)
        self.base, self.done, self.failed, self.asked = base, threading.Event(), [], 0
        self.generations: set[str] = set()

    def run(self) -> None:
        with httpx.Client(timeout=10) as client:
            while not self.done.is_set():
                try:
                    r = client.get(self.base + "/api/search", params={"q": "equity"})
                    body = r.json()
                    if r.status_code != 200 or body["total"] < 1:
                        self.failed.append((r.status_code, r.text[:200]))
                    self.generations.add(body.get("generation", ""))
                except (httpx.HTTPError, ValueError, KeyError) as err:
                    self.failed.append(repr(err))
                self.asked += 1


def pages_ok(out: Path) -> list[str]:
    """Pages that are not whole HTML documents (a torn write)."""
    bad = []
    for page in out.rglob("*.html"):
        if page.parent.name == "kb-print":
            continue  # the print pack's card fragments: parts of pages, written by rename
        text = page.read_text(encoding="utf-8", errors="replace")
        if not text.rstrip().endswith("</html>"):
            bad.append(str(page.relative_to(out)))
    return bad


@pytest.mark.parametrize("point", POINTS)
def test_a_killed_build_leaves_the_service_answering_and_the_next_repairs(
    point: str, tmp_path: Path
) -> None:
    src = tmp_path / "kb"
    shutil.copytree(ROOT, src)
    out = tmp_path / "html"
    first = sphinx(src, out)
    assert first.returncode == 0, first.stderr
    good = current_generation(index_dir(out))
    service = start_service(out, index_dir(out), tmp_path)
    queries = Queries(service.base)
    queries.start()
    try:
        # An edit every index and page must show, then a build killed on the way.
        card = src / "practices" / "PC-002.md"
        card.write_text(card.read_text().replace("summary:", "summary: Zanzibarian.", 1))
        bib = src / "refs" / "refs.bib"
        bib.write_text(bib.read_text().replace("{Frames equity", "{Zanzibarian. Frames equity", 1))
        killed = sphinx(src, out, EQUITY_KB_KILL_AT=point)
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        assert (state_dir(out) / "build.unfinished").exists()
        # What the service reads was never half written: the last good generation, or a
        # new one published whole before the kill (the static index is written beside it).
        now = current_generation(index_dir(out))
        assert now is not None and (now / "manifest.json").is_file()
        if point == "search-index":
            assert now == good
        if point.startswith("page:"):  # and a page torn as a kill mid-write leaves it
            torn = out / "practices" / "PC-001.html"
            torn.write_text(torn.read_text()[:500])
        repaired = sphinx(src, out)
        assert repaired.returncode == 0, repaired.stderr
        time.sleep(0.5)  # a few more queries on the new generation
    finally:
        queries.done.set()
        queries.join(timeout=30)
        stop(service)
    assert not queries.is_alive()
    assert queries.asked > 10 and queries.failed == []
    assert not (state_dir(out) / "build.unfinished").exists()
    assert current_generation(index_dir(out)) != good
    assert pages_ok(out) == []
    page = BeautifulSoup((out / "practices" / "PC-002.html").read_text(), "html.parser")
    assert "Zanzibarian" in page.get_text()
    for leftover in [*state_dir(out).rglob("*.tmp"), *out.rglob("*.tmp"), *out.rglob("*.old")]:
        pytest.fail(f"a temporary file of the dead build was left: {leftover}")
    from equity_kb.search.static_index import read_records

    records = read_records(out) or {}
    # The static index's records have the edit too.
    assert any("Zanzibarian" in r["content"] for r in records.values())
    # The bibliography's exports have the edited reference too.
    from equity_kb.sphinxext.bibliography.references import BIB_DIR, EXPORTS

    for name in EXPORTS.values():
        assert "Zanzibarian" in (out / BIB_DIR / name).read_text(encoding="utf-8"), name


def test_two_builds_at_once_wait_for_each_other(tmp_path: Path) -> None:
    src = tmp_path / "kb"
    shutil.copytree(ROOT, src)
    out = tmp_path / "html"
    environ = {**os.environ, "KB_PUBLISH": "0"}
    argv = [sys.executable, "-m", "sphinx", str(src), str(out)]
    a = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environ
    )
    time.sleep(0.3)
    b = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environ
    )
    out_a, _ = a.communicate(timeout=300)
    out_b, _ = b.communicate(timeout=300)
    assert (a.returncode, b.returncode) == (0, 0), out_a + out_b
    said = out_a + out_b
    assert "another build is writing" in said and "waiting for it to finish" in said
    assert pages_ok(out) == []
    assert not (state_dir(out) / "build.unfinished").exists()


def test_a_build_that_waits_too_long_stops_and_says_why(tmp_path: Path) -> None:
    src = tmp_path / "kb"
    shutil.copytree(ROOT, src)
    out = tmp_path / "html"
    state_dir(out).mkdir(parents=True)
    import fcntl

    with open(state_dir(out) / "build.lock", "a+") as holder:
        fcntl.flock(holder.fileno(), fcntl.LOCK_EX)
        holder.write("pid 12345, started just now\n")
        holder.flush()
        run = sphinx(src, out, KB_BUILD_WAIT="1")
    assert run.returncode != 0
    # Sphinx's report of an error that stops a build, with this project's reason.
    assert "Another build is running!" in run.stderr
    assert "another build is still writing" in run.stderr and "pid 12345" in run.stderr
    assert not out.exists() or not list(out.rglob("*.html"))
