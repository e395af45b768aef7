"""-j 2 gives the same site as -j 1; incremental builds follow edits and deletions."""

from __future__ import annotations

import shutil
from pathlib import Path

from bs4 import BeautifulSoup
from conftest import ROOTS, html


def article(app, page: str) -> str:
    main = BeautifulSoup(html(app, page), "html.parser").select_one("article")
    return main.decode() if main else ""


def add_cards(src: Path, n: int) -> None:
    """Parallel reading needs more than a handful of documents."""
    for i in range(4, 4 + n):
        (src / f"practices/PC-{i:03d}.md").write_text(
            f"---\nid: PC-{i:03d}\ntitle: Card {i}\ntenets: [{'data' if i % 2 else 'capacity'}]\n"
            f"focus: [discipline]\nlevels: [school]\norganization: Org {i}\nsummary: S {i}.\n"
            "---\n\n## What it is\n\nText {cite:p}`bowman2021getting`.\n",
            encoding="utf-8",
        )


def pages(outdir: Path) -> list[str]:
    return sorted(
        str(p.relative_to(outdir))[:-5] for p in outdir.rglob("*.html") if "_static" not in p.parts
    )


def test_parallel_build_equals_serial(kb_build, tmp_path):
    for name in ("serial", "parallel"):
        shutil.copytree(ROOTS / "test-kb", tmp_path / name)
        add_cards(tmp_path / name, 8)
    serial = kb_build(src=tmp_path / "serial", parallel=1)
    parallel = kb_build(src=tmp_path / "parallel", parallel=2)
    assert serial.warning.getvalue() == "" and parallel.warning.getvalue() == ""
    assert pages(Path(serial.outdir)) == pages(Path(parallel.outdir))
    for page in pages(Path(serial.outdir)):
        if page in ("genindex", "search"):
            continue
        assert article(serial, page) == article(parallel, page), page


def test_incremental_rebuild_follows_edits_and_deletes(kb_build, tmp_path):
    src = tmp_path / "kb"
    shutil.copytree(ROOTS / "test-kb", src)
    app = kb_build(src=src)
    assert "Student voice panels" not in html(app, "tenets/data")

    card = src / "practices/PC-002.md"
    card.write_text(card.read_text().replace("tenets: [practice]", "tenets: [data]"))
    app = kb_build(src=src)
    assert app.warning.getvalue() == ""
    assert "Student voice panels" in html(app, "tenets/data")
    assert "Student voice panels" not in html(app, "tenets/practice")
    assert "2 practice cards, 1 brief" in html(app, "index")  # data: PC-001, PC-002

    (src / "practices/PC-003.md").unlink()
    app = kb_build(src=src)
    assert app.warning.getvalue() == ""
    for page in (
        "practices/index",
        "tenets/practice",
        "tenets/capacity",
        "focus/early-literacy",
        "focus/family-engagement",
        "levels/classroom",
    ):
        assert "Family literacy nights" not in html(app, page), page
    assert "Everyday practice" in html(app, "index")


def test_an_edit_that_changes_no_listing_rewrites_no_generated_page(kb_build, tmp_path):
    src = tmp_path / "kb"
    shutil.copytree(ROOTS / "test-kb", src)
    app = kb_build(src=src)
    out = Path(app.outdir)
    generated = [out / "tenets/data.html", out / "bibliography/b.html", out / "index.html"]
    before = {p: p.stat().st_mtime_ns for p in generated}
    card = src / "practices/PC-002.md"
    card.write_text(card.read_text() + "\nA new paragraph in the body only.\n")
    app = kb_build(src=src)
    assert "A new paragraph" in html(app, "practices/PC-002")
    assert {p: p.stat().st_mtime_ns for p in generated} == before


def test_a_reference_edit_rewrites_its_own_bibliography_page_only(kb_build, tmp_path):
    """An annotation edited past its first sentence: its A-Z page is rewritten; the other
    A-Z pages and the tenet pages (which show only the first sentence) are not."""
    src = tmp_path / "kb"
    shutil.copytree(ROOTS / "test-kb", src)
    app = kb_build(src=src)
    out = Path(app.outdir)
    others = [out / "tenets/data.html", out / "bibliography/h.html", out / "index.html"]
    own = out / "bibliography/b.html"
    before = {p: p.stat().st_mtime_ns for p in [*others, own]}
    bib = src / "refs/refs.bib"
    bib.write_text(
        bib.read_text().replace(
            "Frames equity-driven continuous improvement.}",
            "Frames equity-driven continuous improvement. Zygomorphic second sentence.}",
        )
    )
    app = kb_build(src=src)
    assert "Zygomorphic second sentence" in html(app, "bibliography/b")
    assert own.stat().st_mtime_ns != before[own]
    assert {p: p.stat().st_mtime_ns for p in others} == {p: before[p] for p in others}


def test_a_parallel_reader_sends_back_only_what_is_merged() -> None:
    """Sphinx's parallel readers pickle their whole environment back to the build; the
    kb domain's data then carries the per-document tables of the documents that reader
    read (all ``merge_domaindata`` takes), not the bibliography and every page's text."""
    import os
    import pickle

    from equity_kb.sphinxext.entries import domain as kb_domain_module
    from equity_kb.sphinxext.entries import parallel_reading

    data = kb_domain_module._KBData(
        {
            "entries": {"a": "entry a", "b": "entry b"},
            "texts": {"a": "text a", "b": "text b"},
            "references": {"k": "a reference"},
            "changed_keys": frozenset({"k"}),
            "bib_digest": "digest",
            "version": 4,
        }
    )
    assert pickle.loads(pickle.dumps(data)) == data  # the build's own process: all of it
    build_pid = parallel_reading._build_pid
    try:
        parallel_reading._build_pid = -1  # as in a reader forked from the build
        parallel_reading.note_read("b")
        sent = pickle.loads(pickle.dumps(data))
        # The build's own process, even one that read documents (a build run in a
        # process forked from another): all of it, for the environment it saves.
        parallel_reading._build_pid = os.getpid()
        assert pickle.loads(pickle.dumps(data)) == data
        # A process forked for other work (it read no document): all of it.
        parallel_reading._build_pid = -1
        parallel_reading._read_elsewhere.clear()
        assert pickle.loads(pickle.dumps(data)) == data
    finally:
        parallel_reading._build_pid = build_pid
        parallel_reading._read_elsewhere.clear()
    assert sent["entries"] == {"b": "entry b"} and sent["texts"] == {"b": "text b"}
    assert sent["references"] == {} and sent["changed_keys"] == frozenset()
    assert sent["bib_digest"] == "digest" and sent["version"] == 4


def test_parallel_readers_send_back_only_their_documents(kb_build, tmp_path, monkeypatch):
    """Each of Sphinx's readers pickles its environment back to the build, which merges
    the documents that reader read. Sphinx's per-document tables (toctrees, titles,
    metadata, ...) and the kb domain's arrive holding those documents' rows only, not
    every page merged before the reader was forked; the build's own tables stay whole,
    and the environment it saves holds plain dicts with every document."""
    import pickle
    from collections import defaultdict

    from sphinx.environment import BuildEnvironment

    from equity_kb.sphinxext.entries.parallel_reading import SPHINX_TABLES

    src = tmp_path / "kb"
    shutil.copytree(ROOTS / "test-kb", src)
    add_cards(src, 30)
    merges: list[tuple[frozenset[str], dict[str, set[str]]]] = []
    merge = BuildEnvironment.merge_info_from

    def spy(self, docnames, other, app):
        rows = {name: set(getattr(other, name)) for name in SPHINX_TABLES}
        rows["kb entries"] = set(other.domaindata["kb"]["entries"])
        rows["kb texts"] = set(other.domaindata["kb"]["texts"])
        merges.append((frozenset(docnames), rows))
        return merge(self, docnames, other, app)

    monkeypatch.setattr(BuildEnvironment, "merge_info_from", spy)
    app = kb_build(src=src, parallel=2)
    assert app.warning.getvalue() == ""
    assert len(merges) > 2  # chunks read in forked readers, merged one after another
    for docnames, rows in merges:
        for name, docs in rows.items():
            assert docs <= docnames, (name, sorted(docs - docnames))
        assert rows["tocs"] == rows["titles"] == docnames
    read = set().union(*(d for d, _ in merges))
    assert set(app.env.tocs) == set(app.env.titles) == read == set(app.env.found_docs)
    assert {f"practices/PC-{i:03d}" for i in range(4, 34)} <= set(app.env.domaindata["kb"]["texts"])
    saved = Path(app.doctreedir) / "environment.pickle"
    if not saved.is_file():  # moved beside the site by sphinxext/safety/buildstate
        saved = next(Path(app.outdir).parent.rglob("environment.pickle"))
    with saved.open("rb") as f:
        env = pickle.load(f)
    for name in SPHINX_TABLES:
        assert type(getattr(env, name)) in (dict, defaultdict), name
        if name != "dependencies":  # only the pages that have any
            assert set(getattr(env, name)) == read, name
