"""`equity-kb preview` (what `make livehtml` runs): a real process that builds, serves the
site with search, and rebuilds when a source file is saved."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from conftest import ROOTS
from test_search_fixtures import free_port


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


def test_preview_serves_search_and_rebuilds_on_save(tmp_path):
    root = tmp_path / "kb"
    shutil.copytree(ROOTS / "test-kb", root)
    port = free_port()
    cli = Path(sys.executable).with_name("equity-kb")
    proc = subprocess.Popen(
        [str(cli), "preview", "--root", str(root), "--docs", ".", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
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
        output = proc.communicate(timeout=30)[0].decode(errors="replace")
    assert "build succeeded" in output
