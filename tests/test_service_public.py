"""The search service as it runs in public: ``equity-kb serve`` in its own process with
several uvicorn workers, over real sockets: ETags and 304s, the answer cache, gzip,
CORS for configured origins only, a new index generation picked up by every worker
without a restart, health, and a log without query text."""

from __future__ import annotations

import copy
import gzip
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_search_fixtures import build_index, fixture_docs, port_from_log

SITE_ORIGIN = "https://kb.example.org"
EQUITY_KB = Path(sys.executable).with_name("equity-kb")  # the venv's console script
PRIVATE_WORDS = "zygomorphic confidential grievance"


class Service:
    def __init__(self, proc: subprocess.Popen[str], base: str, log: Path):
        self.proc, self.base, self.log = proc, base, log

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(self.base + path, timeout=30, **kwargs)


def start_service(site: Path, index: Path, tmp: Path, *extra: str, wait: bool = True) -> Service:
    """``equity-kb serve`` on a port the system picks (``--port 0``), read back from
    uvicorn's log line; with ``wait``, once ``/api/health`` answers 200."""
    log = Path(tempfile.mkstemp(prefix="service-", suffix=".log", dir=tmp)[1])
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    argv = [str(EQUITY_KB), "serve", "--site", str(site), "--index", str(index), "--port", "0"]
    proc = subprocess.Popen(
        [*argv, *extra], stdout=log.open("w"), stderr=subprocess.STDOUT, text=True, env=env
    )
    try:
        service = Service(proc, f"http://127.0.0.1:{port_from_log(log, proc)}", log)
        if wait:
            wait_for_health(service)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return service


def wait_for_health(service: Service, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if service.proc.poll() is not None:
            raise AssertionError(f"the service exited: {service.log.read_text()}")
        try:
            if httpx.get(service.base + "/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(
        f"the service did not answer within {seconds} s: {service.log.read_text()}"
    )


def stop(service: Service) -> None:
    service.proc.terminate()
    try:
        service.proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        service.proc.kill()
        service.proc.wait()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, Path]]:
    tmp = tmp_path_factory.mktemp("public")
    site = tmp / "site"
    site.mkdir()
    (site / "index.html").write_text(
        "<!doctype html><title>KB</title>" + "<p>Home of the knowledge base.</p>" * 40,
        encoding="utf-8",
    )
    index = build_index(tmp / "index")
    service = start_service(site, index, tmp, "--workers", "2", "--origins", SITE_ORIGIN)
    yield service, index
    stop(service)


def test_answers_revalidate_with_their_etag(served: tuple[Service, Path]) -> None:
    service, _ = served
    first = service.get("/api/search", params={"q": "equity"})
    # The six entries with "equity" (test_search_engine.py's fixture reading).
    assert first.status_code == 200 and first.json()["total"] == 6
    tag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, no-cache"
    assert first.json()["generation"] in tag
    again = service.get("/api/search", params={"q": "equity"}, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == tag
    # Another query, or other filters, is another answer with another tag.
    other = service.get("/api/search", params={"q": "equity", "tenet": "data"})
    assert other.status_code == 200 and other.headers["etag"] != tag
    stale = service.get("/api/search", params={"q": "equity"}, headers={"If-None-Match": '"x"'})
    assert stale.status_code == 200 and stale.json() == first.json() | {
        "took_ms": stale.json()["took_ms"]
    }


def test_answers_and_pages_are_gzipped_when_asked(served: tuple[Service, Path]) -> None:
    service, _ = served
    raw = httpx.get(
        service.base + "/api/search?q=", headers={"Accept-Encoding": "gzip"}, timeout=30
    )
    assert raw.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in raw.headers["vary"]
    page = service.get("/index.html", headers={"Accept-Encoding": "gzip"})
    assert page.headers.get("content-encoding") == "gzip" and "knowledge base" in page.text
    plain = service.get("/api/search?q=", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.json() == raw.json() | {"took_ms": plain.json()["took_ms"]}
    assert len(gzip.compress(plain.content)) < len(plain.content)


def test_cors_for_the_configured_origin_only(served: tuple[Service, Path]) -> None:
    service, _ = served
    ok = service.get("/api/search", params={"q": "equity"}, headers={"Origin": SITE_ORIGIN})
    assert ok.headers["access-control-allow-origin"] == SITE_ORIGIN
    assert "etag" in ok.headers["access-control-expose-headers"].lower()
    other = service.get(
        "/api/search", params={"q": "equity"}, headers={"Origin": "https://elsewhere.example"}
    )
    assert other.status_code == 200  # answered, but a browser will not hand it over
    assert "access-control-allow-origin" not in other.headers
    preflight = httpx.options(
        service.base + "/api/search",
        headers={"Origin": SITE_ORIGIN, "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == SITE_ORIGIN
    refused = httpx.options(
        service.base + "/api/search",
        headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"},
    )
    assert refused.status_code == 400


def test_every_worker_serves_a_new_generation_without_a_restart(
    served: tuple[Service, Path],
) -> None:
    service, index = served
    before = service.get("/api/health").json()
    tag = service.get("/api/search", params={"q": "pauses"}).headers["etag"]
    # Publish a new generation: one card's title changes.
    docs = copy.deepcopy(fixture_docs())
    card = next(d for d in docs if d["key"] == "PC-001")
    card["title"] = "Zygomorphic equity pauses"
    build_index(index, docs)
    # Fresh connections, so both workers answer (the kernel spreads them): each
    # worker's latest generation, by process id.
    seen: dict[int, str] = {}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with httpx.Client(base_url=service.base, timeout=10) as fresh:
            health = fresh.get("/api/health").json()
        seen[health["pid"]] = health["generation"]
        if len(seen) >= 2 and before["generation"] not in seen.values():
            break
    assert len(seen) == 2, f"only one of the two workers answered: {seen}"
    assert before["generation"] not in seen.values(), f"a worker kept the old index: {seen}"
    for _ in range(10):
        with httpx.Client(base_url=service.base, timeout=10) as fresh:
            found = fresh.get("/api/search", params={"q": "zygomorphic"})
            assert found.json()["total"] == 1, "a worker still answers from the old index"
            assert found.json()["generation"] != before["generation"]
            # The old answer's tag no longer matches: the new one is sent.
            again = fresh.get("/api/search", params={"q": "pauses"}, headers={"If-None-Match": tag})
            assert again.status_code == 200 and again.headers["etag"] != tag


def test_the_log_has_a_line_per_request_and_no_query_text(
    served: tuple[Service, Path],
) -> None:
    service, _ = served
    assert service.get("/api/search", params={"q": PRIVATE_WORDS}).status_code == 200
    assert service.get("/api/search", params={"q": PRIVATE_WORDS}).status_code == 200
    time.sleep(0.5)
    log = service.log.read_text(encoding="utf-8")
    lines = [line for line in log.splitlines() if "GET /api/search 200" in line]
    assert any(line.endswith(" searched") for line in lines)
    assert any(line.endswith(" cache") for line in lines)
    for word in PRIVATE_WORDS.split():
        assert word not in log
    assert "2 workers" in log and SITE_ORIGIN in log


def test_settings_come_from_the_environment_and_flags_win(tmp_path: Path) -> None:
    help_text = subprocess.run(
        [str(EQUITY_KB), "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in ("KB_HOST", "KB_PORT", "KB_WORKERS", "KB_ORIGINS", "--workers", "--origins"):
        assert name in help_text
    bad = subprocess.run(
        [str(EQUITY_KB), "serve", "--site", str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "KB_ORIGINS": "kb.example.org"},
    )
    assert bad.returncode == 2 and "not an origin" in bad.stderr
