"""The site folder's own files: an icon on every page (no 404 for /favicon.ico in a
browser's console), and .nojekyll, uploaded by the Pages workflow, so GitHub Pages
publishing from a branch does not run Jekyll (which drops _static/ and _downloads/)."""

from __future__ import annotations

from pathlib import Path

import yaml
from bs4 import BeautifulSoup

REPO = Path(__file__).resolve().parents[1]


def test_every_page_names_an_icon_that_exists(shipped_site: Path) -> None:
    for page in ("index.html", "practices/PC-001.html", "bibliography/b.html"):
        soup = BeautifulSoup((shipped_site / page).read_text(encoding="utf-8"), "html.parser")
        icon = soup.select_one('link[rel~="icon"]')
        assert icon is not None, page
        assert (shipped_site / page).parent.joinpath(icon["href"]).resolve().is_file()


def test_the_site_has_nojekyll_and_the_pages_workflow_uploads_it(shipped_site: Path) -> None:
    assert (shipped_site / ".nojekyll").is_file()
    workflow = yaml.safe_load((REPO / ".github/workflows/pages.yml").read_text())
    steps = [s for job in workflow["jobs"].values() for s in job.get("steps", [])]
    upload = next(s for s in steps if "upload-pages-artifact" in s.get("uses", ""))
    assert upload["with"]["path"] == "_build/html"
    assert upload["with"]["include-hidden-files"] is True
