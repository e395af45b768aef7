"""``equity-kb search`` and ``equity-kb serve`` through ``main(argv)``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_search_fixtures import build_index, fixture_docs, port_from_log

from equity_kb.cli.main import main
from equity_kb.cli.search import DEFAULT_INDEX, snippet_text
from equity_kb.sphinxext.entries.domain import kb_domain

EQUITY_KB = Path(sys.executable).with_name("equity-kb")  # the venv's console script


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_index(tmp_path_factory.mktemp("index"))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_help_lists_commands_and_examples(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "search" in out and "serve" in out and "examples:" in out
    code, out, _ = run(capsys, "search", "--help")
    assert code == 0 and "--tenet" in out and DEFAULT_INDEX in out and "examples:" in out
    code, out, _ = run(capsys, "serve", "--help")
    assert code == 0 and "--port" in out


def test_search_prints_readable_results(capsys: pytest.CaptureFixture[str], index: Path) -> None:
    code, out, err = run(capsys, "search", "equity pause", "--index", str(index))
    assert code == 0, err
    # One card has both words: it comes first, the entries with one follow, and a note says so.
    assert "results for 'equity pause'" in out and "Note: Few entries have all of your words" in out
    assert "1. Equity pauses in improvement meetings" in out
    assert (
        "Practice card · PC-001 · 2021 · tenets: Race-conscious data use, collective-learning"
        in out
    )
    assert "<mark>" not in out and "equity pause" in out.lower()
    assert "practices/PC-001.html" in out


def test_search_filters(capsys: pytest.CaptureFixture[str], index: Path) -> None:
    code, out, _ = run(
        capsys, "search", "--index", str(index), "--type", "practice", "--level", "school", "--json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["mode"] == "browse"
    assert {h["type"] for h in data["hits"]} == {"practice"}
    assert all("school" in h["levels"] for h in data["hits"])
    assert data["total"] == 3


def test_search_json(capsys: pytest.CaptureFixture[str], index: Path) -> None:
    code, out, _ = run(
        capsys, "search", "discipline", "--index", str(index), "--json", "--page-size", "2"
    )
    assert code == 0
    data = json.loads(out)
    # Three entries have "discipline" (test_search_engine.py lists them): two pages of two.
    assert (data["total"], data["pages"], data["page_size"], len(data["hits"])) == (3, 2, 2, 2)
    second = json.loads(
        run(capsys, "search", "discipline", "--index", str(index), "--json", "--page-size", "2",
            "--page", "2")[1]
    )  # fmt: skip
    assert len(second["hits"]) == 1 and second["page"] == 2
    keys = {h["key"] for h in data["hits"] + second["hits"]}
    assert keys == {"PC-002", "briefs/discipline", "gregory2010achievement"}


def keys_of(capsys: pytest.CaptureFixture[str], index: Path, *argv: str) -> list[str]:
    code, out, err = run(
        capsys, "search", "--index", str(index), "--json", "--page-size", "100", *argv
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["total"] == len(data["hits"])
    return sorted(h["key"] for h in data["hits"])


def test_search_by_tenet_focus_and_years(capsys: pytest.CaptureFixture[str], index: Path) -> None:
    docs = fixture_docs()
    # Values of one option combine with OR.
    assert keys_of(capsys, index, "--tenet", "data", "--tenet", "capacity") == sorted(
        d["key"] for d in docs if {"data", "capacity"} & set(d["tenets"])
    )
    assert keys_of(capsys, index, "--focus", "family-engagement") == [
        "PC-003",
        "ishimaru2019just",
    ]
    # Years are inclusive at both ends: 2021 (PC-001, Bowman and Valdez), 2022 (PC-002).
    assert keys_of(capsys, index, "--year-from", "2021", "--year-to", "2022") == [
        "PC-001",
        "PC-002",
        "bowman2021getting",
    ]
    assert keys_of(capsys, index, "--year-from", "2025") == [
        "briefs/discipline",
        "briefs/theory-of-change",
    ]
    assert keys_of(capsys, index, "--year-to", "2005") == ["ladson1995toward", "oakes2005keeping"]
    # Different options combine with AND, and with the words.
    assert keys_of(capsys, index, "data", "--tenet", "data", "--focus", "family-engagement") == [
        "PC-003"
    ]


def test_no_results_suggests_a_spelling(capsys: pytest.CaptureFixture[str], index: Path) -> None:
    code, out, _ = run(capsys, "search", "disciplne", "--index", str(index))
    assert code == 0
    assert "No results" in out and "Did you mean: discipline" in out


def test_missing_index_is_a_message_not_a_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "none"
    code, out, err = run(capsys, "search", "data", "--index", str(missing))
    assert (code, out) == (2, "")
    assert err.startswith(f"equity-kb: error: no search index at {missing}. Build the site")
    assert "--index PATH" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["search", "x", "--year-from", "abc"], "argument --year-from: 'abc' is not a year"),
        (["search", "x", "--year-to", "0"], "argument --year-to: '0' is not a year"),
        (["search", "x", "--page", "0"], "argument --page: must be 1 or more"),
        (["search", "x", "--page-size", "500"], "argument --page-size: at most 100"),
        (["serve", "--port", "http"], "argument --port: 'http' is not a port"),
        (["serve", "--port", "70000"], "argument --port: '70000' is not a port"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "usage: equity-kb"),
    ],
)
def test_usage_mistakes_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert message in err, err


def test_serve_checks_the_site_and_runs_the_server(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(capsys, "serve", "--site", str(tmp_path / "nope"), "--index", str(index))
    assert code == 2 and "no built site" in err
    calls: list[dict[str, Any]] = []

    def fake_serve(settings: Any, host: str, port: int, workers: int, log_level: str) -> None:
        calls.append(
            {"site": settings.site, "index": settings.index, "host": host, "port": port}
            | {"workers": workers, "origins": settings.origins}
        )

    monkeypatch.setattr("equity_kb.search.server.serve", fake_serve)
    monkeypatch.setenv("KB_WORKERS", "3")
    code, _, err = run(
        capsys,
        "serve",
        "--site",
        str(tmp_path),
        "--index",
        str(index),
        "--port",
        "8123",
        "--origins",
        "https://kb.example.org/, https://b.example.org",
    )
    assert code == 0
    assert calls == [
        {"site": str(tmp_path), "index": str(index), "host": "127.0.0.1", "port": 8123}
        | {"workers": 3, "origins": ("https://kb.example.org", "https://b.example.org")}
    ]
    code, _, err = run(capsys, "serve", "--site", str(tmp_path), "--index", str(tmp_path / "none"))
    assert code == 0 and "no search index" in err  # a warning: the API answers 503 until built


def test_terminal_text_drops_tags_and_control_characters() -> None:
    snippet = "a <mark>data</mark> &lt;b&gt; \x1b[31mred"
    assert snippet_text(snippet) == "a data <b>  [31mred"
    bold = snippet_text(snippet, bold=True)
    assert "\x1b[1mdata\x1b[0m" in bold and "\x1b[31m" not in bold


def test_no_results_prints_the_nearest_entries(
    capsys: pytest.CaptureFixture[str], index: Path
) -> None:
    # The words match a card; the filter asks for references only.
    code, out, _ = run(
        capsys, "search", '"equity pause"', "--type", "reference", "--index", str(index)
    )
    assert code == 0 and "No results for" in out
    nearest = out.split("Nearest entries:", 1)[1]
    assert "- Equity pauses in improvement meetings" in nearest and "PC-001" in nearest


def test_the_real_serve_answers_over_http(kb_build: Any, tmp_path: Path) -> None:
    """``equity-kb serve`` itself, in its own process, on a real build of the test root:
    it finds the index beside the site, listens on the port the system picked
    (``--port 0``, read back from its log) and answers searches and pages."""
    app = kb_build()
    site = Path(app.outdir)
    entries = len(kb_domain(app.env).all_entries())
    log = tmp_path / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    argv = [str(EQUITY_KB), "serve", "--site", str(site), "--port", "0", "--workers", "1"]
    with log.open("w") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        base = f"http://127.0.0.1:{port_from_log(log, proc)}"
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"{base}/api/health", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None, log.read_text()
                time.sleep(0.1)
        assert health.status_code == 200 and health.json()["documents"] == entries
        found = httpx.get(f"{base}/api/search", params={"q": "panels"}, timeout=10).json()
        assert [h["key"] for h in found["hits"]] == ["PC-002"]
        assert found["hits"][0]["url"] == "practices/PC-002.html"
        page = httpx.get(f"{base}/{found['hits'][0]['url']}", timeout=10)
        assert page.status_code == 200 and "Student voice panels" in page.text
        assert f"(index: {site}-state/search-index)" in log.read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_search_by_kind_of_evidence_finds_references_and_the_cards_resting_on_them(
    capsys: pytest.CaptureFixture[str], kb_build
) -> None:
    from equity_kb.search.layout import index_dir

    app = kb_build()  # test-kb: bowman2021getting is mixed methods; PC-001 rests on it
    args = ["search", "--index", str(index_dir(app.outdir)), "--evidence", "mixed", "--json"]
    code, out, _ = run(capsys, *args)
    assert code == 0
    data = json.loads(out)
    assert sorted(h["key"] for h in data["hits"]) == ["PC-001", "bowman2021getting"]
    counts = {f["value"]: f["count"] for f in data["facets"]["evidence"]}
    assert counts == {"mixed": 2}
