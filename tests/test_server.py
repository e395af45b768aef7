"""The search service: in process (httpx's ASGI transport), and once over a real socket."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_search_fixtures import XSS_TITLE, build_index, count_by_hand, uvicorn_in_thread

from equity_kb.search.server import create_app


class InProcess:
    """A synchronous client that calls the ASGI app directly, without a socket.

    (Starlette's TestClient now warns that it wants the httpx2 package; httpx's own
    ASGI transport does the same job with what is installed.)
    """

    def __init__(self, app: Any):
        self._runner = asyncio.Runner()
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://kb.test"
        )

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self._runner.run(self._client.get(url, **kwargs))

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self._runner.run(self._client.post(url, **kwargs))

    def close(self) -> None:
        self._runner.run(self._client.aclose())
        self._runner.close()


@pytest.fixture
def in_process() -> Iterator[Any]:
    clients: list[InProcess] = []

    def make(app: Any) -> InProcess:
        clients.append(InProcess(app))
        return clients[-1]

    yield make
    for c in clients:
        c.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("site")
    (root / "index.html").write_text(
        "<!doctype html><title>KB</title><p>Home</p>", encoding="utf-8"
    )
    (root / "practices").mkdir()
    (root / "practices" / "PC-001.html").write_text("<p>Equity pauses</p>", encoding="utf-8")
    index = build_index(root / "_search_index")
    return root, index


@pytest.fixture(scope="module")
def client(site: tuple[Path, Path]) -> Iterator[InProcess]:
    root, index = site
    c = InProcess(create_app(root, index))
    yield c
    c.close()


def test_search_answers_json(client: InProcess) -> None:
    res = client.get("/api/search", params={"q": "equity pause"})
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("application/json")
    assert res.headers["cache-control"] == "public, no-cache" and res.headers["etag"]
    data = res.json()
    assert data["total"] >= 1 and data["hits"][0]["key"] == "PC-001"
    hit = data["hits"][0]
    assert set(hit) >= {"key", "type", "title", "url", "year", "tenets", "summary", "snippet"}
    assert "<mark>" in hit["snippet"]
    assert {"type", "tenets", "focus", "levels", "year"} <= set(data["facets"])


def test_facet_params_repeat_or_take_commas(client: InProcess) -> None:
    repeated = client.get("/api/search?tenet=data&tenet=capacity&level=school").json()
    commas = client.get("/api/search?tenet=data,capacity&level=school").json()
    assert repeated["total"] == commas["total"] > 0
    assert repeated["selected"] == {"tenets": ["data", "capacity"], "levels": ["school"]}
    levels = {f["value"]: f["count"] for f in repeated["facets"]["levels"] if f["count"]}
    assert levels == count_by_hand("levels", where={"tenets": {"data", "capacity"}})
    typed = client.get("/api/search?type=practice&year_from=2021&year_to=2022").json()
    assert {h["type"] for h in typed["hits"]} == {"practice"}
    assert all(2021 <= h["year"] <= 2022 for h in typed["hits"])


def test_content_is_escaped_in_json(client: InProcess) -> None:
    res = client.get("/api/search", params={"q": "principals leadership"})
    data = res.json()
    hit = next(h for h in data["hits"] if h["key"] == "xss2020leadership")
    assert hit["title"] == XSS_TITLE  # text, for the page to insert as text
    assert "<script>" not in hit["snippet"] and "&lt;script&gt;" in hit["snippet"]


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=0",
        "page_size=1000",
        "page_size=-1",
        "year_from=twenty",
        "year_from=2020&year_to=2010",
        "year_to=99999",
        "tenet=" + "x" * 200,
        "&".join(f"focus=f{i}" for i in range(60)),
    ],
)
def test_bad_parameters_are_400_with_a_message(client: InProcess, query: str) -> None:
    res = client.get(f"/api/search?{query}")
    assert res.status_code == 400
    assert res.json()["error"]


@pytest.mark.parametrize(
    "q", ['"', "AND", "tenet:", "(((", "x" * 10_000, "données 数据", "a\x00b", "NOT", "%00"]
)
def test_queries_the_parser_cannot_read_are_not_errors(client: InProcess, q: str) -> None:
    res = client.get("/api/search", params={"q": q})
    assert res.status_code == 200
    assert isinstance(res.json()["total"], int)


def test_unknown_facet_values_match_nothing(client: InProcess) -> None:
    data = client.get("/api/search?tenet=nonsense").json()
    assert data["total"] == 0


def test_health(client: InProcess) -> None:
    data = client.get("/api/health").json()
    assert data["status"] == "ok" and data["documents"] == 15
    assert data["generation"].startswith("gen-")


def test_static_site(client: InProcess) -> None:
    assert "Home" in client.get("/").text
    assert "Equity pauses" in client.get("/practices/PC-001.html").text
    assert client.get("/missing.html").status_code == 404
    assert client.post("/api/search").status_code == 405
    # The index lives inside the site here, but is not served as files.
    assert client.get("/_search_index/CURRENT").status_code == 404
    assert client.get("/_search_index").status_code == 404


def test_no_index_yet_is_503_then_works(tmp_path: Path, in_process: Any) -> None:
    index = tmp_path / "index"
    c = in_process(create_app(None, index))
    res = c.get("/api/search?q=data")
    assert res.status_code == 503 and "no search index" in res.json()["error"]
    assert c.get("/api/health").status_code == 503
    build_index(index)
    assert c.get("/api/search?q=data").json()["total"] > 0


def test_over_a_real_socket(site: tuple[Path, Path]) -> None:
    root, index = site
    with uvicorn_in_thread(create_app(root, index)) as base:
        res = httpx.get(
            f"{base}/api/search", params={"q": "discipline", "type": "brief"}, timeout=10
        )
        assert res.status_code == 200
        assert [h["key"] for h in res.json()["hits"]] == ["briefs/discipline"]
        assert httpx.get(f"{base}/api/search?page=x", timeout=10).status_code == 400
        assert "Home" in httpx.get(f"{base}/", timeout=10).text


def test_the_service_starts_without_sphinx() -> None:
    import subprocess
    import sys

    code = (
        "import sys, equity_kb.search.server, equity_kb.search.engine, equity_kb.cli; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('sphinx', 'docutils', 'myst_parser')"
        " or m.startswith('equity_kb.sphinxext')]; print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
