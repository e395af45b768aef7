"""The evidence gap map: counts per cell from the domain, headers, incremental moves."""

from __future__ import annotations

import shutil
from html.parser import HTMLParser

from bs4 import BeautifulSoup
from conftest import ROOTS, html

from equity_kb.sphinxext.entries.domain import kb_domain


def cells(app, kind: str = "focus") -> dict[tuple[str, str], int]:
    """(row label, column label) -> the total shown in that cell."""
    table = BeautifulSoup(html(app, "gap-map"), "html.parser").select_one(
        f"#kb-gapmap-{kind} table"
    )
    cols = [th.get_text(strip=True) for th in table.select("thead th")][1:]
    out = {}
    for tr in table.select("tbody tr"):
        row = tr.th.get_text(strip=True)
        for col, td in zip(cols, tr.select("td"), strict=True):
            total = td.select_one(".kb-cell-total")
            out[(row, col)] = int(total.get_text()) if total else 0
    return out


def by_hand(app, kind: str) -> dict[tuple[str, str], int]:
    domain = kb_domain(app.env)
    vocab = domain.vocabulary
    return {
        (vocab.label(kind, row.id), vocab.label("tenets", t.id)): sum(
            1 for e in domain.all_entries() if row.id in getattr(e, kind) and t.id in e.tenets
        )
        for row in vocab.terms[kind]
        for t in vocab.terms["tenets"]
    }


def test_every_cell_equals_a_count_from_the_domain(kb_build):
    app = kb_build()
    for kind in ("focus", "levels"):
        shown = cells(app, kind)
        assert shown == by_hand(app, kind)
    focus = cells(app)
    # By hand from the root: data + discipline = PC-001, the discipline brief, bowman2021getting.
    assert focus[("Discipline disproportionality", "Race-conscious data use")] == 3
    assert focus[("Early literacy", "Race-conscious data use")] == 0


def test_gaps_are_marked_and_cells_link_to_their_entries(kb_build):
    app = kb_build()
    page = BeautifulSoup(html(app, "gap-map"), "html.parser")
    gap = page.select("#kb-gapmap-focus td.kb-gap")
    assert gap and all(td.get_text(strip=True) == "Gap" for td in gap)
    link = page.select_one("#kb-gapmap-focus tbody tr td a")["href"]
    assert link == "explore.html?tenet=practice&focus=discipline"
    summary = page.select_one("#kb-gapmap-focus .kb-gapmap-summary").get_text(" ", strip=True)
    assert (
        "No entry yet for:" in summary and "Early literacy with Race-conscious data use" in summary
    )


def test_gap_map_is_valid_html_with_scoped_headers(kb_build):
    app = kb_build()
    raw = html(app, "gap-map")
    page = BeautifulSoup(raw, "html.parser")
    for table in page.select("table.kb-gapmap-table"):
        assert table.caption.get_text(strip=True)
        assert all(th.get("scope") == "col" for th in table.select("thead th"))
        assert all(tr.th.get("scope") == "row" for tr in table.select("tbody tr"))
    # Every element that is opened is closed, in order: checked on the page as written
    # (BeautifulSoup's re-serialised copy would be balanced whatever the page held).
    checker = TagBalance()
    checker.feed(raw[raw.index('<div class="kb-gapmap" data-kb-gapmap>') :])
    assert checker.errors == [] and checker.closed, (checker.errors, checker.stack)
    assert checker.tables == 2  # the focus map and the levels map, both inside the div


class TagBalance(HTMLParser):
    """Reads from the map's opening tag until that element closes: every end tag must
    close the innermost open element (no implied closing, no stray end tags)."""

    VOID = {"br", "img", "input", "meta", "link", "hr", "wbr", "col", "source"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.closed = False  # the outermost element was closed
        self.tables = 0

    def handle_starttag(self, tag, attrs):
        if self.closed:
            return
        self.tables += tag == "table"
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if self.closed:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> with {self.stack[-3:]} open")
            return
        self.stack.pop()
        self.closed = not self.stack


def test_editing_a_cards_tenets_moves_it_between_cells(kb_build, tmp_path):
    src = tmp_path / "kb"
    shutil.copytree(ROOTS / "test-kb", src)
    app = kb_build(src=src)
    before = cells(app)
    card = src / "practices/PC-003.md"  # practice, capacity; early-literacy, family-engagement
    card.write_text(card.read_text().replace("tenets: [practice, capacity]", "tenets: [data]"))
    app = kb_build(src=src)
    after = cells(app)
    assert (
        after[("Early literacy", "Everyday practice")]
        == before[("Early literacy", "Everyday practice")] - 1
    )
    assert after[("Early literacy", "Race-conscious data use")] == 1
    assert after == by_hand(app, "focus")
