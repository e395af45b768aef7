"""Run by tests/test_disk_errors.py inside ``unshare -rm`` (a user and mount namespace):
a small tmpfs holds a copy of a test root, its site and its state; after a first build,
the service starts, the disk is filled, a second build runs on it, then the disk is
freed and a third build runs. Prints what it saw as one JSON object."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT, DISK = Path(sys.argv[1]), Path(sys.argv[2])
BIN = Path(sys.executable).parent
SLACK = int(sys.argv[3]) if len(sys.argv) > 3 else 0  # bytes left free on the full disk


def build(src: Path, out: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KB_PUBLISH": "0"}
    argv = [sys.executable, "-m", "sphinx", "-q", str(src), str(out)]
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)


def ask(base: str) -> dict:
    r = httpx.get(base + "/api/search", params={"q": "equity"}, timeout=10)
    return {
        "status": r.status_code,
        "total": r.json().get("total"),
        "gen": r.json().get("generation"),
    }


def main() -> None:
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(DISK)], check=True)
    src, out = DISK / "kb", DISK / "html"
    shutil.copytree(ROOT, src)
    seen: dict = {"first": build(src, out).returncode}
    log = (DISK / "service.log").open("w")
    service = subprocess.Popen(
        [str(BIN / "equity-kb"), "serve", "--site", str(out), "--port", "0"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        base = None
        for _ in range(300):
            text = (DISK / "service.log").read_text()
            if "Uvicorn running on" in text:
                base = "http://" + text.split("Uvicorn running on http://")[1].split()[0]
                break
            time.sleep(0.1)
        for _ in range(100):  # until it answers
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        seen["before"] = ask(base)
        card = src / "practices" / "PC-002.md"
        card.write_text(card.read_text().replace("summary:", "summary: Zanzibarian.", 1))
        # Fill the disk but for a little: pages and the environment are rewritten in
        # place at about their old size; a new index generation needs room it cannot get.
        filler = DISK / "filler"
        # Unbuffered: a write the full disk cuts short leaves nothing for close() to
        # flush (buffered, closing raised ENOSPC whenever the free space was not a
        # multiple of the writes).
        with filler.open("wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
            except OSError:
                pass
        os.truncate(filler, max(filler.stat().st_size - SLACK, 0))
        seen["free_when_full"] = shutil.disk_usage(DISK).free
        full = build(src, out)
        seen["current_during"] = (
            (out.parent / "html-state" / "search-index" / "CURRENT").read_text().strip()
        )
        seen["full"] = {"code": full.returncode, "stderr": full.stderr}
        seen["during"] = ask(base)
        filler.unlink()
        again = build(src, out)
        seen["again"] = {"code": again.returncode, "stderr": again.stderr}
        time.sleep(1.0)
        seen["after"] = ask(base)
    finally:
        service.terminate()
        service.wait(timeout=20)
        subprocess.run(["umount", "-l", str(DISK)])
    print(json.dumps(seen))


if __name__ == "__main__":
    main()
