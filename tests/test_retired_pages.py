"""Old links never break: a retired card ID's permalink says it is retired and leads to
its successor when retired.yml names one; a successor that is no card is a warning."""

from __future__ import annotations

import shutil
from pathlib import Path

from bs4 import BeautifulSoup

ROOT = Path(__file__).parent / "roots" / "test-kb"
RETIRED = """\
retired:
  - PC-009
  - {id: PC-010, successor: PC-002, note: "Merged into the student panels card."}
  - {id: PC-011, successor: PC-099}
"""


def text(page: Path) -> str:
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    return " ".join(soup.select_one("article").get_text(" ").split())


def test_retired_ids_keep_a_page_that_leads_on(kb_build, tmp_path: Path) -> None:
    src = tmp_path / "kb"
    shutil.copytree(ROOT, src)
    (src / "practices" / "retired.yml").write_text(RETIRED, encoding="utf-8")
    app = kb_build(src=src)
    out = Path(app.outdir) / "practices"
    plain = text(out / "PC-009.html")
    assert "Practice card PC-009 is retired" in plain and "replaced" not in plain
    merged = BeautifulSoup((out / "PC-010.html").read_text(encoding="utf-8"), "html.parser")
    link = merged.select_one(".kb-retired-successor a")
    assert link["href"] == "PC-002.html"
    assert link.get_text() == "PC-002: Student voice panels"
    assert "Merged into the student panels card." in text(out / "PC-010.html")
    assert (out / "index.html").exists() and merged.select_one('a[href="index.html"]')
    warnings = [w for w in app.warning.getvalue().splitlines() if "WARNING" in w]
    assert len(warnings) == 1
    assert "retired.yml" in warnings[0] and "PC-011 names PC-099" in warnings[0]
    assert "[kb.unknown_successor]" in warnings[0]
    # The unknown successor's page still says the card is retired, with no broken link.
    assert "replaced" not in text(out / "PC-011.html")
    # And the retired IDs are still never handed out again.
    from equity_kb.core.card_ids import next_card_id

    assert next_card_id(src / "practices") == "PC-012"
