"""`equity-kb preview` (what `make livehtml` runs): a real process that builds, serves the
site with search, and rebuilds when a source file is saved."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
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


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_preview(root: Path, attempts: int = 3) -> tuple[subprocess.Popen[bytes], str]:
    """``equity-kb preview`` on a free port: (the process, its base URL).

    Preview cannot take port 0 (sphinx-autobuild's reload script needs the real port
    before the server binds, and uvicorn's line naming it is below preview's log
    level), so a free port is picked here and bound only after the first build: if
    another process took it meanwhile, the preview exits saying so, and this tries
    another."""
    cli = Path(sys.executable).with_name("equity-kb")
    for _ in range(attempts):
        port = unused_port()
        proc = subprocess.Popen(
            [str(cli), "preview", "--root", str(root), "--docs", ".", "--port", str(port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                # Ours, not whatever else might hold the port: the reload script is in.
                if "websocket-reload" in httpx.get(f"{base}/", timeout=2).text:
                    return proc, base
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        output = proc.communicate(timeout=30)[0].decode(errors="replace")
        if "address already in use" not in output.lower():
            raise AssertionError(f"the preview did not start:\n{output}")
    raise AssertionError(f"no free port in {attempts} attempts")


def test_preview_serves_search_and_rebuilds_on_save(tmp_path):
    root = tmp_path / "kb"
    shutil.copytree(ROOTS / "test-kb", root)
    proc, base = start_preview(root)
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
