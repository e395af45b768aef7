"""Work started when the references are loaded: the search index of the references and
the exports, written by forked processes while the build goes on.

The test root has three references; the thresholds that keep small bibliographies in
the build's own process are set to 0 so the real forked path runs.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import ROOTS

from equity_kb.core import exports
from equity_kb.search import SearchEngine, current_generation
from equity_kb.search import indexer as search_indexer
from equity_kb.search.generations import read_manifest
from equity_kb.search.indexer import digest, finish_prebuild, prebuild
from equity_kb.search.layout import index_dir, state_dir
from equity_kb.search.static_index import read_store
from equity_kb.sphinxext.bibliography import references
from equity_kb.sphinxext.searchpage import indexing


@pytest.fixture
def ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(indexing, "PREBUILD_MIN_REFERENCES", 0)
    monkeypatch.setattr(references, "EXPORTS_AHEAD_MIN", 0)


def test_a_clean_build_writes_the_references_ahead_and_the_index_is_whole(kb_build, ahead):
    app = kb_build()
    assert "search index: 8 entries (rebuilt; references written ahead in" in app.status.getvalue()
    out = Path(app.outdir)
    index = index_dir(out)
    assert not list(index.glob(".tmp-*"))  # the folder written ahead became the generation
    with SearchEngine(index) as engine:
        assert engine.search("", page_size=100).total == 8  # 2 briefs, 3 cards, 3 references
        ref = engine.search("equitable", types=["reference"]).hits[0]
        assert ref.url == "bibliography/b.html#ref-bowman2021getting"
        assert engine.search("discipline data", tenets=["data"]).hits[0].type == "brief"
    # The manifest is what a synchronisation would write: the next build changes nothing.
    manifest = read_manifest(current_generation(index))
    assert len(manifest["docs"]) == 8
    # The static index's part of the references was written ahead too, and follows the
    # pages' own part; the generation keeps nothing of it.
    store = read_store(out)
    assert store is not None
    refs = set(references.kb_domain(app.env).references)
    part = {key: page.rpartition("/")[0] for key, page in store["ids"].items()}
    assert {part[k] for k in refs} == {"part-2"} and {part[k] for k in part.keys() - refs} == {""}
    assert not list(current_generation(index).rglob("parts.json"))
    app = kb_build()
    assert "search index: up to date" in app.status.getvalue()


def test_exports_written_ahead_are_the_exports(kb_build, ahead):
    app = kb_build()
    folder = Path(app.outdir) / "bibliography"
    refs = references.sort_entries(references.kb_domain(app.env).references.values())
    assert (folder / "equity-kb.bib").read_text(encoding="utf-8") == exports.to_bibtex(refs)
    assert (folder / "equity-kb.ris").read_text(encoding="utf-8") == exports.to_ris(refs)
    items = json.loads((folder / "equity-kb.json").read_text(encoding="utf-8"))
    assert [i["id"] for i in items] == [r.key for r in refs]
    assert (folder / "equity-kb.json").read_text(encoding="utf-8") == exports.to_csl_json(refs)
    assert (state_dir(app.outdir) / "exported").read_text() == references.kb_domain(app.env).data[
        "bib_digest"
    ]
    assert (folder / "equity-kb.bib").stat().st_mode & 0o044  # readable by a web server


def test_the_references_download_records_are_made_by_the_exports_job(
    kb_build, ahead, monkeypatch, tmp_path
):
    """The exports job makes each reference's download records and keeps them in the
    build state; the build's end takes them, as it takes them again after an edit that
    leaves the .bib files alone. Another bibliography's kept records are not used."""
    import os

    from equity_kb.core.citable import record_texts
    from equity_kb.core.csl import to_csl
    from equity_kb.sphinxext.bibliography import reference_records

    real = reference_records.make_records
    log = tmp_path / "made-by"  # a file: the job is another process
    log.write_text("", encoding="utf-8")

    def spy(refs):  # type: ignore[no-untyped-def]
        with log.open("a", encoding="utf-8") as f:
            f.write(f"{os.getpid()}\n")
        return real(refs)

    def made_by() -> list[int]:
        return [int(line) for line in log.read_text(encoding="utf-8").split()]

    monkeypatch.setattr(reference_records, "make_records", spy)
    src = tmp_path / "kb"
    shutil.copytree(ROOTS / "test-kb", src)
    app = kb_build(src=src)
    assert made_by() and os.getpid() not in made_by()  # made in the job only
    domain = references.kb_domain(app.env)
    data = json.loads(
        (Path(app.outdir) / "_downloads/cite/records.json").read_text(encoding="utf-8")
    )["records"]
    for ref in domain.references.values():
        assert data[ref.key] == record_texts(ref, to_csl(ref, rich=True))
    # A page edited, the .bib alone: the kept records are taken, not made again.
    log.write_text("", encoding="utf-8")
    page = src / "gap-map.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    kb_build(src=src)
    assert made_by() == []
    # Records kept for another bibliography are not taken.
    out = Path(app.outdir)
    reference_records.write_records_state(out, "another digest", {"x": {}})
    kept = reference_records.reference_records(out, domain.data["bib_digest"], domain.references)
    assert made_by() == [os.getpid()] and kept.keys() == domain.references.keys()


def test_the_bib_encoding_is_part_of_the_bibliography_digest(kb_build, tmp_path):
    src = tmp_path / "kb"
    shutil.copytree(ROOTS / "test-kb", src)
    first = references.kb_domain(kb_build(src=src).env).data["bib_digest"]
    latin = references.kb_domain(
        kb_build(src=src, confoverrides={"bibtex_encoding": "latin-1"}).env
    ).data["bib_digest"]
    assert first != latin


def test_a_failed_job_leaves_the_work_to_the_build(kb_build, ahead, monkeypatch):
    def broken(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(search_indexer, "prebuild", broken)
    monkeypatch.setattr(references, "_write_export_files", _fail_in_child(references))
    app = kb_build()
    log = app.status.getvalue()
    assert "writing the references ahead failed" in log
    assert "search index: 8 entries (rebuilt; static index rewritten) in" in log
    index = index_dir(app.outdir)
    assert not list(index.glob(".tmp-*"))
    with SearchEngine(index) as engine:
        assert engine.search("", page_size=100).total == 8
    assert (Path(app.outdir) / "bibliography/equity-kb.bib").is_file()


def _fail_in_child(module: object):  # type: ignore[no-untyped-def]
    """A writer that fails in the forked child and works in the build's process."""
    import os

    real = module._write_export_files  # type: ignore[attr-defined]
    parent = os.getpid()

    def write(*args: object) -> None:
        if os.getpid() != parent:
            raise RuntimeError("no space left")
        real(*args)

    return write


def test_an_edited_bibliography_with_an_index_is_synchronised_not_written_ahead(
    kb_build, ahead, tmp_path
):
    src = tmp_path / "kb"
    shutil.copytree(ROOTS / "test-kb", src)
    kb_build(src=src)
    bib = src / "refs" / "refs.bib"
    bib.write_text(bib.read_text(encoding="utf-8").replace("equitable", "fair-minded", 1))
    app = kb_build(src=src)
    log = app.status.getvalue()
    assert "(1 updated, 0 removed; static index rewritten)" in log and "written ahead" not in log


# -- the indexer's part, on its own ---------------------------------------------------------


def _docs(n: int, prefix: str = "d") -> list[dict[str, object]]:
    return [
        {
            "key": f"{prefix}{i}",
            "type": "reference",
            "title": f"Title {i} about coaching",
            "summary": "",
            "body": "",
            "annotation": f"Annotation {i} on restorative practice.",
            "authors": ["Ana Ruiz"],
            "year": 2020,
            "tenets": ["data"],
            "focus": [],
            "levels": [],
            "url": f"bibliography/r.html#ref-{prefix}{i}",
        }
        for i in range(n)
    ]


def test_finish_adds_what_the_folder_lacks(tmp_path: Path) -> None:
    index = tmp_path / "index"
    folder = index / ".tmp-prebuild-1"
    refs, cards = _docs(5), _docs(2, prefix="PC-")
    prebuild(folder, refs)
    stats = finish_prebuild(index, folder, refs + cards)
    assert stats is not None and stats.documents == 7 and not folder.exists()
    gen = current_generation(index)
    assert gen is not None and not (gen / "static").exists()  # parts never taken: dropped
    assert read_manifest(gen)["docs"] == {d["key"]: digest(d) for d in refs + cards}
    with SearchEngine(index) as engine:
        assert engine.search("coaching", page_size=10).total == 7


def test_the_static_records_take_the_terms_written_ahead(tmp_path: Path, monkeypatch) -> None:
    """The references' text is analysed once, for the Whoosh index written ahead; their
    static records take those terms (the same as analysing them again would give), and
    only the documents added at the end are analysed."""
    from test_search_fixtures import fixture_docs

    from equity_kb.search import static_index
    from equity_kb.search.indexer import prebuild_dir, prebuilt_terms, publish_search

    docs = fixture_docs()
    refs = [d for d in docs if d["type"] == "reference"]
    rest = [d for d in docs if d["type"] != "reference"]
    assert refs and rest
    site = tmp_path / "html"
    folder = prebuild_dir(index_dir(site))
    prebuild(folder, refs)
    made = prebuilt_terms(folder)
    assert made == {d["key"]: static_index.record_terms(d) for d in refs}
    analysed: list[str] = []
    real = static_index.entry_terms
    monkeypatch.setattr(
        static_index,
        "entry_terms",
        lambda doc, fields=None: analysed.append(doc["key"]) or real(doc, fields),
    )
    stats = publish_search(site, refs + rest, prebuilt=folder)
    assert stats.rebuilt and stats.ahead_seconds is not None
    assert sorted(analysed) == sorted(d["key"] for d in rest)
    records = static_index.read_records(site) or {}
    assert {k: r["terms"] for k, r in records.items()} == {d["key"]: real(d) for d in refs + rest}


def test_a_folder_that_no_longer_matches_is_dropped(tmp_path: Path) -> None:
    index = tmp_path / "index"
    folder = index / ".tmp-prebuild-1"
    refs = _docs(3)
    prebuild(folder, refs)
    changed = [dict(refs[0], title="Another title"), *refs[1:]]
    assert finish_prebuild(index, folder, changed) is None
    assert not folder.exists() and current_generation(index) is None
    prebuild(folder, refs)
    assert finish_prebuild(index, folder, refs[1:]) is None  # one was deleted meanwhile
    (index / ".tmp-prebuild-2").mkdir(parents=True)  # incomplete: no digests written
    assert finish_prebuild(index, index / ".tmp-prebuild-2", refs) is None


def test_both_indexes_are_written_beside_the_pages_in_another_process(kb_build, monkeypatch):
    """Told their documents when reading ends, a process of their own writes them; the build's end
    collects its answer and reports it as its own (here the build's own writer fails)."""
    from equity_kb.search import stamps

    def not_here(*args: object, **kwargs: object) -> None:
        raise AssertionError("the build's own process wrote the search indexes")

    monkeypatch.setattr(stamps, "publish_sources", not_here)
    app = kb_build()
    assert "search index: 8 entries (rebuilt; static index rewritten) in" in app.status.getvalue()
    state = state_dir(app.outdir)
    assert not list(state.glob("index-job*")) and not list(state.glob("index-answer*"))
    with SearchEngine(index_dir(app.outdir)) as engine:
        assert engine.search("", page_size=100).total == 8
    assert (Path(app.outdir) / "kb-search" / "pagefind-entry.json").is_file()
    # An edit: the process gets only the documents the update compares, and updates.
    page = Path(app.srcdir) / "practices" / "PC-001.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nZygomorphic.\n", encoding="utf-8")
    app = kb_build()
    assert "search index: 8 entries (1 updated, 0 removed; static index rewritten)" in (
        app.status.getvalue()
    )
    with SearchEngine(index_dir(app.outdir)) as engine:
        assert engine.search("zygomorphic").total == 1


def test_a_failed_index_process_leaves_the_indexes_to_the_build(kb_build, monkeypatch):
    from equity_kb.core import faults

    monkeypatch.setenv(faults.VARIABLE, "index-job")  # the process kills itself
    app = kb_build()
    log = app.status.getvalue()
    assert "the process writing it failed; writing it here" in log
    assert "search index: 8 entries (rebuilt; static index rewritten) in" in log
    with SearchEngine(index_dir(app.outdir)) as engine:
        assert engine.search("", page_size=100).total == 8


def test_a_nearly_full_disk_has_the_indexes_written_after_the_pages(kb_build, monkeypatch):
    """With little room on the output's disk, no job writes beside the pages: a disk
    filling up then fails the index (which the service survives), never a page."""
    import os

    from equity_kb.search import stamps

    monkeypatch.setattr(indexing, "BESIDE_MIN_FREE", 1 << 62)
    real, pids = stamps.publish_sources, []

    def publish(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        pids.append(os.getpid())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(stamps, "publish_sources", publish)
    app = kb_build()
    assert pids == [os.getpid()]
    assert "search index: 8 entries (rebuilt; static index rewritten) in" in app.status.getvalue()


def test_the_index_job_answers_a_failed_write_with_its_path(tmp_path: Path) -> None:
    """The job cannot write (its state folder is a file): it answers with the error and
    its path, for the build to report."""
    from test_search_fixtures import fixture_docs

    from equity_kb.search import index_job

    site = tmp_path / "html"
    site.mkdir()
    state_dir(site).write_text("not a folder")
    docs = fixture_docs()
    payload, answer = tmp_path / "payload", tmp_path / "answer.json"
    index_job.write_payload(
        payload, site=site, stamps={d["key"]: "s" for d in docs}, docs=docs, labels=None
    )
    result = index_job.run(payload, answer)
    assert json.loads(answer.read_text()) == result
    code, message, filename = result["error"]
    assert code != 0 and message and "html-state" in str(filename)


def test_a_build_that_fails_after_telling_the_job_leaves_nothing_running(tmp_path: Path) -> None:
    """The job has its work when the build fails (an extension raises at the end of
    reading): it is stopped, its files are removed, and the next build writes the index."""
    import subprocess
    import sys

    src = tmp_path / "kb"
    shutil.copytree(ROOTS / "test-kb", src)
    conf = src / "conf.py"
    plain = conf.read_text(encoding="utf-8")
    conf.write_text(
        plain + "\n\ndef setup(app):\n"
        "    def boom(app, env):\n"
        "        raise RuntimeError('an extension failed after reading')\n"
        "    app.connect('env-updated', boom, priority=950)\n",
        encoding="utf-8",
    )
    out = tmp_path / "html"
    argv = [sys.executable, "-m", "sphinx", "-q", str(src), str(out)]
    failed = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert failed.returncode != 0 and "an extension failed after reading" in failed.stderr
    state = state_dir(out)
    assert not list(state.glob("index-job*")) and not list(state.glob("index-answer*"))
    assert not _processes("equity_kb.search.index_job")
    conf.write_text(plain, encoding="utf-8")
    again = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    with SearchEngine(index_dir(out)) as engine:
        assert engine.search("", page_size=100).total == 8


def _processes(part: str) -> list[str]:
    """Command lines of running processes that contain ``part`` (from /proc)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if part in text:
            found.append(text)
    return found


def spawns(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bool, object]]:
    """Each start of the index job: whether the builder was known yet, and its job."""
    from equity_kb.core import background

    seen: list[tuple[bool, object]] = []
    spawn = indexing._spawn_job

    def recorded(app, *args):  # type: ignore[no-untyped-def]
        started = spawn(app, *args)
        known = getattr(app, "builder", None) is not None
        seen.append((known, background.peek(app, indexing.INDEX_JOB)))
        return started

    monkeypatch.setattr(indexing, "_spawn_job", recorded)
    return seen


def test_the_index_job_starts_before_the_environment_is_loaded(kb_build, monkeypatch):
    """Started once the build holds its lock (config-inited, no builder yet), the job
    imports what it needs while Sphinx loads the environment; it is told its work later."""
    from equity_kb.search import stamps

    seen = spawns(monkeypatch)
    monkeypatch.setattr(stamps, "publish_sources", None)  # the build's own writer: not used
    app = kb_build()
    assert [known for known, _ in seen] == [False]  # one job, started before the builder
    assert "search index: 8 entries (rebuilt; static index rewritten) in" in app.status.getvalue()


def test_a_job_started_before_the_prebuild_is_handed_its_end(kb_build, ahead, monkeypatch):
    """The job started at config-inited is kept when the prebuild starts: it is handed
    the prebuild's end (a descriptor, over its stdin socket), waits for it, and writes
    both indexes; no second interpreter is started."""
    from equity_kb.search import stamps

    seen = spawns(monkeypatch)
    monkeypatch.setattr(stamps, "publish_sources", None)  # the job wrote them, not the build
    app = kb_build()
    assert "8 entries (rebuilt; references written ahead in" in app.status.getvalue()
    assert [known for known, _ in seen] == [False]
    job = seen[0][1]
    assert job is not None and len(job.passed) == 2  # type: ignore[attr-defined]  (lock, end)
    assert job._popen.poll() == 0  # type: ignore[attr-defined]
    with SearchEngine(index_dir(app.outdir)) as engine:
        assert engine.search("", page_size=100).total == 8


def test_a_job_that_cannot_be_handed_the_end_is_replaced(kb_build, ahead, monkeypatch):
    """Where a descriptor cannot be handed over, the early job is stopped and one started
    holding the prebuild's end writes the indexes."""
    from equity_kb.core import background
    from equity_kb.search import stamps

    monkeypatch.setattr(background.Spawned, "hand_over", lambda self, fd: False)
    seen = spawns(monkeypatch)
    monkeypatch.setattr(stamps, "publish_sources", None)
    app = kb_build()
    assert "8 entries (rebuilt; references written ahead in" in app.status.getvalue()
    assert [known for known, _ in seen] == [False, True]
    early = seen[0][1]
    assert early is not None and early._popen.poll() is not None  # type: ignore[attr-defined]
    with SearchEngine(index_dir(app.outdir)) as engine:
        assert engine.search("", page_size=100).total == 8


def test_a_builder_that_writes_no_site_stops_the_early_job(tmp_path, make_app, monkeypatch):
    from equity_kb.core import background

    seen = spawns(monkeypatch)
    src = tmp_path / "kb"
    shutil.copytree(ROOTS / "test-kb", src)
    app = make_app("text", srcdir=src, freshenv=True)
    app.build()
    assert len(seen) == 1 and seen[0][1] is not None
    stopped = seen[0][1]._popen.poll() is not None  # type: ignore[attr-defined]
    assert stopped
    assert background.peek(app, indexing.INDEX_JOB) is None
    assert not index_dir(app.outdir).exists() and not (Path(app.outdir) / "kb-search").exists()


def test_records_of_an_older_format_have_the_static_index_written_whole(kb_build):
    """The records' file is named for its format's version: after an edit, a build finds
    none of its own (a site built by an older release), hands the job every document,
    and the job writes the static index whole and drops the older file."""
    from equity_kb.search.layout import records_path

    app = kb_build()
    kept = records_path(app.outdir)
    older = kept.with_name("static-records.pickle")  # version 5's name
    kept.rename(older)
    page = Path(app.srcdir) / "practices" / "PC-001.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nZygomorphic.\n", encoding="utf-8")
    app = kb_build()
    log = app.status.getvalue()
    assert "static index rewritten" in log
    assert "the process writing it failed" not in log  # the job had what it needed
    assert kept.is_file() and not older.exists()
