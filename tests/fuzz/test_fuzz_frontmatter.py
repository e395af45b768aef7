"""Fuzzing the front-matter reader (core/frontmatter) and its validation (core/validation).

Properties, for any text: reading and validating never raise; every problem names the
file, a line of it (1-based, within the file) and a message of bounded size; and a bad
field never drops a good one: the good title and tenets of a front matter whose other
fields are hostile still reach the entry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hostile import YAML_PIECES, laughs, mutate_lines, pieces
from hypothesis import given
from hypothesis import strategies as st

from equity_kb.core.frontmatter import read_front_matter
from equity_kb.core.model import Problem
from equity_kb.core.validation import FIELDS, entry_from_front_matter
from equity_kb.core.vocabulary import load_vocabulary

VOCABULARY = load_vocabulary(Path(__file__).resolve().parents[2] / "docs" / "vocabulary.yml")
PATH = "briefs/fuzzed.md"
GOOD_TITLE = "A made-up test brief"
GOOD_TENETS = ["data", "practice"]

BRIEF = f"""---
title: {GOOD_TITLE}
tenets: [{", ".join(GOOD_TENETS)}]
focus: [detracking]
levels:
  - school
  - district
authors: [Test Author One, Test Author Two]
date: 2024-05-06
status: draft
summary: An invented summary for a fuzz test.
---
# Body

Text of the made-up brief.
"""
PRACTICE = """---
id: PC-999
title: A made-up test card
tenets: [capacity]
focus: [leadership, student-voice]
levels: [classroom]
organization: Example Test Organisation
evidence: [made-up2020key, other2021key]
date: 2023-01-02
summary: One invented sentence.
---
Body.
"""
SKELETONS = {"brief": BRIEF, "practice": PRACTICE}


def check_problems(problems: list[Problem], text: str) -> None:
    """Each problem is at a line of the file, with a message of sensible size."""
    n_lines = max(len(text.splitlines()), 1)
    for p in problems:
        assert isinstance(p, Problem)
        assert p.path == PATH
        assert isinstance(p.line, int) and 1 <= p.line <= n_lines, (p, n_lines)
        assert isinstance(p.message, str) and p.message.strip(), p
        assert p.code and p.code.isidentifier(), p
        # Quoting a value is fine; expanding aliases into a message is not.
        assert len(p.message) <= 1000 + 10 * len(text), (len(p.message), len(text))


def read_and_validate(text: str, entry_type: str) -> Any:
    fm, problems = read_front_matter(text, PATH)
    check_problems(problems, text)
    if fm is None:
        return None
    n_lines = max(len(text.splitlines()), 1)
    assert all(1 <= line <= n_lines for line in fm.key_lines.values())
    assert all(1 <= line <= n_lines for line in fm.item_lines.values())
    entry, more = entry_from_front_matter(
        fm, entry_type=entry_type, path=PATH, docname="briefs/fuzzed", vocabulary=VOCABULARY
    )
    check_problems(more, text)
    assert isinstance(entry.title, str) and entry.title
    assert set(entry.tenets) <= set(VOCABULARY.ids("tenets"))
    return entry


entry_types = st.sampled_from(sorted(SKELETONS))
yaml_junk = pieces(YAML_PIECES + [laughs(3)])


@given(entry_types, st.data())
def test_mutated_front_matter_never_crashes(entry_type: str, data: st.DataObject) -> None:
    """A valid front matter with lines broken, split, duplicated or spliced with junk."""
    text = data.draw(mutate_lines(SKELETONS[entry_type], yaml_junk), label="text")
    read_and_validate(text, entry_type)


@given(st.text(max_size=300), entry_types)
def test_any_text_after_the_opening_line_never_crashes(body: str, entry_type: str) -> None:
    read_and_validate("---\n" + body, entry_type)


# Values a YAML dumper can write, for the fields around the good ones (numbers too long
# to print are not among them: the dumper cannot write them; pieces() has them raw).
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.dates(),
    st.datetimes(),
    pieces(YAML_PIECES),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
other_keys = st.sampled_from(
    sorted({k for fields in FIELDS.values() for k in fields} - {"title", "tenets"})
    + ["titel", "tenet", "tags", "", " ", "0", "null", "a" * 300]
)


def raw_yaml_line(key: str, raw: str) -> str:
    return f"{key}: {raw}"


@given(
    entry_types,
    st.dictionaries(other_keys, values, max_size=6),
    st.lists(st.tuples(other_keys, pieces(YAML_PIECES)), max_size=3),
)
def test_a_bad_field_never_drops_a_good_one(
    entry_type: str, hostile: dict[str, Any], raw_lines: list[tuple[str, str]]
) -> None:
    """Hostile fields (written by a YAML dumper, so the document itself is valid, and
    then raw lines a dumper would not write, as duplicate keys) beside a good title and
    good tenets: the entry keeps the title and the tenets, whatever the rest is."""
    # Keys ordered as drawn; the good fields first, so a raw line cannot swallow them.
    good = yaml.safe_dump({"title": GOOD_TITLE, "tenets": GOOD_TENETS}, sort_keys=False)
    rest = yaml.safe_dump(hostile, sort_keys=False, allow_unicode=True) if hostile else ""
    raw = "\n".join(raw_yaml_line(k, v.replace("\n", " ")) for k, v in raw_lines)
    text = f"---\n{good}{rest}---\nBody.\n"
    entry = read_and_validate(text, entry_type)
    assert entry is not None, "a valid YAML front matter was not read"
    assert entry.title == GOOD_TITLE
    assert list(entry.tenets) == GOOD_TENETS
    if raw:
        # Raw lines may make the YAML invalid (then the one problem says so), but never
        # crash; if the document still reads, the good fields are kept.
        text = f"---\n{good}{rest}{raw}\n---\nBody.\n"
        fm, problems = read_front_matter(text, PATH)
        check_problems(problems, text)
        if fm is not None:
            entry = read_and_validate(text, entry_type)
            assert entry.title == GOOD_TITLE
            assert list(entry.tenets) == GOOD_TENETS
        else:
            assert [p.code for p in problems] == ["bad_yaml"]


@given(entry_types, st.sampled_from(YAML_PIECES), st.sampled_from(["date", "summary", "levels"]))
def test_a_value_that_fails_late_is_one_problem_not_the_whole_page(
    entry_type: str, raw: str, key: str
) -> None:
    """A value YAML parses but cannot construct (a 13th month, a timestamp offset of 99
    hours, a number too long to print, an unknown tag) spoils its own field only."""
    text = f"---\ntitle: {GOOD_TITLE}\ntenets: [data]\n{key}: {raw}\n---\n"
    fm, problems = read_front_matter(text, PATH)
    check_problems(problems, text)
    if fm is None:
        # Only a syntax error may lose the whole front matter, at the line it is on.
        assert [p.code for p in problems] == ["bad_yaml"]
        return
    entry = read_and_validate(text, entry_type)
    assert entry.title == GOOD_TITLE and entry.tenets == ("data",)
