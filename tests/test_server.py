"""The search service: in process (httpx's ASGI transport), and once over a real socket."""

from __future__ import annotations

import asyncio
import logging
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_search_fixtures import (
    XSS_TITLE,
    build_index,
    count_by_hand,
    fixture_docs,
    uvicorn_in_thread,
)

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
    # PC-001 has both words; the five others with "equity" follow it (partial).
    assert data["total"] == 6 and data["partial"] is True
    assert data["hits"][0]["key"] == "PC-001"
    hit = data["hits"][0]
    assert set(hit) >= {"key", "type", "title", "url", "year", "tenets", "summary", "snippet"}
    assert "<mark>" in hit["snippet"]
    assert {"type", "tenets", "focus", "levels", "year"} <= set(data["facets"])


def test_facet_params_repeat_or_take_commas(client: InProcess) -> None:
    repeated = client.get("/api/search?tenet=data&tenet=capacity&level=school").json()
    commas = client.get("/api/search?tenet=data,capacity&level=school").json()
    either = {"data", "capacity"}
    expected = {
        d["key"] for d in fixture_docs() if either & set(d["tenets"]) and "school" in d["levels"]
    }
    assert repeated["total"] == commas["total"] == len(expected) == 5
    assert {h["key"] for h in repeated["hits"]} == expected
    assert repeated["selected"] == {"tenets": ["data", "capacity"], "levels": ["school"]}
    levels = {f["value"]: f["count"] for f in repeated["facets"]["levels"] if f["count"]}
    assert levels == count_by_hand("levels", where={"tenets": {"data", "capacity"}})
    typed = client.get("/api/search?type=practice&year_from=2021&year_to=2022").json()
    assert sorted(h["key"] for h in typed["hits"]) == ["PC-001", "PC-002"]  # 2021, 2022
    assert typed["selected"] == {"type": ["practice"], "year_from": [2021], "year_to": [2022]}


def test_the_focus_parameter_filters_and_counts(client: InProcess) -> None:
    one = client.get("/api/search?focus=family-engagement").json()
    assert sorted(h["key"] for h in one["hits"]) == ["PC-003", "ishimaru2019just"]
    assert one["selected"] == {"focus": ["family-engagement"]}
    chosen = {f["value"]: f for f in one["facets"]["focus"]}
    assert chosen["family-engagement"]["selected"] is True
    # Disjunctive: the focus facet is counted without the focus filter.
    assert {v: f["count"] for v, f in chosen.items() if f["count"]} == count_by_hand("focus")
    assert {f["value"]: f["count"] for f in one["facets"]["type"] if f["count"]} == {
        "practice": 1,
        "reference": 1,
    }
    # Repeated or with commas, OR within the facet, AND with another facet.
    both = client.get("/api/search?focus=family-engagement&focus=detracking&type=reference")
    commas = client.get("/api/search?focus=family-engagement,detracking&type=reference")
    assert both.json()["total"] == commas.json()["total"] == 2
    assert sorted(h["key"] for h in both.json()["hits"]) == ["ishimaru2019just", "oakes2005keeping"]


def test_content_is_escaped_in_json(client: InProcess) -> None:
    res = client.get("/api/search", params={"q": "principals leadership"})
    data = res.json()
    hit = next(h for h in data["hits"] if h["key"] == "xss2020leadership")
    assert hit["title"] == XSS_TITLE  # text, for the page to insert as text
    assert "<script>" not in hit["snippet"] and "&lt;script&gt;" in hit["snippet"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("page=abc", "'page' must be a page number from 1, not 'abc'"),
        ("page=0", "'page' must be a page number from 1 (between 1 and 10000), not 0"),
        (
            "page_size=1000",
            "'page_size' must be a number from 1 to 100 (between 1 and 100), not 1000",
        ),
        ("page_size=-1", "'page_size' must be a number from 1 to 100 (between 1 and 100), not -1"),
        ("year_from=twenty", "'year_from' must be a year such as 2020, not 'twenty'"),
        ("year_from=2020&year_to=2010", "year_from is after year_to"),
        ("year_to=99999", "'year_to' must be a year such as 2020 (between 1 and 9999), not 99999"),
        ("tenet=" + "x" * 200, "a 'tenet' value is longer than 100 characters"),
        ("&".join(f"focus=f{i}" for i in range(60)), "too many 'focus' values (at most 50)"),
    ],
)
def test_bad_parameters_are_400_with_a_message(client: InProcess, query: str, message: str) -> None:
    res = client.get(f"/api/search?{query}")
    assert res.status_code == 400
    assert res.json() == {"error": message}  # names the parameter, and nothing else


@pytest.mark.parametrize(
    ("q", "total", "mode"),
    [
        ('"', 15, "browse"),  # no words: every entry
        ("AND", 15, "browse"),
        ("(((", 15, "browse"),
        ("NOT", 15, "browse"),
        ("tenet:", 1, "query"),  # the word "tenet": the theory of change brief
        ("x" * 10_000, 0, "query"),  # cut to 500 characters, none of them a word we have
        ("données 数据", 0, "query"),
        ("a\x00b", 0, "query"),  # "a b": common and one-letter words only
        ("%00", 0, "query"),
    ],
)
def test_queries_the_parser_cannot_read_are_not_errors(
    client: InProcess, q: str, total: int, mode: str
) -> None:
    res = client.get("/api/search", params={"q": q})
    assert res.status_code == 200
    data = res.json()
    assert (data["total"], data["mode"]) == (total, mode)
    assert len(data["hits"]) == min(total, 20)


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
    found = c.get("/api/search?q=data").json()
    # The five entries whose text says "data" (test_search_engine.py lists them).
    assert found["total"] == 5 and len(found["hits"]) == 5


def corrupt_stored_fields(index_dir: Path) -> None:
    """Overwrite the stored fields of the current generation's segment with junk, as a
    bad disk would: the index still opens and counts, but no hit can be read."""
    from whoosh.filedb.compound import CompoundStorage
    from whoosh.filedb.filestore import FileStorage

    from equity_kb.search.generations import current_generation

    gen = current_generation(index_dir)
    assert gen is not None
    (seg,) = gen.glob("*.seg")
    compound = CompoundStorage(FileStorage(str(gen)).open_file(seg.name), use_mmap=False)
    # The compound file's directory of parts: the only way to find where they are.
    (place,) = [v for k, v in compound._dir.items() if k.endswith("._stored.col")]
    compound.close()
    with seg.open("r+b") as f:
        f.seek(place["offset"])
        f.write(b"\xff" * (place["length"] // 2))


def test_a_failing_search_is_a_json_500_without_details(
    tmp_path: Path, in_process: Any, caplog: pytest.LogCaptureFixture
) -> None:
    index = build_index(tmp_path / "index")
    corrupt_stored_fields(index)
    c = in_process(create_app(None, index))
    with caplog.at_level(logging.ERROR, logger="equity_kb.search"):
        res = c.get("/api/search", params={"q": "equity pause"})
    assert res.status_code == 500
    assert res.headers["content-type"] == "application/json"
    assert res.headers["cache-control"] == "no-store"
    assert res.json() == {"error": "the search failed; the server log has the details"}
    # The log has the exception (for whoever runs the service), not the client.
    (record,) = [r for r in caplog.records if r.getMessage() == "a search failed"]
    assert record.exc_info is not None and record.exc_info[0] is zlib.error
    # Health still answers: the index opens and counts its documents.
    assert c.get("/api/health").json()["documents"] == 15


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
