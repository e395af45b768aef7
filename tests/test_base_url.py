"""A build for publishing warns while html_baseurl is still the local default, so a strict
build (``make check``) fails before every permalink points at the reader's own machine."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOTS

from equity_kb.sphinxext.entries.config import for_publishing, is_local_url

ENV = ("KB_BASE_URL", "KB_PUBLISH", "GITHUB_ACTIONS", "GITHUB_REF")
# The shipped conf.py's line: the local default unless KB_BASE_URL is set.
BASEURL = 'html_baseurl = os.environ.get("KB_BASE_URL", "http://127.0.0.1:8000/")'
WARNING = "a local address, in a build for publishing"


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """test-kb with the shipped conf.py's html_baseurl line, in an environment with none of
    the variables set."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    src = tmp_path / "kb"
    shutil.copytree(ROOTS / "test-kb", src)
    conf = src / "conf.py"
    lines = [
        BASEURL if line.startswith("html_baseurl") else line
        for line in conf.read_text().splitlines()
    ]
    conf.write_text("import os\n" + "\n".join(lines) + "\n")
    return src


@pytest.mark.parametrize(
    ("env", "warns"),
    [
        ({"KB_PUBLISH": "1"}, True),
        ({"KB_PUBLISH": "true", "KB_BASE_URL": "https://kb.example.org/"}, False),
        ({}, False),  # a developer's ordinary local build
        ({"GITHUB_ACTIONS": "true", "GITHUB_REF": "refs/heads/main"}, True),
        ({"GITHUB_ACTIONS": "true", "GITHUB_REF": "refs/pull/7/merge"}, False),
        ({"GITHUB_ACTIONS": "true", "GITHUB_REF": "refs/heads/main", "KB_PUBLISH": "0"}, False),
    ],
)
def test_warns_only_when_publishing_with_the_local_default(root, kb_build, monkeypatch, env, warns):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = kb_build(src=root)
    warnings = app.warning.getvalue()
    assert (WARNING in warnings) is warns, warnings
    if warns:
        assert "'http://127.0.0.1:8000/'" in warnings
        assert "Set KB_BASE_URL to the site's public address" in warnings
        assert "[kb.local_base_url]" in warnings
    else:
        assert "kb.local_base_url" not in warnings


def test_a_strict_build_for_publishing_fails_until_the_address_is_set(root, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ENV} | {"KB_PUBLISH": "1"}

    def strict(**extra: str) -> subprocess.CompletedProcess[str]:
        out = tmp_path / f"out{len(extra)}"
        return subprocess.run(
            [sys.executable, "-m", "sphinx", "-q", "-W", "-E", str(root), str(out)],
            env=env | extra,
            capture_output=True,
            text=True,
        )

    failed = strict()
    assert failed.returncode != 0
    assert WARNING in failed.stderr and "KB_BASE_URL" in failed.stderr
    assert strict(KB_BASE_URL="https://kb.example.org/").returncode == 0


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8000/", True),
        ("http://localhost:8000/", True),
        ("http://LOCALHOST./", True),
        ("http://kb.localhost/", True),
        ("http://[::1]:8000/", True),
        ("http://0.0.0.0:8000/", True),
        ("http://127.1.2.3/", True),
        ("", True),
        ("https://org.github.io/equity-kb/", False),
        ("https://kb.example.org/", False),
        ("http://10.0.0.5/", False),  # a private network is still a real address
    ],
)
def test_local_urls(url, local):
    assert is_local_url(url) is local


def test_kb_publish_decides_over_the_github_rule():
    main = {"GITHUB_ACTIONS": "true", "GITHUB_REF": "refs/heads/main"}
    assert for_publishing(main)
    assert not for_publishing(main | {"KB_PUBLISH": "no"})
    assert for_publishing({"KB_PUBLISH": "YES"})
    assert not for_publishing({})
    assert not for_publishing({"GITHUB_ACTIONS": "true", "GITHUB_REF": "refs/heads/dev"})
