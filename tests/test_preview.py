"""`equity-kb preview` (what `make livehtml` runs): a real process that builds, serves the
site with search, and rebuilds when a source file is saved."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from functools import partial
from pathlib import Path

import httpx
from conftest import ROOTS


def wait_for(check, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("timed out")


def _reloads(url: str) -> bool:
    return "websocket-reload" in httpx.get(url, timeout=2).text


def _drain(stream, into: list[str]) -> None:
    into.extend(raw.decode(errors="replace") for raw in stream)


def start_preview(root: Path) -> tuple[subprocess.Popen[bytes], str, list[str]]:
    """``equity-kb preview --port 0``: (the process, its base URL read from its line, and
    its output so far, which a thread keeps adding to)."""
    cli = Path(sys.executable).with_name("equity-kb")
    proc = subprocess.Popen(
        [str(cli), "preview", "--root", str(root), "--docs", ".", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    assert proc.stdout is not None
    seen = []
    for raw in proc.stdout:  # the first build's output, then the line naming the port
        line = raw.decode(errors="replace")
        seen.append(line)
        found = re.search(r"previewing on (http://127\.0\.0\.1:\d+)/", line)
        if found:
            base = found.group(1)
            wait_for(partial(_reloads, f"{base}/"))
            threading.Thread(target=_drain, args=(proc.stdout, seen), daemon=True).start()
            return proc, base, seen
    raise AssertionError(f"the preview did not start:\n{''.join(seen)}")


def test_preview_serves_search_and_rebuilds_on_save(tmp_path):
    root = tmp_path / "kb"
    shutil.copytree(ROOTS / "test-kb", root)
    proc, base, seen = start_preview(root)
    try:
        page = wait_for(
            lambda: (r := httpx.get(f"{base}/practices/PC-002.html")).status_code == 200 and r.text
        )
        assert "Student voice panels" in page
        assert "websocket-reload" in page  # the reload script is injected
        hits = httpx.get(f"{base}/api/search", params={"q": "panels"}).json()["hits"]
        assert [h["key"] for h in hits] == ["PC-002"]

        card = root / "practices/PC-002.md"
        card.write_text(card.read_text().replace("Student voice panels", "Student voice forums"))
        wait_for(lambda: "Student voice forums" in httpx.get(f"{base}/practices/PC-002.html").text)
        hits = wait_for(
            lambda: httpx.get(f"{base}/api/search", params={"q": "forums"}).json()["hits"]
        )
        assert hits[0]["key"] == "PC-002"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    time.sleep(0.5)  # the drain thread reads what was left
    assert "build succeeded" in "".join(seen)
