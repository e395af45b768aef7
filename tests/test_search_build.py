"""The build writes the Whoosh index and the static index, and keeps them current."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import ROOTS

from equity_kb.search import SearchEngine, current_generation, index_dir
from equity_kb.search.static_index import read_records


def test_build_writes_an_index_of_every_entry(kb_build):
    app = kb_build()
    out = Path(app.outdir)
    with SearchEngine(index_dir(out)) as engine:
        result = engine.search("", page_size=100)
        assert result.total == 8  # 2 briefs, 3 cards, 3 references
        hits = engine.search("discipline data", tenets=["data"]).hits
        assert hits[0].title == "Looking at discipline data by race"
        assert hits[0].url == "briefs/discipline-data.html"
        ref = engine.search("equitable", types=["reference"]).hits[0]
        assert ref.url == "bibliography/b.html#ref-bowman2021getting"
    records = read_records(out) or {}
    titles = {k: r["meta"]["title"] for k, r in records.items()}
    assert len(titles) == 8 and (out / "kb-search" / "pagefind.js").is_file()
    assert records["bowman2021getting"]["url"] == "bibliography/b.html#ref-bowman2021getting"
    assert titles["xss2020"].startswith('<script>alert("title")</script>')  # data, not markup


def test_an_edit_updates_the_index_and_a_delete_removes_the_entry(kb_build, tmp_path, capsys):
    src = tmp_path / "kb"
    shutil.copytree(ROOTS / "test-kb", src)
    app = kb_build(src=src)
    index = index_dir(app.outdir)
    first = current_generation(index)
    card = src / "practices/PC-002.md"
    card.write_text(card.read_text().replace("A panel.", "A panel about zygomorphic flowers."))
    app = kb_build(src=src)
    assert (
        "search index: 8 entries (1 updated, 0 removed; static index rewritten)"
        in app.status.getvalue()
    )
    assert current_generation(index) != first
    with SearchEngine(index) as engine:
        assert [h.key for h in engine.search("zygomorphic").hits] == ["PC-002"]
    (src / "practices/PC-003.md").unlink()
    app = kb_build(src=src)
    assert "(0 updated, 1 removed; static index rewritten)" in app.status.getvalue()
    with SearchEngine(index) as engine:
        assert engine.search("literacy nights").total == 0
        assert engine.search("").total == 7
