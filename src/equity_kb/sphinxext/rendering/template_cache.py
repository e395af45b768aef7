"""Compiled templates kept between builds: Jinja's bytecode cache, in the build state.

Jinja compiles a template from its source the first time a process renders it. Every
build is a fresh process, so an incremental build that writes one page compiled the
extension's templates and the theme's again (about 25, a fifth of a one-page build's
time on the shipped docs). Jinja keys what it keeps by the template's name and a
checksum of its source, and its own version: an edited template, or another Jinja, is
compiled again.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
from sphinx.application import Sphinx

from equity_kb.search.layout import state_dir

from .render import environment

FOLDER = "templates-compiled"


def setup_template_cache(app: Sphinx) -> None:
    app.connect("builder-inited", keep_compiled_templates)


def keep_compiled_templates(app: Sphinx) -> None:
    """The extension's template environment, and the builder's (Sphinx's and the theme's
    templates), load and keep compiled templates in the build state's folder."""
    folder = Path(state_dir(app.outdir), FOLDER)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # compiled each time, as before
    cache = jinja2.FileSystemBytecodeCache(str(folder))
    environment().bytecode_cache = cache
    builder_env = getattr(getattr(app.builder, "templates", None), "environment", None)
    if isinstance(builder_env, jinja2.Environment) and builder_env.bytecode_cache is None:
        builder_env.bytecode_cache = cache
