"""Publishing from stamps: only documents whose stamp changed are made and written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_search_fixtures import LABELS, fixture_docs

from equity_kb.search import SearchEngine, index_dir, sync_index
from equity_kb.search.plan import Sources, read_stamps
from equity_kb.search.stamps import publish_sources
from equity_kb.search.static_index import read_records, records_path


class Site:
    """Documents with stamps, as a build has them; records which documents were made."""

    def __init__(self) -> None:
        self.docs = {d["key"]: dict(d) for d in fixture_docs()}
        self.stamps = dict.fromkeys(self.docs, "read-1")
        self.made: list[list[str]] = []

    def sources(self) -> Sources:
        def make(keys: Any) -> list[dict[str, Any]]:
            self.made.append(sorted(keys))
            return [self.docs[k] for k in keys]

        return Sources(dict(self.stamps), make)

    def edit(self, key: str, **fields: Any) -> None:
        self.docs[key] = {**self.docs[key], **fields}
        self.stamps[key] = "read-2"


def catalog(out: Path) -> dict[str, dict[str, Any]]:
    """The static index's records, by key, as the last build left them."""
    records: dict[str, dict[str, Any]] = read_records(out) or {}
    return {k: r["meta"] for k, r in records.items()}


def test_only_documents_whose_stamp_changed_are_made(tmp_path: Path) -> None:
    site = Site()
    first = publish_sources(tmp_path, site.sources(), labels=LABELS)
    assert first.rebuilt and site.made == [sorted(site.docs)]
    assert publish_sources(tmp_path, site.sources(), labels=LABELS).unchanged
    assert site.made[1:] == []  # nothing made when no stamp changed

    key = next(iter(site.docs))
    site.edit(key, title="Zygomorphic flowers in the schoolyard")
    stats = publish_sources(tmp_path, site.sources(), labels=LABELS)
    assert (stats.upserted, stats.deleted) == (1, 0)
    assert site.made[1:] == [[key]]
    with SearchEngine(index_dir(tmp_path)) as engine:
        assert [h.key for h in engine.search("zygomorphic").hits] == [key]
    assert catalog(tmp_path)[key]["title"] == "Zygomorphic flowers in the schoolyard"
    assert len(catalog(tmp_path)) == len(site.docs)


def test_a_removed_key_leaves_both_indexes(tmp_path: Path) -> None:
    site = Site()
    publish_sources(tmp_path, site.sources(), labels=LABELS)
    gone = sorted(site.docs)[0]
    del site.docs[gone], site.stamps[gone]
    stats = publish_sources(tmp_path, site.sources(), labels=LABELS)
    assert (stats.upserted, stats.deleted) == (0, 1)
    assert site.made[1:] == []
    assert gone not in catalog(tmp_path) and len(catalog(tmp_path)) == len(site.docs)
    with SearchEngine(index_dir(tmp_path)) as engine:
        assert gone not in {h.key for h in engine.search("", page_size=100).hits}


def test_a_page_read_again_unchanged_writes_nothing_and_is_not_made_again(
    tmp_path: Path,
) -> None:
    site = Site()
    publish_sources(tmp_path, site.sources(), labels=LABELS)
    key = sorted(site.docs)[1]
    site.stamps[key] = "read-2"  # read again (a touched file), same document
    generation = publish_sources(tmp_path, site.sources(), labels=LABELS)
    assert generation.unchanged and site.made[1:] == [[key]]
    assert publish_sources(tmp_path, site.sources(), labels=LABELS).unchanged
    assert site.made[2:] == []  # the new stamp was recorded


def test_every_document_is_compared_when_the_stamps_cannot_be_trusted(tmp_path: Path) -> None:
    site = Site()
    publish_sources(tmp_path, site.sources(), labels=LABELS)
    everything = [sorted(site.docs)]

    # Other facet labels: every document is made and compared.
    relabelled = {**LABELS, "type": {"practice": "Card"}}
    publish_sources(tmp_path, site.sources(), labels=relabelled)
    assert site.made[1:] == everything

    # A generation another writer made has no stamps.
    key = sorted(site.docs)[2]
    site.docs[key] = {**site.docs[key], "title": "Written by hand"}
    sync_index(index_dir(tmp_path), list(site.docs.values()), labels=relabelled)
    assert read_stamps(index_dir(tmp_path) / _current(tmp_path)) is None
    assert publish_sources(tmp_path, site.sources(), labels=relabelled).unchanged
    assert site.made[2:] == everything

    # No static records to update.
    records_path(tmp_path).unlink()
    site.edit(key, title="Edited again")
    publish_sources(tmp_path, site.sources(), labels=relabelled)
    assert site.made[3:] == everything
    assert catalog(tmp_path)[key]["title"] == "Edited again"


def _current(out: Path) -> str:
    return (index_dir(out) / "CURRENT").read_text(encoding="utf-8").strip()


def test_an_update_written_by_a_forked_child_is_the_same(tmp_path: Path) -> None:
    """The index job writes an update's Whoosh part in a forked child beside the static
    index (``fork``): both indexes come out as they do in one process; a child that
    fails raises its error here, and nothing is published."""
    import os

    import pytest

    from equity_kb.search import stamps as stamps_module
    from equity_kb.search.generations import current_generation, read_manifest
    from equity_kb.search.static_index import read_store

    real = stamps_module.update_index

    def noted(*args: Any, **kwargs: Any) -> Any:
        (tmp_path / f"writer-{os.getpid()}").touch()  # in whichever process writes
        return real(*args, **kwargs)

    stamps_module.update_index = noted  # type: ignore[assignment]
    out: dict[bool, tuple[Any, ...]] = {}
    for fork in (False, True):
        site, folder = Site(), tmp_path / str(fork)
        publish_sources(folder, site.sources(), labels=LABELS)
        key = sorted(site.docs)[2]
        site.edit(key, title="Zygomorphic flowers in the schoolyard")
        stats = publish_sources(folder, site.sources(), labels=LABELS, fork=fork)
        assert (stats.upserted, stats.deleted, stats.static_records) == (1, 0, len(site.docs))
        with SearchEngine(index_dir(folder)) as engine:
            hits = [h.key for h in engine.search("zygomorphic").hits]
        manifest = read_manifest(current_generation(index_dir(folder)))  # type: ignore[arg-type]
        store = read_store(folder)
        assert store is not None
        out[fork] = (hits, manifest["docs"], store["current"])
    stamps_module.update_index = real
    writers = sorted(int(p.name.split("-")[1]) for p in tmp_path.glob("writer-*"))
    assert len(writers) == 2 and os.getpid() in writers  # one here, one in a child
    assert out[True] == out[False] and out[True][0] == [sorted(Site().docs)[2]]

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError(28, "No space left on device", "index")

    site, folder = Site(), tmp_path / "broken"
    publish_sources(folder, site.sources(), labels=LABELS)
    before = current_generation(index_dir(folder))
    site.edit(sorted(site.docs)[0], title="Never published")
    stamps_module.update_index = broken  # type: ignore[assignment]
    try:
        with pytest.raises(OSError, match="No space left"):
            publish_sources(folder, site.sources(), labels=LABELS, fork=True)
    finally:
        stamps_module.update_index = real
    assert current_generation(index_dir(folder)) == before


def test_a_forked_call_that_dies_says_so() -> None:
    import os

    import pytest

    from equity_kb.core.background import call_forked

    answer = call_forked(divmod, 7, 2)
    assert answer is not None and answer() == (3, 1)
    died = call_forked(os._exit, 3)
    assert died is not None
    with pytest.raises(RuntimeError, match="stopped before it answered"):
        died()
