"""Static search never drops an answer: the static index's term data (search/static_terms.py)
is the service's own terms, the page analyses a query as the service does (its Porter
stemmer checked against Whoosh's on every word of the shipped text and the seed
documents), and on the shipped site served by a plain static file server the page finds
what the service finds: words only in bodies and annotations, hyphenated words, words
whose stem differs from the text's, apostrophes and numbers."""

from __future__ import annotations

import json
import pickle
import random
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from test_browser_search import CHROMIUM, browser, page, static_server  # noqa: F401 (fixtures)
from whoosh import index as whoosh_index
from whoosh.lang.porter import stem

from equity_kb.search.engine import SearchEngine
from equity_kb.search.generations import current_generation
from equity_kb.search.layout import index_dir, static_dir
from equity_kb.search.static_index import read_records
from equity_kb.search.static_terms import (
    FIELD_CODES,
    PAGES_NAME,
    TERMS_DIRNAME,
    field_terms,
    read_pages,
)

STATIC_JS = REPO / "src" / "equity_kb" / "sphinxext" / "static" / "search_static.js"
SEEDS = REPO.parent / "shared" / "seeds"
NODE = shutil.which("node")
_WORD = re.compile(r"\w+(?:\.?\w+)*")


def _corpus_words() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in REPO.glob("docs/**/*.md")]
    texts += [p.read_text(encoding="utf-8") for p in REPO.glob("bib/*.bib")]
    texts += [p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")]
    # Words the algorithm treats specially, whatever the corpus holds.
    texts.append("yes yellow eyed sky skies agreed feed bled hopping filing caresses ponies")
    return sorted({w.lower() for t in texts for w in _WORD.findall(t)})


@pytest.mark.skipif(NODE is None, reason="node is missing (apt-get install -y nodejs)")
def test_the_pages_stemmer_is_whooshs_on_every_word(tmp_path: Path) -> None:
    words = _corpus_words()
    assert len(words) > 3000
    (tmp_path / "words.json").write_text(json.dumps(words), encoding="utf-8")
    script = (
        "globalThis.window = {};"
        f"require({json.dumps(str(STATIC_JS))});"
        "const ws = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'));"
        "process.stdout.write(JSON.stringify(ws.map(window.KBStatic.porter)));"
    )
    out = subprocess.run(
        [str(NODE), "-e", script, str(tmp_path / "words.json")],
        capture_output=True,
        text=True,
        check=True,
    )
    theirs = json.loads(out.stdout)
    differ = [(w, stem(w), s) for w, s in zip(words, theirs, strict=True) if stem(w) != s]
    assert not differ, f"{len(differ)} of {len(words)} words stem otherwise: {differ[:20]}"


def test_the_term_data_is_the_index_terms(shipped_site: Path) -> None:
    """Every term of every searched field of the Whoosh index, with the entries that hold
    it and how often, is in the static index's term data, and nothing else is; and the
    ranked fields' lengths are the index's."""
    bundle = static_dir(shipped_site)
    pages = read_pages(bundle)
    assert pages is not None, f"no {TERMS_DIRNAME}/{PAGES_NAME} in {bundle}"
    records = read_records(shipped_site) or {}
    key_of_page = {r_id: key for key, r_id in _page_ids(shipped_site, records).items()}
    row_keys = [key_of_page[i] for i in pages["ids"]]
    written: dict[tuple[str, str], dict[str, int]] = {}
    for name in pages["shards"]:
        data = json.loads((bundle / TERMS_DIRNAME / pages["gen"] / f"{name}.json").read_bytes())
        for code, terms in data.items():
            for term, flat in terms.items():
                at, postings = 0, {}
                for delta, tf in zip(flat[::2], flat[1::2], strict=True):
                    at += delta
                    postings[row_keys[at]] = tf
                written[(code, term)] = postings
    expected: dict[tuple[str, str], dict[str, int]] = {}
    root = index_dir(shipped_site)
    gen = current_generation(root)
    assert gen is not None, f"no index generation in {root}"
    ix = whoosh_index.open_dir(str(gen))
    with ix.searcher() as searcher:
        reader = searcher.reader()
        keys = {d: searcher.stored_fields(d)["key"] for d in reader.all_doc_ids()}
        for field, code in FIELD_CODES.items():
            for text in reader.lexicon(field):
                term = text.decode("utf-8")
                m = reader.postings(field, term)
                postings = {}
                while m.is_active():
                    if m.id() in keys:
                        postings[keys[m.id()]] = int(m.weight())
                    m.next()
                expected[(code, term)] = postings
            if code in pages["len"]:
                lengths = {k: reader.doc_field_length(d, field) or 0 for d, k in keys.items()}
                assert dict(zip(row_keys, pages["len"][code], strict=True)) == lengths, field
    assert set(written) == set(expected)
    wrong = [(t, written[t], expected[t]) for t in expected if written[t] != expected[t]]
    assert not wrong, wrong[:5]


def _page_ids(site: Path, records: dict[str, Any]) -> dict[str, str]:
    from equity_kb.search.static_index import page_meta

    return {key: page_id for page_id, key, _ in page_meta(static_dir(site))}


SEARCH_ALL = """async (qs) => {
  const root = document.getElementById('kb-search');
  const url = new URL(root.getAttribute('data-static'), document.baseURI).href;
  const engine = await window.KBStatic.open(url);
  const out = {};
  for (const q of qs) {
    const state = {q, type: [], tenet: [], focus: [], level: [], evidence: [], page: 1};
    const found = await engine.search(state, {pageSize: 5});
    out[q] = {total: found.total, keys: found.hits.map(h => h.key),
              excerpt: (found.hits[0] || {}).excerpt || ''};
  }
  return out;
}"""


def _static_answers(site: Path, page: Any, queries: list[str]) -> dict[str, Any]:  # noqa: F811
    with static_server(site) as base:
        page.goto(f"{base}/find.html")
        page.wait_for_selector(".kb-count")
        return page.evaluate(SEARCH_ALL, queries)


def test_words_only_in_bodies_and_annotations_are_found(shipped_site: Path, page: Any) -> None:  # noqa: F811
    """The words the issue found dropped, and their kin: each finds what the service finds,
    with the matched words whole in the first excerpt."""
    queries: dict[str, str | tuple[str, ...]] = {
        "vulnerability": "vulnerab",  # annotations and a brief; the text says "vulnerable" too
        "vulnerabilities": "vulnerab",  # nowhere as written: its stem is
        "role-play": ("role", "play"),  # PC-010's body says "role-plays"
        "role-plays": ("role", "play"),
        "teachers'": "teacher",
        "2019": "2019",
        "PC-007": "",
    }
    static = _static_answers(shipped_site, page, list(queries))
    with SearchEngine(index_dir(shipped_site)) as engine:
        for q, marked in queries.items():
            service = engine.search(q, page_size=5)
            assert service.total > 0, q
            assert static[q]["total"] == service.total, (q, static[q], service.total)
            assert service.hits[0].key in static[q]["keys"], (q, static[q]["keys"])
            if marked:
                marks = re.findall(r"<mark>(.*?)</mark>", static[q]["excerpt"])
                assert marks and all(m.lower().startswith(marked) for m in marks), static[q]
    # A whole word marked: "schools", not "<mark>school</mark>s".
    assert "<mark>role</mark>-<mark>plays</mark>" in static["role-play"]["excerpt"]


def test_no_word_of_the_text_is_dropped(shipped_site: Path, page: Any) -> None:  # noqa: F811
    """Every hyphenated or apostrophised word of the entries' text, and 300 others drawn
    from it: where the service finds entries, the static page finds as many."""
    records = read_records(shipped_site) or {}
    words: set[str] = set()
    for record in records.values():
        for token in record["content"].split():
            token = token.strip(".,;:()[]“”\"‘’'!?¶").lower()
            if len(token) > 1:
                words.add(token)
    odd = sorted(w for w in words if re.search(r"[-'’]", w))
    rest = sorted(words - set(odd))
    queries = odd + random.Random(7).sample(rest, min(300, len(rest)))
    static = _static_answers(shipped_site, page, queries)
    with SearchEngine(index_dir(shipped_site)) as engine:
        service = {q: engine.search(q, page_size=1).total for q in queries}
    found = {q: static[q]["total"] for q in queries}
    dropped = [(q, n, found[q]) for q, n in service.items() if n and not found[q]]
    assert not dropped, dropped
    differ = [(q, n, found[q]) for q, n in service.items() if n != found[q]]
    # The same count nearly everywhere; the rest are dotted words ("u.s", a web address)
    # whose split the parser and the analyzer see differently.
    assert len(differ) <= 0.01 * len(queries), differ
    print(f"{len(queries)} words ({len(odd)} with a hyphen or apostrophe), none dropped: {differ}")


AGREEMENT = REPO / "tests" / "data" / "agreement.json"
TOP = 5


def agreement_queries() -> tuple[list[str], list[str]]:
    """The questions (the first 30 of relevance.json) and the 30 single words of
    agreement.json."""
    from test_relevance_service import load_relevance

    words = json.loads(AGREEMENT.read_text(encoding="utf-8"))
    return [q["q"] for q in load_relevance()[:30]], [
        *words["as_written"],
        *words["other_form"],
    ]


def test_both_modes_agree_on_questions_and_words(shipped_site: Path, page: Any) -> None:  # noqa: F811
    """The static page's top five hold the service's first hit for at least 90% of the
    questions and for every word."""
    questions, words = agreement_queries()
    assert len(questions) == 30 and len(words) == 30
    static = _static_answers(shipped_site, page, questions + words)
    with SearchEngine(index_dir(shipped_site)) as engine:
        first = {q: [h.key for h in engine.search(q, page_size=1).hits] for q in questions + words}

    def agrees(q: str) -> bool:
        return not static[q]["keys"] if not first[q] else first[q][0] in static[q]["keys"][:TOP]

    assert all(first[w] for w in words), [w for w in words if not first[w]]
    missed_words = [(w, first[w], static[w]["keys"]) for w in words if not agrees(w)]
    assert not missed_words, missed_words
    missed = [(q, first[q], static[q]["keys"]) for q in questions if not agrees(q)]
    print(f"questions: {30 - len(missed)}/30 agree; words: 30/30; missed: {missed}")
    assert len(missed) <= 3, missed


@pytest.mark.skipif(NODE is None, reason="node is missing (apt-get install -y nodejs)")
def test_the_page_reads_every_term_from_split_shards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shards too large are split by three characters; the page's engine (in node, its
    fetch reading the written files) finds every term's postings in them."""
    from test_search_fixtures import fixture_docs

    from equity_kb.search import static_terms
    from equity_kb.search.static_index import static_record

    monkeypatch.setattr(static_terms, "SHARD_BYTES", 300)
    records = {d["key"]: static_record(d) for d in fixture_docs()}
    static_terms.write_term_data(tmp_path, records, {k: f"id{i}" for i, k in enumerate(records)})
    pages = read_pages(tmp_path)
    assert pages is not None
    assert any(name.count("_") == 2 for name in pages["shards"]), "no shard was split"
    assert any(name.count("_") == 1 for name in pages["shards"])
    rows = {key: i for i, key in enumerate(_row_keys(pages, records))}
    expected = {
        f"{code} {term}": sorted(
            rows[k] for k, r in records.items() if term in field_terms(r["terms"], code)
        )
        for r in records.values()
        for code in FIELD_CODES.values()
        for term in field_terms(r["terms"], code)
    }
    script = (
        "globalThis.window = {}; const fs = require('fs'), path = require('path');"
        "globalThis.fetch = async (url) => { const p = path.join(process.argv[1], url.slice(7));"
        "  if (!fs.existsSync(p)) return {ok: false, status: 404};"
        "  return {ok: true, json: async () => JSON.parse(fs.readFileSync(p, 'utf8'))}; };"
        f"require({json.dumps(str(STATIC_JS))});"
        "(async () => { const engine = await window.KBStatic.open('file://kb/');"
        "  const want = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')); const out = {};"
        "  for (const k of Object.keys(want)) { const [f, t] = k.split(' ');"
        "    out[k] = (await engine.postings(f, t)).rows; }"
        "  process.stdout.write(JSON.stringify(out)); })();"
    )
    (tmp_path / "kb").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "want.json").write_text(json.dumps(expected), encoding="utf-8")
    out = subprocess.run(
        [str(NODE), "-e", script, str(tmp_path), str(tmp_path / "want.json")],
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(out.stdout)
    wrong = [k for k in expected if found[k] != expected[k]]
    assert not wrong, wrong[:10]


def _row_keys(pages: dict[str, Any], records: dict[str, Any]) -> list[str]:
    key_of = {f"id{i}": k for i, k in enumerate(records)}
    return [key_of[i] for i in pages["ids"]]


def test_a_full_page_of_static_results_is_drawn(shipped_site: Path, page: Any) -> None:  # noqa: F811
    """The first hits are drawn at once and the rest of the page follows: twenty in all,
    in the service's order, with the print link counting every card among them."""
    with static_server(shipped_site) as base:
        page.goto(f"{base}/find.html?q=equity")
        hits = "#kb-search .kb-hits > .kb-hit"
        page.wait_for_function(f"document.querySelectorAll('{hits}').length >= 20")
        shown = page.eval_on_selector_all(f"{hits} .kb-hit-title a", "as => as.map(a => a.href)")
        page.wait_for_selector(".kb-print-these-link")
        cards = page.inner_text(".kb-print-these-link")
    with SearchEngine(index_dir(shipped_site)) as engine:
        service = [h.url for h in engine.search("equity", page_size=20).hits]
    assert len(shown) == 20 and [s.split("/", 3)[3] for s in shown] == service, (shown, service)
    practices = sum(1 for u in service if u.startswith("practices/"))
    assert practices > 1 and cards == f"Print these {practices} cards", (practices, cards)


def test_an_unchanged_entry_keeps_its_terms_without_analysis(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A build takes the last build's terms for an entry whose text did not change (a
    facet or its URL may have); changed text is analysed again."""
    from test_search_fixtures import fixture_docs

    from equity_kb.search import static_index

    docs = fixture_docs()
    before = {d["key"]: static_index.static_record(d) for d in docs}
    calls: list[str] = []
    real = static_index.entry_terms
    monkeypatch.setattr(
        static_index, "entry_terms", lambda doc, fields=None: calls.append(doc["key"]) or real(doc)
    )
    retagged = dict(docs[0], tenets=["practice"], url="elsewhere.html")
    edited = dict(docs[1], body=str(docs[1]["body"]) + " Zygomorphic.")
    after = {d["key"]: static_index.static_record(d, before) for d in [retagged, edited, *docs[2:]]}
    assert calls == [edited["key"]]
    assert after[retagged["key"]]["terms"] == before[retagged["key"]]["terms"]
    assert "zygomorphic" in field_terms(after[edited["key"]]["terms"], "b")
    fresh = [retagged, edited, *docs[2:]]
    assert after == {d["key"]: static_index.static_record(d) for d in fresh}


def test_the_index_written_ahead_and_its_terms_share_one_analysis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writing the references' index ahead, each stemmed field value is analysed once,
    for the Whoosh index, and its static terms take that analysis: the same terms as
    one made on its own. (Keyed by the stemmer's cache, which each schema has its own,
    the terms never found the index's analysis, and did all of it again.)"""
    from test_search_fixtures import fixture_docs

    from equity_kb.search import schema
    from equity_kb.search.indexer import _PREBUILD_TERMS, prebuild
    from equity_kb.search.static_index import record_terms

    docs = fixture_docs()
    analysed: list[str] = []
    real = schema.StemmedPositions._fast_values

    def counted(self: Any, value: str, *steps: Any) -> Any:
        analysed.append(value)
        return real(self, value, *steps)

    monkeypatch.setattr(schema.StemmedPositions, "_fast_values", counted)
    prebuild(tmp_path / "ahead", docs, parts=False)
    stemmed = [
        v for d in docs for f, v in schema.index_fields(d).items() if f in schema.STEMMED_FIELDS
    ]
    assert sorted(analysed) == sorted(stemmed)  # once each, not twice
    made = pickle.loads((tmp_path / "ahead" / _PREBUILD_TERMS).read_bytes())
    assert made == {d["key"]: record_terms(d) for d in docs}
    assert not schema._remembered  # nothing kept after it


def _term_files(bundle: Path) -> dict[str, bytes]:
    root = bundle / TERMS_DIRNAME
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("split", [300, 24_000])
def test_patched_term_data_is_what_a_whole_write_makes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, split: int
) -> None:
    """A few edits to a large index patch only the shards of the terms they touch; the
    files are byte for byte the ones a whole write makes (split shards or not), and
    when the rows moved (a new title order) or the shards are not the ones the kept
    records say, the whole term data is written instead."""
    from test_search_fixtures import fixture_docs

    from equity_kb.search import static_terms
    from equity_kb.search.static_index import static_record

    monkeypatch.setattr(static_terms, "SHARD_BYTES", split)
    docs = fixture_docs()
    before = {d["key"]: static_record(d) for d in docs}
    pages = {k: f"id{i}" for i, k in enumerate(before)}
    patched, whole = tmp_path / "patched", tmp_path / "whole"
    static_terms.write_term_data(patched, before, pages)
    edited = [
        # a new word (and a new shard group), a word gone, a frequency changed
        dict(docs[1], body="Zygomorphic xylophones. " + str(docs[1]["body"]).split(" ", 3)[-1]),
        dict(docs[2], summary=f"{docs[2].get('summary') or ''} equity equity equity"),
    ]
    after = dict(before)
    after.update((d["key"], static_record(d, before)) for d in edited)

    calls: list[int] = []
    real_shards = static_terms._shards
    monkeypatch.setattr(static_terms, "_shards", lambda inv: calls.append(1) or real_shards(inv))
    static_terms.write_term_data(patched, after, pages, before=before)
    assert calls == []  # patched, not written whole
    static_terms.write_term_data(whole, after, pages)
    assert calls == [1]
    assert _term_files(patched) == _term_files(whole)
    assert any(b'"zygomorph' in data for data in _term_files(patched).values())

    # Rows moved: a title that sorts elsewhere. Written whole, and the same files.
    retitled = dict(after)
    order = sorted(after, key=lambda k: static_terms._browse_key(after[k]))
    first = next(d for d in docs if d["key"] == order[0])
    retitled[first["key"]] = static_record(dict(first, title="Zzzz last of all"), after)
    assert sorted(retitled, key=lambda k: static_terms._browse_key(retitled[k])) != order
    static_terms.write_term_data(patched, retitled, pages, before=after)
    assert calls == [1, 1]
    static_terms.write_term_data(whole, retitled, pages)
    assert _term_files(patched) == _term_files(whole)

    # Records that are not the ones the shards came from: written whole.
    static_terms.write_term_data(patched, after, pages, before=before)
    assert len(calls) == 4


def test_a_rewrite_links_the_shards_it_keeps(tmp_path: Path) -> None:
    """A whole rewrite of the static index (a small site's edit) links the shards whose
    bytes it would write again, and writes the others: byte for byte what a rewrite
    with no bundle before it writes."""
    import os

    from test_search_fixtures import LABELS, fixture_docs

    from equity_kb.search import publish_search

    docs = fixture_docs()
    edited = [docs[0], dict(docs[1], body="Zygomorphic xylophones. " + str(docs[1]["body"]))]
    edited += docs[2:]
    site, fresh, held = tmp_path / "site", tmp_path / "fresh", tmp_path / "held"
    publish_search(site, docs, labels=LABELS)
    held.mkdir()  # a second name for each shard served now, to tell links from copies
    for shard in (static_dir(site) / TERMS_DIRNAME).rglob("*_*.json"):
        os.link(shard, held / shard.name)
    stats = publish_search(site, edited, labels=LABELS)
    assert stats.static_records == len(docs)  # written whole: a small bundle
    publish_search(fresh, edited, labels=LABELS)
    assert _term_files(static_dir(site)) == _term_files(static_dir(fresh))
    shards = list((static_dir(site) / TERMS_DIRNAME).rglob("*_*.json"))
    linked = [p for p in shards if p.stat().st_nlink > 1]
    written = [p for p in shards if p.stat().st_nlink == 1]
    # The shards of the edited entry's new words were written; the rest were linked.
    assert any("zygomorph" in p.read_text(encoding="utf-8") for p in written)
    assert not any("zygomorph" in p.read_text(encoding="utf-8") for p in linked)
    assert 0 < len(written) < len(linked)
