"""Shared fixtures: Sphinx test roots under tests/roots, each copied before it is built
(Sphinx 8.2+ would otherwise build roots in place, and several tests edit sources)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sphinx.testing.util import SphinxTestApp

pytest_plugins = "sphinx.testing.fixtures"

# CI machines set CI=true, which makes Sphinx colour its messages even into a pipe; the
# tests read messages line by line ("ERROR: ..."), so every build they start prints plain.
os.environ["NO_COLOR"] = "1"

ROOTS = Path(__file__).parent / "roots"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def rootdir() -> Path:
    return ROOTS


BuildFn = Callable[..., SphinxTestApp]


@pytest.fixture
def kb_build(tmp_path: Path, make_app: Callable[..., SphinxTestApp]) -> BuildFn:
    """Copy a test root to a fresh folder and return a function that builds it."""

    apps: list[SphinxTestApp] = []

    def build(root: str = "kb", *, src: Path | None = None, **kwargs: object) -> SphinxTestApp:
        # Sphinx registers node classes process-wide; unregister the previous app's first.
        while apps:
            apps.pop().cleanup()
        if src is None:
            src = tmp_path / root
            if not src.exists():
                shutil.copytree(ROOTS / f"test-{root}", src)
        kwargs.setdefault("freshenv", False)
        app = make_app("html", srcdir=src, **kwargs)
        apps.append(app)
        app.build()
        return app

    return build


@pytest.fixture(scope="session")
def shipped_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped docs, built once per test session (for browser tests)."""
    out = tmp_path_factory.mktemp("shipped") / "html"
    subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-c", str(REPO), str(REPO / "docs"), str(out)],
        check=True,
    )
    return out


def html(app: SphinxTestApp, page: str) -> str:
    return (Path(app.outdir) / f"{page}.html").read_text(encoding="utf-8")
