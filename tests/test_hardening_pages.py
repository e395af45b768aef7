"""Parts of the build no other test reached: the ``kb-terms`` and ``kb-search``
directives, the ``kb_entry_dirs`` and ``kb_cache_dir`` settings, and an incremental
build after ``vocabulary.yml`` changes. Real builds of copies of tests/roots/test-kb."""

from __future__ import annotations

import json
import posixpath
import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import ROOTS, html
from sphinx.errors import ConfigError

from equity_kb.core.bibtex import clear_cache
from equity_kb.search.schema import QUERY_STOP_WORDS
from equity_kb.sphinxext.entries.domain import kb_domain


def copy_root(tmp_path: Path, **pages: str) -> Path:
    """tests/roots/test-kb copied, with extra pages (name -> Markdown) written in."""
    src = tmp_path / "kb"
    shutil.copytree(ROOTS / "test-kb", src)
    for name, text in pages.items():
        path = src / f"{name}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return src


def soup(app, page: str) -> BeautifulSoup:
    return BeautifulSoup(html(app, page), "html.parser")


def counts_by_hand(app, kind: str) -> dict[str, int]:
    """Label -> how many entries of the domain carry the term."""
    domain = kb_domain(app.env)
    return {
        t.label: sum(1 for e in domain.all_entries() if t.id in getattr(e, kind))
        for t in domain.vocabulary.terms[kind]
    }


TERMS_PAGE = """---
orphan: true
title: Terms
---

# Terms

```{kb-terms} focus
```

```{kb-terms} colours
```

After the lists.
"""


def test_kb_terms_lists_each_term_with_its_count_and_page(kb_build, tmp_path):
    src = copy_root(tmp_path, terms=TERMS_PAGE)
    vocabulary = src / "vocabulary.yml"
    vocabulary.write_text(
        vocabulary.read_text().replace(
            "description: Discipline gaps.", "description: 'Discipline <b>gaps</b> & more.'"
        )
    )
    app = kb_build(src=src)
    page = soup(app, "terms")
    items = page.select("ul.kb-terms li")
    shown = {
        li.a.get_text(): int(li.select_one(".kb-count").get_text().strip("()")) for li in items
    }
    assert shown == counts_by_hand(app, "focus")
    # Discipline: PC-001, PC-002, the discipline brief and bowman2021getting.
    assert shown == {
        "Discipline disproportionality": 4,
        "Family engagement": 2,
        "Early literacy": 1,
    }
    for li in items:
        target = Path(app.outdir) / li.a["href"]
        assert target.is_file(), li.a["href"]
    # The description is text: its markup is escaped, not rendered.
    first = items[0]
    assert first.b is None and "Discipline <b>gaps</b> & more." in first.get_text()
    # A kind that is not one is an error at the directive's line; the page still builds.
    warnings = re.sub(r"\x1b\[[0-9;]*m", "", app.warning.getvalue())
    assert "terms.md:11: ERROR: kb-terms takes one of tenets, focus, levels, not 'colours'" in (
        warnings
    ), warnings
    assert "After the lists." in page.get_text()


SEARCH_PAGE = """---
orphan: true
title: Find
---

# Find

```{kb-search}
```
"""


def test_kb_search_writes_the_search_box_and_its_data(kb_build, tmp_path):
    src = copy_root(tmp_path, **{"help/find": SEARCH_PAGE})
    app = kb_build(src=src)
    raw = html(app, "help/find")
    box = BeautifulSoup(raw, "html.parser").select_one("#kb-search")
    # One folder down: the site root and the static index are one step up.
    assert box["data-root"] == "../"
    assert box["data-static"] == "../kb-search/"
    assert box["data-api"] == "/api/search"
    assert not box.has_attr("data-explore")
    assert (Path(app.outdir) / "help" / box["data-static"] / "pagefind-entry.json").is_file()
    page = BeautifulSoup(raw, "html.parser")
    labels = json.loads(page.select_one("#kb-search-labels").get_text())
    assert labels["tenets"] == {
        t.id: t.label for t in kb_domain(app.env).vocabulary.terms["tenets"]
    }
    assert labels["type"]["practice"] == "Practice card"
    stop = json.loads(page.select_one("#kb-search-stopwords").get_text())
    assert stop == sorted(QUERY_STOP_WORDS)
    # Only the pages with a search box load its scripts and styles.
    scripts = {posixpath.basename(s["src"].split("?")[0]) for s in page.select("script[src]")}
    assert {"search.js", "search_static.js"} <= scripts
    assert any("search.css" in link["href"] for link in page.select("link[rel=stylesheet]"))
    home = soup(app, "index")
    assert not any("search.js" in s["src"] for s in home.select("script[src]"))


def test_kb_entry_dirs_chooses_the_folders_of_entries(kb_build, tmp_path):
    src = copy_root(tmp_path)
    (src / "practices").rename(src / "cards")
    index = src / "index.md"
    index.write_text(index.read_text().replace("practices/index", "cards/index"))
    app = kb_build(
        src=src, confoverrides={"kb_entry_dirs": {"cards": "practice", "briefs": "brief"}}
    )
    domain = kb_domain(app.env)
    cards = sorted(e.key for e in domain.all_entries() if e.type == "practice")
    assert cards == ["PC-001", "PC-002", "PC-003"]
    assert {e.docname for e in domain.all_entries() if e.type == "practice"} == {
        "cards/PC-001",
        "cards/PC-002",
        "cards/PC-003",
    }
    assert "Student voice panels" in html(app, "cards/PC-002")


def test_a_bad_kb_entry_dirs_is_a_config_error_naming_it(kb_build, tmp_path):
    src = copy_root(tmp_path)
    with pytest.raises(ConfigError) as err:
        kb_build(src=src, confoverrides={"kb_entry_dirs": {"practices": "card"}})
    assert str(err.value) == (
        "kb_entry_dirs maps folders to 'brief' or 'practice'; fix {'practices': 'card'} in conf.py"
    )


def test_kb_cache_dir_holds_the_bibliography_cache(kb_build, tmp_path):
    src = copy_root(tmp_path)
    cache = tmp_path / "bib-cache"
    clear_cache()  # as in a new process: what was parsed in memory is written to disk
    kb_build(src=src, confoverrides={"kb_cache_dir": str(cache)})
    assert sorted(p.suffix for p in cache.glob("bib-*")) == [".pickle"]


def test_kb_cache_dir_that_is_a_file_stops_the_build(kb_build, tmp_path):
    src = copy_root(tmp_path)
    (tmp_path / "not-a-folder").write_text("x")
    with pytest.raises(ConfigError, match="not-a-folder is a file, not a folder"):
        kb_build(src=src, confoverrides={"kb_cache_dir": str(tmp_path / "not-a-folder")})


def test_editing_the_vocabulary_rebuilds_what_shows_it(kb_build, tmp_path):
    src = copy_root(tmp_path)
    app = kb_build(src=src)
    assert "Race-conscious data use" in html(app, "gap-map")
    vocabulary = src / "vocabulary.yml"
    text = vocabulary.read_text()
    text = text.replace("label: Race-conscious data use", "label: Data inquiry by race")
    literacy = "  - {id: early-literacy, label: Early literacy}\n"
    text = text.replace(literacy, literacy + "  - {id: detracking, label: Detracking}\n")
    vocabulary.write_text(text)
    app = kb_build(src=src)  # the same environment: an incremental build
    gap_map = soup(app, "gap-map")
    headers = [th.get_text(strip=True) for th in gap_map.select("#kb-gapmap-focus thead th")]
    assert "Data inquiry by race" in headers and "Race-conscious data use" not in headers
    rows = [tr.th.get_text(strip=True) for tr in gap_map.select("#kb-gapmap-focus tbody tr")]
    assert rows == [
        "Discipline disproportionality",
        "Family engagement",
        "Early literacy",
        "Detracking",
    ]
    new_row = gap_map.select("#kb-gapmap-focus tbody tr")[-1]
    assert [td.get_text(strip=True) for td in new_row.select("td")] == ["Gap"] * 4
    # A card tagged data shows the new label, though its own page did not change.
    card = soup(app, "practices/PC-001")
    assert "Data inquiry by race" in card.get_text()
    assert "Race-conscious data use" not in card.get_text()
    assert (
        not (Path(app.outdir) / "tenets" / "data.html").read_text().count("Race-conscious data use")
    )
