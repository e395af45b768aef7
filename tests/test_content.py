"""The shipped knowledge base: enough of each kind, every tag in use, briefs of a readable
length, every reference annotated and sourced (checked without a Sphinx build)."""

from __future__ import annotations

import re

import pytest
from conftest import REPO

from equity_kb.core.checking import Settings, check
from equity_kb.core.frontmatter import split_front_matter
from equity_kb.core.model import Brief, Practice
from equity_kb.core.vocabulary import load_vocabulary


@pytest.fixture(scope="module")
def shipped():
    result = check(Settings.from_conf(REPO))
    assert result.ok, "\n".join(map(str, result.problems))
    return result


def test_enough_of_each_kind(shipped):
    briefs = [e for e in shipped.entries if isinstance(e, Brief)]
    cards = [e for e in shipped.entries if isinstance(e, Practice)]
    # Floors the shipped content was asked to reach, not counts: it only grows.
    assert len(briefs) >= 10 and len(cards) >= 25 and len(shipped.references) >= 45


def test_every_tenet_and_focus_area_has_an_entry(shipped):
    vocabulary = load_vocabulary(REPO / "docs/vocabulary.yml")
    entries = [*shipped.entries, *shipped.references.values()]
    for kind in ("tenets", "focus", "levels"):
        for term in vocabulary.ids(kind):
            assert any(term in getattr(e, kind) for e in entries), f"no entry tagged {term}"


def test_briefs_are_600_to_1500_words():
    for path in sorted((REPO / "docs/briefs").glob("*.md")):
        if path.stem == "index":
            continue
        text = path.read_text(encoding="utf-8")
        _, end = split_front_matter(text) or ("", 0)
        body = "\n".join(text.splitlines()[end:])
        words = len(re.findall(r"\b\w[\w'’-]*\b", body))
        assert 600 <= words <= 1500, f"{path.name}: {words} words"


def test_every_reference_is_annotated_and_sourced(shipped):
    for ref in shipped.references.values():
        assert len(ref.annotation.split()) >= 15, ref.key  # the floor for an annotation
        assert ref.provenance, f"{ref.key} does not say where its details came from"


def test_every_card_rests_on_evidence_that_exists(shipped):
    for card in (e for e in shipped.entries if isinstance(e, Practice)):
        assert card.evidence, card.key
        assert all(k in shipped.references for k in card.evidence), card.key
