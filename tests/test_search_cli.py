"""``equity-kb search`` and ``equity-kb serve`` through ``main(argv)``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_search_fixtures import build_index

from equity_kb.cli.main import main
from equity_kb.cli.search import DEFAULT_INDEX, snippet_text


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
    assert data["page_size"] == 2 and len(data["hits"]) == 2 and data["pages"] >= 2


def test_no_results_suggests_a_spelling(capsys: pytest.CaptureFixture[str], index: Path) -> None:
    code, out, _ = run(capsys, "search", "disciplne", "--index", str(index))
    assert code == 0
    assert "No results" in out and "Did you mean: discipline" in out


def test_missing_index_is_a_message_not_a_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "search", "data", "--index", str(tmp_path / "none"))
    assert code == 2
    assert "no search index at" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["search", "x", "--year-from", "abc"],
        ["search", "x", "--page", "0"],
        ["search", "x", "--page-size", "500"],
        ["serve", "--port", "http"],
        ["frobnicate"],
        [],
    ],
)
def test_usage_mistakes_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert "Traceback" not in err


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
