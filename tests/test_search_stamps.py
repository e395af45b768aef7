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
