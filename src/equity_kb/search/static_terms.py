"""The static index's term data: the service's terms for each entry, so the page decides
what a query matches, and how it ranks, as the service does.

Pagefind matches words by its own stemmer, by prefix, and by the longest indexed prefix
of a word it does not know, and ranks by its own measure; the service (Whoosh) matches
by the stemming analyzer of ``schema.py`` and ranks by BM25 over fields with boosts
(``matching.py``). Left to Pagefind, the static page dropped answers the service gives
("role-play", "vulnerability"), showed ones it does not ("disiplne"), and put the
service's first hit in its top five for 18 of 30 questions at 13,500 entries. So every
record carries its entry's terms as the Whoosh index holds them (``entry_terms``: the
same field values through the same analyzers, with frequencies and field lengths), and
the build writes them, inverted, in the bundle:

``kb-search/terms/pages.json``
    one row per entry, in the service's browse order (type, then title): its Pagefind
    page id (its fragment holds what a result shows), after the folder of the bundle
    that holds it when that is not the first (``part-2/``, ``delta/``), year, facet
    values (indexes into ``values``), the ranked fields' lengths, the title order
    (``by_title``); the service's ranking settings and stop words; ``gen``, the folder
    of the shards, and their names.
``kb-search/terms/<gen>/<shard>.json``
    per field (``t`` title, ``u`` summary, ``b`` body, ``n`` annotation, ``i`` id, ``a``
    authors), each term's postings: row deltas and frequencies, interleaved. A shard
    holds the terms that start with the same two characters.

``static/search_static.js`` analyses a query with the same tokenizers, stop list and
Porter stemmer (whoosh.lang.porter, ported; tests/test_static_terms.py compares the two
on every word of the shipped docs and of the seed documents), reads the shards of its
terms, and ranks by the same BM25. Pagefind answers quoted phrases (the terms hold no
positions).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from whoosh.util.numeric import byte_to_length, length_to_byte

from .matching import K1, LENGTH_B
from .schema import FIELD_BOOSTS, build_schema, index_fields, stemming_steps

TERMS_DIRNAME = "terms"
PAGES_NAME = "pages.json"
TERMS_VERSION = 3  # 3: ids carry their bundle's folder
# The facets a row lists (search/static_index.py static_record's filters), in this order.
FACETS = ("type", "tenet", "focus", "level", "evidence")
_TYPE_RANK = {"practice": 0, "brief": 1, "reference": 2}
# The searched fields (schema.QUERY_FIELDS) by the one-letter code the page uses.
FIELD_CODES = {
    "title": "t",
    "summary": "u",
    "body": "b",
    "annotation": "n",
    "id": "i",
    "authors": "a",
}
# The fields whose length ranks (matching.LENGTH_B), with their lengths in pages.json.
LENGTH_FIELDS = tuple(f for f in FIELD_CODES if f in LENGTH_B)

# field code -> "term term:2 ..." (field_terms reads it); "len": field code -> length.


@lru_cache(maxsize=1)
def _schema() -> Any:
    return build_schema()


def entry_terms(doc: Mapping[str, Any], fields: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """An entry's terms, field by field, as the Whoosh index holds them: the same field
    values (``schema.index_fields``) through each field's own format and analyzer (as
    the indexer writes them), each term with its frequency, and each ranked field's
    length as Whoosh stores it (a byte). ``fields``: ``index_fields(doc)``, if made."""
    schema = _schema()
    values = index_fields(doc) if fields is None else fields
    terms: dict[str, Any] = {}
    lengths: dict[str, int] = {}
    for field, code in FIELD_CODES.items():
        f = schema[field]
        value = str(values.get(field) or "")
        counts = {w: n for w, n, _, _ in f.format.word_values(value, f.analyzer, mode="index")}
        if counts:
            # One string per field ("term term:3"), not a JSON object: the records are
            # kept between builds, and at 13,500 entries objects made them 94 MB.
            terms[code] = " ".join(w if n == 1 else f"{w}:{n}" for w, n in sorted(counts.items()))
        if field in LENGTH_FIELDS:
            lengths[code] = byte_to_length(length_to_byte(sum(counts.values())))
    terms["len"] = lengths
    return terms


# A shard larger than this (JSON bytes) is split by the terms' first three characters:
# a query fetches one shard per term, and at 13,500 entries a two-character shard such
# as "re" was 315 KB.
SHARD_BYTES = 24_000


def field_terms(terms: Mapping[str, Any], code: str) -> dict[str, int]:
    """One field's terms of an entry (``entry_terms``), each with its frequency."""
    out = {}
    for item in str(terms.get(code) or "").split():
        term, _, n = item.partition(":")
        out[term] = int(n) if n else 1
    return out


def shard_of(term: str, chars: int = 2) -> str:
    """A shard's name: the term's first ``chars`` characters as hex code points (the page
    computes the same names, and takes the three-character shard where there is one)."""
    return "_".join(f"{ord(c):x}" for c in term[:chars])


def _shards(inverted: Mapping[str, Mapping[str, list[int]]]) -> dict[str, bytes]:
    """The encoded shards of the postings (field code -> term -> postings)."""
    groups: dict[str, list[tuple[str, str, list[int]]]] = defaultdict(list)
    for code, postings in inverted.items():
        for term, flat in postings.items():
            groups[shard_of(term)].append((code, term, flat))
    out: dict[str, bytes] = {}
    for name, items in groups.items():
        out.update(_group_shards(name, items))
    return dict(sorted(out.items()))


def _group_shards(name: str, items: list[tuple[str, str, list[int]]]) -> dict[str, bytes]:
    """The shard files of one two-character group: one, or split by three characters."""
    whole = _encode(items)
    if len(whole) <= SHARD_BYTES or all(len(term) < 3 for _, term, _ in items):
        return {name: whole}
    split: dict[str, list[tuple[str, str, list[int]]]] = defaultdict(list)
    for item in items:
        split[shard_of(item[1], 3 if len(item[1]) >= 3 else 2)].append(item)
    return {part: _encode(rest) for part, rest in split.items()}


_CODE_ORDER = {code: i for i, code in enumerate(FIELD_CODES.values())}


def _encode(items: Iterable[tuple[str, str, list[int]]]) -> bytes:
    """A shard: field code -> term -> row deltas and frequencies, interleaved. Fields and
    terms in a fixed order, so a shard patched in place (``_patched``) is byte for byte
    the one a whole write makes."""
    data: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for code, term, flat in sorted(items, key=lambda item: (_CODE_ORDER[item[0]], item[1])):
        coded = flat[:]
        for i in range(len(flat) - 2, 0, -2):
            coded[i] = flat[i] - flat[i - 2]
        data[code][term] = coded
    return _dumps(data)


def _decode(data: Mapping[str, Mapping[str, list[int]]]) -> dict[tuple[str, str], list[int]]:
    """A shard's postings, rows made whole again: (field code, term) -> rows and tfs."""
    out = {}
    for code, terms in data.items():
        for term, coded in terms.items():
            flat = list(coded)
            for i in range(2, len(flat), 2):
                flat[i] += flat[i - 2]
            out[(code, term)] = flat
    return out


def _patched(
    bundle: Path, rows: list[Mapping[str, Any]], before: Mapping[str, Mapping[str, Any]]
) -> dict[str, bytes] | None:
    """The shards for ``rows``, made from the ones in ``bundle`` (written from the records
    ``before``) by changing only the postings of the rows whose terms changed: a few
    shards instead of all of them (1.8 s at 13,500 entries). None when the rows are not
    the same entries in the same order (then every row number may have moved)."""
    old = read_pages(bundle)
    old_rows = sorted(before.values(), key=_browse_key)
    # The shards must be the ones written from ``before`` (a build killed between the
    # terms and the records it keeps would leave others), row for row.
    if old is None or old.get("from") != _written_from(old_rows):
        return None
    if [r["key"] for r in old_rows] != [r["key"] for r in rows]:
        return None
    folder = bundle / TERMS_DIRNAME / str(old["gen"])
    # (field code, term) -> row -> new tf (0: the row no longer has the term)
    changes: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)
    for row, (was, now) in enumerate(zip(old_rows, rows, strict=True)):
        if was["terms"] == now["terms"]:
            continue
        for code in FIELD_CODES.values():
            before_terms = field_terms(was["terms"], code)
            after_terms = field_terms(now["terms"], code)
            for term in before_terms.keys() | after_terms.keys():
                if before_terms.get(term) != after_terms.get(term):
                    changes[(code, term)][row] = after_terms.get(term, 0)
    names = [str(n) for n in old["shards"]]
    groups = {shard_of(term) for _, term in changes}
    try:
        out = {n: (folder / f"{n}.json").read_bytes() for n in names}
    except OSError:
        return None
    for group in groups:
        parts = [n for n in names if n == group or _in_group(n, group)]
        postings: dict[tuple[str, str], list[int]] = {}
        for part in parts:
            postings.update(_decode(json.loads(out.pop(part))))
        for (code, term), rows_now in changes.items():
            if shard_of(term) != group:
                continue
            flat = postings.get((code, term), [])
            pairs = dict(zip(flat[::2], flat[1::2], strict=True))
            for row, tf in rows_now.items():
                if tf:
                    pairs[row] = tf
                else:
                    pairs.pop(row, None)
            postings[(code, term)] = [x for row in sorted(pairs) for x in (row, pairs[row])]
        items = [(code, term, flat) for (code, term), flat in postings.items() if flat]
        if items:
            out.update(_group_shards(group, items))
    return dict(sorted(out.items()))


def _written_from(rows: Iterable[Mapping[str, Any]]) -> str:
    """A digest of which entries' terms, in which rows, the shards were written from."""
    h = hashlib.blake2b(digest_size=12)
    for r in rows:
        terms_of = r.get("terms_of") or json.dumps(r["terms"], sort_keys=True)
        h.update(f"{r['key']}\x1f{terms_of}\x1e".encode())
    return h.hexdigest()


def _in_group(name: str, group: str) -> bool:
    """Whether the shard ``name`` is one of the three-character parts of ``group``."""
    return group.count("_") == 1 and name.startswith(group + "_") and name.count("_") == 2


def _browse_key(record: Mapping[str, Any]) -> tuple[int, str, str]:
    meta = record["meta"]
    return (_TYPE_RANK.get(meta["type"], 9), meta["title"].casefold(), record["key"])


@dataclass
class TermData:
    """The term data of some records, made (``make_term_data``) but not yet written: the
    rows in browse order, the encoded shards, and ``pages.json`` without the page ids."""

    rows: list[Mapping[str, Any]]
    encoded: dict[str, bytes]
    index: dict[str, Any]
    staged: Path | None = None  # a folder its shards are written in already


def stage_term_data(made: TermData, folder: Path, previous: Path | None = None) -> None:
    """Write the shards of ``made`` into ``folder`` now (``write_made`` moves them). A
    shard that ``previous`` (the ``terms/`` folder now served) holds with the same bytes
    is linked, not written: an edit changes the shards of its own terms, and making
    the other 200 files again was most of a one-page update's term data on the shipped
    docs. Shards are never written in place, so a link is never changed."""
    shutil.rmtree(folder, ignore_errors=True)
    gen = folder / str(made.index["gen"])
    gen.mkdir(parents=True)
    served = _served_shards(previous) if previous is not None else None
    for name, data in made.encoded.items():
        target = gen / f"{name}.json"
        old = served / target.name if served is not None else None
        if old is not None and _same_bytes(old, data):
            try:
                os.link(old, target)
                continue
            except OSError:
                pass  # another file system, or no links: written
        target.write_bytes(data)
    made.staged = folder


def _served_shards(terms: Path) -> Path | None:
    """The folder of shards that ``terms/pages.json`` names, if it can be read."""
    try:
        index = json.loads((terms / PAGES_NAME).read_bytes())
        return terms / str(index["gen"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def write_term_data(
    bundle: Path,
    records: Mapping[str, Mapping[str, Any]],
    pages: Mapping[str, str],
    before: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """Write ``terms/`` into the static index folder ``bundle`` for ``records`` (key ->
    static record, each with its ``terms``), whose Pagefind page ids are ``pages`` (key ->
    id, after the folder of the bundle that holds it: ``part-2/``, ``delta/``). Records
    without a page are left out. ``before``: the records the ``terms/`` now in ``bundle``
    was written from, if it is to be patched rather than written whole."""
    kept = {k: r for k, r in records.items() if k in pages}
    write_made(bundle, make_term_data(kept, bundle, before), pages)


def make_term_data(
    records: Mapping[str, Mapping[str, Any]],
    bundle: Path | None = None,
    before: Mapping[str, Mapping[str, Any]] | None = None,
) -> TermData:
    """The term data of ``records``, to write once their page ids are known (it needs
    none of them: a whole bundle's is made while Pagefind writes). ``bundle`` and
    ``before``: the folder whose ``terms/`` is patched, and the records it was written
    from (without ``before``, made whole)."""
    rows = sorted(records.values(), key=_browse_key)
    values: list[list[str]] = []
    value_ids: dict[tuple[str, str], int] = {}
    tags: list[list[int]] = []
    lengths: dict[str, list[int]] = {FIELD_CODES[f]: [] for f in LENGTH_FIELDS}
    inverted: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    encoded = _patched(bundle, rows, before) if bundle is not None and before is not None else None
    for row, record in enumerate(rows):
        own = []
        for facet in FACETS:
            for value in record["filters"].get(facet, ()):
                vid = value_ids.get((facet, value))
                if vid is None:
                    vid = value_ids[(facet, value)] = len(values)
                    values.append([facet, value])
                own.append(vid)
        tags.append(own)
        terms = record["terms"]
        for code, column in lengths.items():
            column.append(terms["len"].get(code, 0))
        if encoded is None:
            for code in FIELD_CODES.values():
                for term, tf in field_terms(terms, code).items():
                    inverted[code][term] += (row, tf)
    by_title = sorted(range(len(rows)), key=lambda i: (rows[i]["meta"]["title"].casefold(), i))
    if encoded is None:
        encoded = _shards(inverted)
    gen = hashlib.sha256(b"".join(n.encode() + d for n, d in encoded.items())).hexdigest()[:12]
    steps = stemming_steps(_schema()["body"].analyzer)
    assert steps is not None, "the text fields' analyzer is no longer the stemming chain"
    stops, minsize = steps[1], steps[2]
    index = {
        "version": TERMS_VERSION,
        "gen": gen,
        "from": _written_from(rows),
        "shards": sorted(encoded),
        "ids": [],  # the page ids, when written
        "years": [int(r["meta"].get("year") or 0) for r in rows],
        "values": values,
        "tags": tags,
        "by_title": by_title,
        "len": lengths,
        # What the page ranks and analyses with: the service's own settings.
        "k1": K1,
        "b": {FIELD_CODES[f]: LENGTH_B[f] for f in LENGTH_FIELDS},
        "boost": {FIELD_CODES[f]: FIELD_BOOSTS.get(f, 1.0) for f in FIELD_CODES},
        "stop": sorted(stops),
        "min": minsize,
    }
    return TermData(rows, encoded, index)


def write_made(bundle: Path, made: TermData, pages: Mapping[str, str]) -> None:
    """Write the term data ``made`` into ``bundle/terms/`` (swapped in whole), its rows'
    page ids from ``pages`` (key -> id; every row must have one)."""
    index = dict(made.index, ids=[pages[r["key"]] for r in made.rows])
    target = bundle / TERMS_DIRNAME
    tmp = target.with_name(f".{TERMS_DIRNAME}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        if made.staged is not None:
            os.replace(made.staged, tmp)
            made.staged = None
        else:
            stage_term_data(made, tmp)
        (tmp / PAGES_NAME).write_bytes(_dumps(index))
        old = target.with_name(f".{TERMS_DIRNAME}.{os.getpid()}.old")
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def read_pages(bundle: Path) -> dict[str, Any] | None:
    """The ``pages.json`` of the static index folder ``bundle``, or None."""
    try:
        data = json.loads((bundle / TERMS_DIRNAME / PAGES_NAME).read_bytes())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("version") == TERMS_VERSION else None


def _dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def term_data_exists(bundle: Path) -> bool:
    return (bundle / TERMS_DIRNAME / PAGES_NAME).is_file()
