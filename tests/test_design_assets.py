"""sphinx-design's stylesheet (55 KB) and tab script load only on pages that use one of
its directives; the tag badges, on nearly every page, are styled by equity_kb.css."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import ROOTS, BuildFn, html


def test_sphinx_design_files_only_where_a_page_uses_them(kb_build: BuildFn, tmp_path: Path):
    src = tmp_path / "kb"
    shutil.copytree(ROOTS / "test-kb", src)
    (src / "design.md").write_text(
        "---\norphan: true\n---\n\n# Cards\n\n```{card} A card\nIts text.\n```\n",
        encoding="utf-8",
    )
    app = kb_build()
    design = html(app, "design")
    assert "sphinx-design.min.css" in design and "sd-card" in design
    for page in ("index", "practices/PC-001", "bibliography"):
        text = html(app, page)
        assert "sphinx-design" not in text and "design-tabs" not in text, page
    card = html(app, "practices/PC-001")
    assert 'class="kb-badge kb-badge-tenets"' in card  # styled by equity_kb.css
    # A page's own scripts still load where sphinx-design's are left out.
    assert "gapmap.js" in html(app, "gap-map") and "sphinx-design" not in html(app, "gap-map")
