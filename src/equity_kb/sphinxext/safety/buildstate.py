"""Keep the build's own state out of the site folder.

Sphinx writes its pickled environment and doctrees to ``<outdir>/.doctrees`` unless
told otherwise, and ``.buildinfo`` (what the last build was configured with) into the
output folder, so publishing the folder published them. Here the doctrees go to the
state folder beside the site (``search.layout.state_dir``) when Sphinx would put them
in the site, and ``.buildinfo`` is moved there after each build and put back for the
next one, so Sphinx still sees a changed configuration and rebuilds.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config

from equity_kb.search.layout import state_dir

BUILDINFO = (".buildinfo", ".buildinfo.bak")


def setup_buildstate(app: Sphinx) -> None:
    app.connect("config-inited", move_doctrees)
    app.connect("builder-inited", restore_buildinfo)
    # Late: Sphinx has written .buildinfo by then, and other handlers are done.
    app.connect("build-finished", stash_buildinfo, priority=900)


def move_doctrees(app: Sphinx, config: Config) -> None:
    """Doctrees inside the site (Sphinx's default) go to the state folder instead.
    Runs before Sphinx opens the environment, which is the first use of the folder."""
    outdir, doctrees = Path(app.outdir), Path(app.doctreedir)
    if doctrees.is_relative_to(outdir):
        app.doctreedir = state_dir(outdir) / "doctrees"  # type: ignore[assignment]
        shutil.rmtree(doctrees, ignore_errors=True)  # left by an earlier build


def restore_buildinfo(app: Sphinx) -> None:
    for name in BUILDINFO:
        kept = state_dir(app.outdir) / name.lstrip(".")
        if kept.is_file() and not (Path(app.outdir) / name).exists():
            Path(app.outdir).mkdir(parents=True, exist_ok=True)
            shutil.copy2(kept, Path(app.outdir) / name)  # its time is what Sphinx compares


def stash_buildinfo(app: Sphinx, exception: BaseException | None) -> None:
    """.buildinfo to the state folder; also drops the empty ``_sources`` folder Sphinx
    makes even when no sources are copied (html_copy_source = False)."""
    sources = Path(app.outdir) / "_sources"
    if sources.is_dir() and not any(sources.iterdir()):
        sources.rmdir()
    state = state_dir(app.outdir)
    for name in BUILDINFO:
        path = Path(app.outdir) / name
        if path.is_file():
            state.mkdir(parents=True, exist_ok=True)
            os.replace(path, state / name.lstrip("."))
