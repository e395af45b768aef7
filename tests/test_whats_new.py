"""Living entries: each card and brief shows when it was written and last reviewed and
links to its change history; the "What's new" page and the Atom feed list the newest
changes, the feed read back by feedparser and checked against RFC 4287's rules."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup

from equity_kb.cli.main import main

ROOT = Path(__file__).parent / "roots" / "test-kb"
BASE = "https://kb.example.org/"
HISTORY = "https://git.example.org/kb/-/commits/main/{path}"
ATOM = "{http://www.w3.org/2005/Atom}"
TITLE = 'Student voice & <b>panels</b> "here"'
SUMMARY = "Students speak <script>alert(1)</script> & are heard."


def set_fields(path: Path, **fields: str) -> None:
    """Add or replace front-matter fields of a test root's entry."""
    text = path.read_text(encoding="utf-8")
    head, rest = text.split("\n---\n", 1)
    for key, value in fields.items():
        line = f"{key}: {value}"
        head, n = re.subn(rf"^{key}:.*$", line, head, flags=re.M)
        if not n:
            head += "\n" + line
    path.write_text(head + "\n---\n" + rest, encoding="utf-8")


def project(tmp_path: Path) -> Path:
    src = tmp_path / "kb"
    shutil.copytree(ROOT, src)
    cards = src / "practices"
    set_fields(cards / "PC-001.md", date="2026-03-02", reviewed="2026-06-10")
    set_fields(cards / "PC-002.md", title=f"'{TITLE}'", summary=f"'{SUMMARY}'", date="2026-05-01")
    # PC-003 has no dates. The briefs have their dates (2026-01-15 and 2025-05-01); one is
    # reviewed on the day it was written, which is not a revision.
    set_fields(src / "briefs" / "families.md", reviewed="2025-05-01")
    (src / "whats-new.md").write_text(
        "---\ntitle: What's new\n---\n\n```{kb-whats-new}\n```\n", encoding="utf-8"
    )
    index = src / "index.md"
    index.write_text(index.read_text().replace("explore\n", "explore\nwhats-new\n"))
    return src


def soup(out: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((out / page).read_text(encoding="utf-8"), "html.parser")


def warnings_of(app) -> list[str]:
    return [w for w in app.warning.getvalue().splitlines() if "WARNING" in w or "ERROR" in w]


def test_entries_show_their_dates_and_history(kb_build, tmp_path: Path) -> None:
    app = kb_build(src=project(tmp_path), confoverrides={"kb_history_url": HISTORY})
    out = Path(app.outdir)
    assert warnings_of(app) == []
    reviewed = soup(out, "practices/PC-001.html").select_one(".kb-living dd")
    assert reviewed.select_one("time")["datetime"] == "2026-06-10"
    assert reviewed.select_one("time").get_text() == "10 June 2026"
    history = reviewed.select_one("a.kb-history")
    assert history["href"] == "https://git.example.org/kb/-/commits/main/practices/PC-001.md"
    written = soup(out, "practices/PC-002.html").select_one(".kb-living dd")
    assert " ".join(written.get_text(" ").split()) == (
        "not since it was written on 1 May 2026 · Change history"
    )
    undated = soup(out, "practices/PC-003.html").select_one(".kb-living dd")
    assert undated.get_text(" ").split("·")[0].strip() == "no date given"
    assert undated.select_one("a.kb-history")["href"].endswith("/main/practices/PC-003.md")


def test_without_a_history_url_an_undated_entry_says_nothing(kb_build, tmp_path: Path) -> None:
    app = kb_build(src=project(tmp_path))
    out = Path(app.outdir)
    assert soup(out, "practices/PC-003.html").select_one(".kb-living") is None
    dated = soup(out, "practices/PC-001.html").select_one(".kb-living")
    assert dated.select_one("time")["datetime"] == "2026-06-10"
    assert dated.select_one("a") is None


def test_whats_new_lists_the_newest_changes_first(kb_build, tmp_path: Path) -> None:
    app = kb_build(src=project(tmp_path))
    page = soup(Path(app.outdir), "whats-new.html")
    items = [
        (
            li.select_one(".kb-change").get_text(),
            li.select_one("time")["datetime"],
            li.select_one("a")["href"],
        )
        for li in page.select(".kb-whats-new li")
    ]
    assert items == [
        ("Reviewed", "2026-06-10", "practices/PC-001.html"),
        ("New", "2026-05-01", "practices/PC-002.html"),
        ("New", "2026-01-15", "briefs/discipline-data.html"),
        ("New", "2025-05-01", "briefs/families.html"),
    ]
    months = [h.get_text() for h in page.select(".kb-whats-new h2")]
    assert months == ["June 2026", "May 2026", "January 2026", "May 2025"]
    # The title is text, not markup, on the page too.
    link = page.select_one('a[href="practices/PC-002.html"]')
    assert link.get_text() == f"PC-002 {TITLE}"
    assert "&lt;b&gt;panels&lt;/b&gt;" in str(link)
    assert "1 entry has no date" in page.select_one(".kb-whats-new-undated").get_text()
    assert page.select_one(".kb-feed a")["href"] == "whats-new.atom"


def test_the_feed_is_valid_atom(kb_build, tmp_path: Path) -> None:
    app = kb_build(src=project(tmp_path))
    out = Path(app.outdir)
    data = (out / "whats-new.atom").read_bytes()
    feed = feedparser.parse(data)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "KB test: what's new"
    assert [e.id for e in feed.entries] == [
        BASE + "practices/PC-001.html",
        BASE + "practices/PC-002.html",
        BASE + "briefs/discipline-data.html",
        BASE + "briefs/families.html",
    ]
    first, second = feed.entries[0], feed.entries[1]
    assert first.title == "PC-001: Equity pauses in improvement meetings (reviewed)"
    assert first.updated.startswith("2026-06-10") and first.published.startswith("2026-03-02")
    assert first.summary == "Stop and ask who benefits."
    # Markup in a title or summary is text in the feed: it reads back exactly.
    assert second.title == f"PC-002: {TITLE} (new)"
    assert second.summary == SUMMARY
    assert [t.term for t in second.tags] == ["practice"]
    assert feed.entries[3].authors == [{"name": "Test Author"}, {"name": "Second Author"}]
    # Every link is a page of the built site.
    for entry in feed.entries:
        assert entry.link.startswith(BASE)
        assert (out / entry.link.removeprefix(BASE)).is_file()

    # RFC 4287: the feed and each entry have one id, title and updated; the feed has an
    # author (or every entry has one) and a self link; ids are unique; dates are RFC 3339.
    root = ET.fromstring(data)
    assert root.tag == ATOM + "feed"
    date = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
    for element in [root, *root.findall(ATOM + "entry")]:
        for name in ("id", "title", "updated"):
            assert len(element.findall(ATOM + name)) == 1, (element.tag, name)
        assert date.match(element.findtext(ATOM + "updated"))
    assert root.findall(ATOM + "author")
    ids = [e.findtext(ATOM + "id") for e in root.findall(ATOM + "entry")]
    assert len(ids) == len(set(ids)) == 4
    selfs = [link for link in root.findall(ATOM + "link") if link.get("rel") == "self"]
    assert [link.get("href") for link in selfs] == [BASE + "whats-new.atom"]
    # Its updated is the newest change, so an unchanged site gives the same feed.
    assert root.findtext(ATOM + "updated").startswith("2026-06-10")

    # Every page names the feed, so a reader finds it from any link.
    head = soup(out, "practices/PC-003.html").select('link[rel="alternate"]')
    assert [(h["type"], h["href"]) for h in head] == [
        ("application/atom+xml", BASE + "whats-new.atom")
    ]


def test_a_review_reaches_the_page_and_the_feed_on_the_next_build(kb_build, tmp_path: Path) -> None:
    src = project(tmp_path)
    kb_build(src=src)
    set_fields(src / "practices" / "PC-002.md", reviewed="2026-07-01")
    app = kb_build(src=src)  # incremental: only PC-002 was edited
    out = Path(app.outdir)
    first = soup(out, "whats-new.html").select_one(".kb-whats-new li")
    assert first.select_one(".kb-change").get_text() == "Reviewed"
    assert first.select_one("a")["href"] == "practices/PC-002.html"
    feed = feedparser.parse((out / "whats-new.atom").read_bytes())
    assert feed.entries[0].id == BASE + "practices/PC-002.html"
    assert feed.entries[0].updated.startswith("2026-07-01")


def test_a_site_without_an_address_has_no_feed(kb_build, tmp_path: Path) -> None:
    app = kb_build(src=project(tmp_path), confoverrides={"html_baseurl": ""})
    out = Path(app.outdir)
    assert not (out / "whats-new.atom").exists()
    assert soup(out, "whats-new.html").select_one(".kb-feed") is None
    assert soup(out, "index.html").select('link[type="application/atom+xml"]') == []
    assert len(soup(out, "whats-new.html").select(".kb-whats-new li")) == 4


def test_bad_review_dates_are_located(kb_build, tmp_path: Path, capsys) -> None:
    src = project(tmp_path)
    cards = src / "practices"
    set_fields(cards / "PC-001.md", reviewed="2026-01-01")  # before its date, 2026-03-02
    set_fields(cards / "PC-002.md", reviewed="2999-01-01")
    set_fields(cards / "PC-003.md", reviewed="last spring")
    lines = {
        name: next(
            i
            for i, line in enumerate((cards / name).read_text().splitlines(), 1)
            if line.startswith("reviewed:")
        )
        for name in ("PC-001.md", "PC-002.md", "PC-003.md")
    }
    app = kb_build(src=src)
    warnings = warnings_of(app)
    assert len(warnings) == 3, warnings
    says = {
        "PC-001.md": "'reviewed' 2026-01-01 is before the entry's date 2026-03-02",
        "PC-002.md": "'reviewed' 2999-01-01 is in the future",
        "PC-003.md": "'reviewed' 'last spring' is not a date",
    }
    for name, message in says.items():
        [warning] = [w for w in warnings if f"{name}:{lines[name]}:" in w]
        assert message in warning and "[kb.bad_date]" in warning
    # The cards are still built, with the bad date left out.
    assert (Path(app.outdir) / "practices" / "PC-003.html").is_file()
    capsys.readouterr()
    assert main(["check", "--root", str(src), "--docs", "."]) == 1
    printed = capsys.readouterr().out.splitlines()
    for name, message in says.items():
        assert any(
            line.startswith(f"practices/{name}:{lines[name]}: ") and message in line
            for line in printed
        ), printed


def test_the_service_serves_the_feed_as_atom(kb_build, tmp_path: Path) -> None:
    import httpx
    from test_service_public import start_service, stop

    from equity_kb.search.layout import index_dir

    app = kb_build(src=project(tmp_path))
    site = Path(app.outdir)
    service = start_service(site, index_dir(site), tmp_path, "--workers", "1")
    try:
        answer = httpx.get(f"{service.base}/whats-new.atom")
    finally:
        stop(service)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/atom+xml")
    assert answer.content == (site / "whats-new.atom").read_bytes()


def test_a_history_url_without_a_path_stops_the_build(kb_build, tmp_path: Path) -> None:
    from sphinx.errors import ConfigError

    with pytest.raises(ConfigError, match=r"kb_history_url is .*, with no \{path\}"):
        kb_build(
            src=project(tmp_path), confoverrides={"kb_history_url": "https://git.example.org/"}
        )
