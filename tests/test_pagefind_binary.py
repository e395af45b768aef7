"""Which Pagefind binary writes the static index (search/pagefind_binary.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from equity_kb.search import pagefind_binary as pb
from equity_kb.search.static_index import StaticIndexError, write_static_index

ROOT = Path(__file__).resolve().parents[1]


def _fake(tmp_path: Path, version: str) -> Path:
    exe = tmp_path / "pagefind"
    exe.write_text(f"#!/bin/sh\necho 'pagefind {version}'\n", encoding="utf-8")
    exe.chmod(0o755)
    return exe


def test_the_environment_variable_names_the_binary(tmp_path: Path, monkeypatch) -> None:
    exe = _fake(tmp_path, "9.8.7")
    monkeypatch.setenv(pb.ENV, str(exe))
    assert pb.pagefind_binary() == pb.PagefindBinary(exe, "9.8.7", pb.ENV)


def test_in_a_checkout_the_binary_of_tools_pagefind(monkeypatch) -> None:
    monkeypatch.delenv(pb.ENV, raising=False)
    tool = pb.tool_binary()
    if tool is None:
        pytest.skip("tools/pagefind is not installed (make test installs it)")
    pinned = json.loads((ROOT / "tools" / "pagefind" / "package.json").read_text())
    found = pb.pagefind_binary()
    assert found.path == tool and found.source == "tools/pagefind"
    assert found.version == pinned["dependencies"]["pagefind"]


def test_a_missing_binary_is_said(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(pb.ENV, str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="nowhere"):
        pb.pagefind_binary()
    record = {"key": "k", "url": "k.html", "content": "words", "meta": {"title": "T"}}
    with pytest.raises(StaticIndexError, match="binary is missing"):
        write_static_index(tmp_path / "site", [{**record, "filters": {}, "sort": {}}])
