"""A full disk or a read-only output: one clear message naming the path, no traceback
of ours, and the previous index generation still in service.

A full disk is real: a small tmpfs in a user and mount namespace (``unshare -rm``, run
by tests/disk_full_driver.py). Read-only is real too: ``chattr +i`` (an immutable folder
refuses new files even to root, as the tests run here)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_killed_builds import sphinx
from test_service_public import start_service, stop

from equity_kb.search.generations import current_generation
from equity_kb.search.layout import index_dir

HERE = Path(__file__).parent
ROOT = HERE / "roots" / "test-kb"


def can(*argv: str) -> bool:
    try:
        return subprocess.run(argv, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def full_disk(tmp_path: Path, slack: int) -> dict:
    disk = tmp_path / "disk"
    disk.mkdir()
    run = subprocess.run(
        [
            "unshare",
            "-rm",
            sys.executable,
            str(HERE / "disk_full_driver.py"),
            str(ROOT),
            str(disk),
            str(slack),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout)


needs_namespace = pytest.mark.skipif(
    not can("unshare", "-rm", "true"), reason="needs user namespaces (unshare -rm) for a tmpfs"
)


@needs_namespace
def test_a_disk_that_fills_during_the_build(tmp_path: Path) -> None:
    seen = full_disk(tmp_path, slack=200_000)
    assert seen["first"] == 0
    full = seen["full"]
    assert full["code"] == 1
    errors = [line for line in full["stderr"].splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1, full["stderr"]
    assert "cannot write the search index at /" in errors[0]
    assert "html-state" in errors[0] and "No space left on device" in errors[0]
    assert "Traceback" not in full["stderr"]
    # The service answered throughout, from a whole generation, and the next build,
    # with room again, finishes.
    assert seen["during"]["status"] == 200 and seen["during"]["total"] == seen["before"]["total"]
    assert seen["again"] == {"code": 0, "stderr": ""}
    assert seen["after"]["status"] == 200


@needs_namespace
def test_a_full_disk_stops_the_build_before_it_changes_anything(tmp_path: Path) -> None:
    seen = full_disk(tmp_path, slack=0)
    full = seen["full"]
    assert full["code"] == 2
    assert "Cannot write the site!" in full["stderr"]
    assert "No space left on device. Nothing was changed" in full["stderr"]
    assert seen["current_during"] == seen["before"]["gen"] == seen["during"]["gen"]
    assert seen["again"]["code"] == 0


@pytest.fixture
def immutable(tmp_path: Path) -> Iterator[list[Path]]:
    """Paths the test makes immutable (``chattr +i``), made mutable again afterwards."""
    probe = tmp_path / "probe"
    probe.write_text("x")
    if not can("chattr", "+i", str(probe)):
        pytest.skip("needs chattr +i (an immutable file) on this file system")
    can("chattr", "-i", str(probe))
    paths: list[Path] = []
    yield paths
    for path in paths:
        can("chattr", "-i", str(path))


def freeze(paths: list[Path], *targets: Path) -> None:
    for target in targets:
        assert can("chattr", "+i", str(target)), target
        paths.append(target)


def test_a_read_only_site_folder_stops_the_build_naming_it(tmp_path: Path, immutable) -> None:
    src = tmp_path / "kb"
    shutil.copytree(ROOT, src)
    out = tmp_path / "html"
    assert sphinx(src, out).returncode == 0
    before = {p: p.read_bytes() for p in out.rglob("*.html")}
    freeze(immutable, out)
    run = sphinx(src, out)
    assert run.returncode == 2
    assert f"cannot write to {out}: Operation not permitted. Nothing was changed" in run.stderr
    assert {p: p.read_bytes() for p in out.rglob("*.html")} == before


def test_a_read_only_index_keeps_the_last_generation_in_service(tmp_path: Path, immutable) -> None:
    src = tmp_path / "kb"
    shutil.copytree(ROOT, src)
    out = tmp_path / "html"
    assert sphinx(src, out).returncode == 0
    good = current_generation(index_dir(out))
    service = start_service(out, index_dir(out), tmp_path)
    try:
        card = src / "practices" / "PC-002.md"
        card.write_text(card.read_text().replace("summary:", "summary: Zanzibarian.", 1))
        freeze(immutable, index_dir(out))
        run = sphinx(src, out)
        assert run.returncode == 1
        errors = [line for line in run.stderr.splitlines() if "ERROR" in line]
        assert len(errors) == 1, run.stderr
        assert f"cannot write the search index at {index_dir(out)}/" in errors[0]
        assert f"goes on answering from {good.name}" in errors[0]
        assert current_generation(index_dir(out)) == good
        answer = service.get("/api/search", params={"q": "equity"}).json()
        assert answer["generation"] == good.name and answer["total"] >= 1
        # Writable again: the next build publishes, and the service follows.
        can("chattr", "-i", str(index_dir(out)))
        assert sphinx(src, out).returncode == 0
        assert current_generation(index_dir(out)) != good
        answer = service.get("/api/search", params={"q": "Zanzibarian"}).json()
        assert answer["total"] == 1
    finally:
        stop(service)


def test_pages_that_cannot_be_written_are_said_once(tmp_path: Path, immutable) -> None:
    src = tmp_path / "kb"
    shutil.copytree(ROOT, src)
    out = tmp_path / "html"
    assert sphinx(src, out).returncode == 0
    pages = sorted((out / "practices").glob("PC-*.html"))
    freeze(immutable, *pages)
    for card in (src / "practices").glob("PC-*.md"):  # every card's page is rewritten
        card.write_text(card.read_text() + "\nEdited.\n")
    run = sphinx(src, out)
    assert run.returncode == 1
    said = [line for line in run.stderr.splitlines() if "error writing file" in line]
    assert len(said) == 1 and "Operation not permitted" in said[0], run.stderr
    assert f"{len(pages) - 1} more pages could not be written for the same reason" in run.stderr
