"""Index documents, incremental updates, atomic swaps and the static catalog."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from test_search_fixtures import ENTRIES, LABELS, build_index, fixture_docs
from whoosh import index as whoosh_index

from equity_kb.core.model import Practice
from equity_kb.search import (
    SearchEngine,
    current_generation,
    rebuild_index,
    sync_index,
    update_index,
)
from equity_kb.search.documents import facet_labels, search_document
from equity_kb.search.generations import CURRENT, read_manifest


def generations(index: Path) -> list[str]:
    return sorted(p.name for p in index.iterdir() if p.name.startswith("gen-"))


def new_card(key: str = "PC-099", title: str = "Restorative circles in advisory") -> dict:
    entry = Practice(
        key=key,
        title=title,
        tenets=("practice", "capacity"),
        focus=("discipline-disproportionality",),
        levels=("school",),
        summary="Advisory teachers hold restorative circles instead of sending students out.",
        organization="Example High School",
    )
    return search_document(
        entry, body="Circles every week in advisory.", url=f"practices/{key}.html"
    )


# -- documents ------------------------------------------------------------------------------


def test_search_document_fields() -> None:
    entry, body, url = ENTRIES[9]  # bowman2021getting
    doc = search_document(entry, body=body, url=url)
    assert doc["key"] == doc["id"] == "bowman2021getting"
    assert doc["type"] == "reference"
    assert doc["year"] == 2021
    assert doc["authors"] == ["Alicia Bowman", "Amber Valdez"]
    assert doc["tenets"] == ["data", "capacity", "collective-learning"]
    assert doc["annotation"].startswith("County offices")
    assert doc["summary"].startswith("County offices")  # a reference shows its annotation
    assert doc["url"] == "bibliography/index.html#ref-bowman2021getting"
    json.dumps(doc)  # plain data


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "//evil.example/x"])
def test_search_document_refuses_urls_that_are_not_site_paths(url: str) -> None:
    entry, body, _ = ENTRIES[0]
    with pytest.raises(ValueError):
        search_document(entry, body=body, url=url)


def test_facet_labels_from_the_vocabulary() -> None:
    from equity_kb.core.vocabulary import load_vocabulary

    vocab = load_vocabulary(Path(__file__).resolve().parents[1] / "docs" / "vocabulary.yml")
    labels = facet_labels(vocab)
    assert labels["type"]["practice"] == "Practice card"
    assert labels["tenets"]["data"] == "Race-conscious data use"
    assert list(labels["levels"])[0] == "classroom"


# -- writing -----------------------------------------------------------------------------------


def test_rebuild_writes_a_generation_and_points_current_at_it(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    stats = rebuild_index(
        tmp_path, fixture_docs(), labels=LABELS, procs=1, progress=lambda d, t: seen.append((d, t))
    )
    assert stats.rebuilt and stats.documents == 15
    assert (tmp_path / CURRENT).read_text().strip() == stats.generation
    assert current_generation(tmp_path) == tmp_path / stats.generation
    manifest = read_manifest(tmp_path / stats.generation)
    assert manifest["count"] == 15 and set(manifest["docs"]) == {d["key"] for d in fixture_docs()}
    assert seen[-1] == (15, 15)


def test_rebuild_with_two_writer_processes(tmp_path: Path) -> None:
    docs = fixture_docs()
    rebuild_index(tmp_path, docs, procs=2)
    with SearchEngine(tmp_path) as engine:
        assert engine.search("").total == 15
        assert engine.search("pauses").hits[0].key == "PC-001"


def test_update_upserts_and_deletes_only_what_it_is_given(tmp_path: Path) -> None:
    build_index(tmp_path)
    before = read_manifest(current_generation(tmp_path))["docs"]  # type: ignore[arg-type]
    changed = fixture_docs()[0] | {"title": "Equity pauses with a stopwatch"}
    seen: list[tuple[int, int]] = []
    stats = update_index(
        tmp_path,
        [changed, new_card()],
        ["gregory2010achievement"],
        progress=lambda d, t: seen.append((d, t)),
    )
    # PC-001 replaced, PC-099 added, one reference removed: 15 - 1 + 1.
    assert (stats.upserted, stats.deleted, stats.documents) == (2, 1, 15)
    assert seen == [(1, 2), (2, 2)]
    after = read_manifest(current_generation(tmp_path))["docs"]  # type: ignore[arg-type]
    untouched = set(before) - {"PC-001", "gregory2010achievement"}
    assert all(after[k] == before[k] for k in untouched)
    assert after["PC-001"] != before["PC-001"]
    with SearchEngine(tmp_path) as engine:
        assert engine.search("").total == 15
        assert [h.key for h in engine.search("stopwatch").hits] == ["PC-001"]
        assert engine.search("restorative circles").hits[0].key == "PC-099"
        assert engine.search("gregory2010achievement").total == 0
        # Segments with deleted documents still answer phrases and booleans as written.
        phrase = engine.search('"data disaggregated by race"')
        assert phrase.mode == "query"
        assert {h.key for h in phrase.hits} == {"PC-001", "briefs/continuous-improvement"}
        assert engine.search("stopwatch OR restorative").mode == "query"
        # Facet counts see the change: one reference fewer, one card more.
        types = dict(engine.search("").facets["type"])
        assert types == {"practice": 6, "brief": 4, "reference": 5}
        assert engine.search("").labels == LABELS  # kept from the rebuild


def test_update_creates_an_index_when_there_is_none(tmp_path: Path) -> None:
    stats = update_index(tmp_path / "new", [new_card()], [])
    assert stats.documents == 1
    with SearchEngine(tmp_path / "new") as engine:
        assert engine.search("circles").total == 1


def test_sync_writes_only_what_changed(tmp_path: Path) -> None:
    docs = fixture_docs()
    first = sync_index(tmp_path, docs, labels=LABELS)
    assert first.rebuilt
    again = sync_index(tmp_path, docs, labels=LABELS)
    assert again.unchanged and again.generation == first.generation
    assert generations(tmp_path) == [first.generation]
    docs[2] = docs[2] | {"summary": "Families and teachers read school data at night."}
    docs.append(new_card())
    del docs[0]
    third = sync_index(tmp_path, docs, labels=LABELS)
    assert (third.upserted, third.deleted, third.rebuilt) == (2, 1, False)
    with SearchEngine(tmp_path) as engine:
        assert engine.search("").total == 15
        assert engine.search("night").hits[0].key == "PC-003"
    relabelled = sync_index(tmp_path, docs, labels={"type": {"practice": "Card"}})
    assert not relabelled.unchanged and relabelled.upserted == 0
    with SearchEngine(tmp_path) as engine:
        assert engine.search("").labels == {"type": {"practice": "Card"}}


def test_duplicate_keys_are_reported_and_the_first_kept(tmp_path: Path) -> None:
    docs = fixture_docs()
    twin = docs[0] | {"title": "A second card with the same id"}
    stats = rebuild_index(tmp_path, [*docs, twin], procs=1)
    assert stats.duplicates == ["PC-001"] and stats.documents == 15


def test_old_generations_are_removed_unless_a_reader_holds_them(tmp_path: Path) -> None:
    build_index(tmp_path)
    held = SearchEngine(tmp_path)  # holds gen-000001
    first = held.generation
    for i in range(4):
        update_index(tmp_path, [new_card(f"PC-1{i:02d}")], [])
    gens = generations(tmp_path)
    assert first in gens  # leased by the open engine
    assert len(gens) == 3  # the newest two, and the held one
    held.close()
    update_index(tmp_path, [new_card("PC-200")], [])
    assert generations(tmp_path) == ["gen-000005", "gen-000006"]


def test_an_update_links_the_segments_it_keeps_and_never_writes_them(tmp_path: Path) -> None:
    """A new generation links to its predecessor's segment files rather than copying
    them; the updates (a replaced document, a deletion, an added one, a merge of
    segments) leave every byte of the generation an engine still reads as it was."""
    build_index(tmp_path)
    held = SearchEngine(tmp_path)
    first = Path(tmp_path, held.generation)
    before = {p.name: p.read_bytes() for p in first.iterdir() if p.is_file()}
    segments = [first / name for name in before if name.endswith(".seg")]
    assert segments
    changed = fixture_docs()[0] | {"title": "Equity pauses with a stopwatch"}
    update_index(tmp_path, [changed], ["gregory2010achievement"])
    second = current_generation(tmp_path)
    assert second is not None and second != first
    linked = [p for p in second.iterdir() if p.name.endswith(".seg") and p.stat().st_nlink > 1]
    assert {p.name for p in linked} >= {s.name for s in segments}  # linked, not copied
    for i in range(12):  # enough segments for Whoosh to merge some
        update_index(tmp_path, [new_card(f"PC-3{i:02d}")], [])
    assert {p.name: p.read_bytes() for p in first.iterdir() if p.is_file()} == before
    with whoosh_index.open_dir(str(first)).searcher() as old:  # still whole, as it was
        assert old.doc_count() == 15 and old.document(key="PC-001")["title"] != changed["title"]
    held.close()
    with SearchEngine(tmp_path) as engine:
        assert engine.search("").total == 15 - 1 + 12
        assert [h.key for h in engine.search("stopwatch").hits] == ["PC-001"]


def test_a_long_lived_engine_sees_a_new_generation(tmp_path: Path) -> None:
    build_index(tmp_path)
    with SearchEngine(tmp_path) as engine:
        assert engine.search("restorative").total == 0
        update_index(tmp_path, [new_card()], [])
        assert engine.search("restorative").total == 1
        assert engine.generation == current_generation(tmp_path).name  # type: ignore[union-attr]


def test_readers_never_see_a_half_written_index(tmp_path: Path) -> None:
    """One thread queries without pause while another rewrites the index repeatedly."""
    build_index(tmp_path)
    base = fixture_docs()
    extra = new_card()
    chosen = {"practice", "capacity"}
    with_tenet = sum(1 for d in base if chosen & set(d["tenets"]))
    failures: list[BaseException] = []
    totals: set[int] = set()
    queries = 0
    stop = threading.Event()

    def reader() -> None:
        nonlocal queries
        with SearchEngine(tmp_path) as engine:
            while not stop.is_set():
                try:
                    r = engine.search("", tenets=["practice", "capacity"])
                    totals.add(engine.search("").total)
                    # The extra card is tagged practice: it is there or not, never half.
                    assert r.total in (with_tenet, with_tenet + 1), r.total
                    assert sum(c for _, c in r.facets["type"]) == r.total
                    queries += 1
                    # A breath between queries: the engine's caches leave a query no file
                    # to read, so two spinning readers would starve the writer of the GIL.
                    time.sleep(0.001)
                except BaseException as err:  # noqa: BLE001 - collected and reported
                    failures.append(err)
                    return

    def writer() -> None:
        try:
            for i in range(20):
                if i % 3 == 2:
                    rebuild_index(tmp_path, [*base, extra] if i % 2 else base, procs=1)
                elif i % 2:
                    update_index(tmp_path, [extra], [])
                else:
                    update_index(tmp_path, [], [extra["key"]])
        finally:
            stop.set()

    threads = [threading.Thread(target=reader) for _ in range(2)] + [
        threading.Thread(target=writer)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "the writer did not finish in 120 s"
    assert not failures, failures
    assert queries > 20
    assert totals <= {15, 16} and len(totals) == 2


def test_two_writers_are_serialised(tmp_path: Path) -> None:
    build_index(tmp_path)
    errors: list[BaseException] = []

    def add(key: str) -> None:
        try:
            update_index(tmp_path, [new_card(key, f"Card {key} zebra")], [])
        except BaseException as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=add, args=(f"PC-3{i:02d}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with SearchEngine(tmp_path) as engine:
        assert engine.search("zebra").total == 4


def test_a_crashed_writer_leaves_nothing_readers_see(tmp_path: Path) -> None:
    build_index(tmp_path)
    (tmp_path / ".tmp-gen-000009-123").mkdir()
    (tmp_path / ".tmp-gen-000009-123" / "junk").write_text("half a segment")
    with SearchEngine(tmp_path) as engine:
        assert engine.search("").total == 15
    update_index(tmp_path, [new_card()], [])
    assert not any(p.name.startswith(".tmp-") for p in tmp_path.iterdir())


def test_engine_keeps_answering_when_the_pointer_is_garbage(tmp_path: Path) -> None:
    build_index(tmp_path)
    with SearchEngine(tmp_path) as engine:
        assert engine.search("").total == 15
        (tmp_path / CURRENT).write_text("../../etc\n")
        time.sleep(0.01)
        assert engine.search("").total == 15  # keeps its open generation


# -- the static index -------------------------------------------------------------------------


def test_static_records_carry_facets_sorts_and_text() -> None:
    from equity_kb.search.static_index import static_record

    docs = {d["key"]: d for d in fixture_docs()}
    card = next(d for d in docs.values() if d["type"] == "practice" and d.get("year"))
    record = static_record(card)
    assert record["filters"]["type"] == ["practice"]
    assert record["filters"]["tenet"] == list(card["tenets"])
    assert record["filters"]["year"] == [str(card["year"])]
    assert card["body"] in record["content"] and card["title"] in record["content"]
    assert record["meta"]["url"] == card["url"] and record["meta"]["key"] == card["key"]
    title = card["title"].casefold()
    assert record["sort"]["newest"] == f"{9999 - card['year']:04d} {title}"
    assert record["sort"]["oldest"] == f"{card['year']:04d} {title}"
    undated = dict(card, year=None)
    # No year sorts last both ways (all sorts ascend), and has no year filter to count.
    assert static_record(undated)["sort"]["newest"] > record["sort"]["newest"]
    assert static_record(undated)["sort"]["oldest"] > record["sort"]["oldest"]
    assert "year" not in static_record(undated)["filters"]


def test_publish_search_writes_both_indexes_beside_and_in_the_site(tmp_path: Path) -> None:
    from equity_kb.cli.search import DEFAULT_INDEX
    from equity_kb.search import STATIC_FILES, index_dir, publish_search, static_dir
    from equity_kb.search.static_index import read_records

    site = tmp_path / "html"
    first = publish_search(site, fixture_docs(), labels=LABELS)
    assert first.rebuilt and first.static_records == 15
    assert current_generation(tmp_path / "html-state" / "search-index")
    assert (static_dir(site) / "pagefind.js").is_file()
    assert list(static_dir(site).glob("pagefind.en_*.pf_meta"))
    words = json.loads((static_dir(site) / "words.json").read_text(encoding="utf-8"))["words"]
    assert words and all(isinstance(w, str) and n >= 1 for w, n in words)
    assert not (static_dir(site) / "pagefind-ui.js").exists()  # the page has its own
    assert len(read_records(site) or {}) == 15
    again = publish_search(site, fixture_docs(), labels=LABELS)
    assert again.unchanged and again.static_records is None  # nothing rewritten
    edited = fixture_docs()
    edited[0]["body"] += " zygomorphic"
    third = publish_search(site, edited, labels=LABELS)
    assert third.static_records == 15 and "zygomorphic" in json.dumps(read_records(site))
    assert (
        DEFAULT_INDEX
        == "_build/html-state/search-index"
        == str(index_dir("_build/html").relative_to(Path.cwd()))
    )
    static = Path(__file__).resolve().parents[1] / "src" / "equity_kb" / "sphinxext" / "static"
    assert all((static / name).is_file() for name in STATIC_FILES)


# -- equivalence of the fast indexing paths with Whoosh's own -----------------------------


def _postings(index_dir: Path) -> dict[tuple[str, bytes], list[tuple[int, float, bytes]]]:
    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(str(index_dir))
    with ix.reader() as reader:
        out = {}
        for fieldname, btext in reader.all_terms():
            m = reader.postings(fieldname, btext)
            items = []
            while m.is_active():
                items.append((m.id(), m.weight(), m.value()))
                m.next()
            out[(fieldname, btext)] = items
        lengths = {
            (name, d): reader.doc_field_length(d, name)
            for name in ("title", "summary", "body", "annotation")
            for d in range(reader.doc_count_all())
        }
    ix.close()
    return {**out, ("lengths", b""): sorted(lengths.items())}  # type: ignore[dict-item]


def test_fast_paths_write_the_index_whoosh_would(tmp_path: Path) -> None:
    """The one-pass stemming format and the Whoosh speedups change cost, not output."""
    from whoosh.formats import Positions

    from equity_kb.search import schema as schema_module
    from equity_kb.search import whoosh_speedups

    docs = [
        {
            "key": f"k{i}",
            "type": "reference",
            "title": f"The {'U.S.'} equity data {i} of a district",
            "summary": "It is what it is: a summary." if i % 2 else "",
            "body": "A an the of co-op naïve ÉCOLE 2021 teams' routines, routinely " * (i + 1),
            "annotation": "To be or not to be, that is a question of race-conscious data.",
            "authors": ["Ana Ruiz", "Bo Li"],
            "year": 2000 + i,
            "tenets": ["data"],
            "focus": [],
            "levels": [],
            "url": f"r.html#k{i}",
        }
        for i in range(40)
    ]
    fast = tmp_path / "fast"
    rebuild_index(fast, docs, procs=1)
    whoosh_speedups.uninstall()
    real_schema = schema_module.build_schema

    def whoosh_schema():  # type: ignore[no-untyped-def]
        schema = real_schema()
        for name in schema_module.STEMMED_FIELDS:
            schema[name].format = Positions()
        return schema

    try:
        import equity_kb.search.indexer as indexer_module

        indexer_module.build_schema = whoosh_schema  # type: ignore[assignment]
        plain = tmp_path / "plain"
        rebuild_index(plain, docs, procs=1)
    finally:
        indexer_module.build_schema = real_schema  # type: ignore[assignment]
        assert whoosh_speedups.install()
    fast_gen = current_generation(fast)
    plain_gen = current_generation(plain)
    assert fast_gen is not None and plain_gen is not None
    assert _postings(fast_gen) == _postings(plain_gen)
