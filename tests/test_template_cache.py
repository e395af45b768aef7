"""Compiled templates are kept between builds (rendering/template_cache.py): the next
build loads them instead of compiling every template again, and a template that
changed is compiled again, never served from what was kept."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import ROOTS, html

from equity_kb.search.layout import state_dir
from equity_kb.sphinxext.rendering.template_cache import FOLDER


def test_compiled_templates_are_kept_and_a_changed_one_compiled_again(kb_build, tmp_path):
    src = tmp_path / "kb"
    shutil.copytree(ROOTS / "test-kb", src)
    (src / "_templates").mkdir()
    page = src / "_templates" / "page.html"
    page.write_text(
        '{% extends "!page.html" %}{% block body %}<p>Marker one</p>{{ super() }}{% endblock %}',
        encoding="utf-8",
    )
    conf = src / "conf.py"
    conf.write_text(conf.read_text() + 'templates_path = ["_templates"]\n', encoding="utf-8")
    app = kb_build(src=src)
    assert app.warning.getvalue() == ""
    kept = Path(state_dir(app.outdir), FOLDER)
    first = {p.name: p.stat().st_mtime_ns for p in kept.iterdir()}
    # The extension's templates (an entry's header) and the theme's, the project's own.
    assert len(first) > 10
    assert "Marker one" in html(app, "index")
    page.write_text(page.read_text().replace("Marker one", "Marker two"), encoding="utf-8")
    app = kb_build(src=src)
    assert "Marker two" in html(app, "index") and "Marker one" not in html(app, "index")
    again = {p.name: p.stat().st_mtime_ns for p in kept.iterdir()}
    # Only the changed template was compiled and kept again; the others were loaded.
    assert len([n for n in again if again[n] != first.get(n)]) == 1
