"""Every crash the fuzz targets found, as a plain test with the smallest input.

Front matter (fixed in core/frontmatter.py and core/validation.py): values YAML parses
but cannot build, numbers too long for Python to print, a lone surrogate, an explicit
tag its value does not fit, and aliases expanded into a message. BibTeX (core/bibtex,
not fixed here: xfail until it is): LaTeX macros nested deep enough to exhaust the
stack, or to take exponential time, in pylatexenc's decoding.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile import laughs, time_limit

from equity_kb.core.bibtex import clear_cache, load_bibliography
from equity_kb.core.frontmatter import read_front_matter
from equity_kb.core.validation import entry_from_front_matter
from equity_kb.core.vocabulary import load_vocabulary

VOCABULARY = load_vocabulary(Path(__file__).resolve().parents[2] / "docs" / "vocabulary.yml")


def read(text: str, entry_type: str = "brief") -> tuple[object, list[str]]:
    fm, problems = read_front_matter(text, "x.md")
    shown = [str(p) for p in problems]
    if fm is None:
        return None, shown
    entry, more = entry_from_front_matter(
        fm, entry_type=entry_type, path="x.md", docname="briefs/x", vocabulary=VOCABULARY
    )
    return entry, shown + [str(p) for p in more]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2020-13-45", "month must be in 1..12"),  # ValueError from the YAML timestamp
        ("2020-02-30", "day is out of range for month"),
        ("0000-01-01", "year 0 is out of range"),
        ("2020-01-01t10:00:00+99:00", "offset must be a timedelta"),
        ("9" * 4301, "Exceeds the limit (4300 digits)"),  # int() of a long number
    ],
)
def test_a_value_yaml_cannot_build_is_a_problem_on_its_line(value: str, reason: str) -> None:
    entry, problems = read(f"---\ntitle: T\ndate: {value}\n---\n")
    assert entry is not None and entry.title == "T"  # type: ignore[attr-defined]
    assert any(p.startswith("x.md:3: the value of 'date' cannot be read") for p in problems)
    assert any(reason in p for p in problems), problems


@pytest.mark.parametrize(
    "value",
    [
        "!!timestamp 2020-02-30\ufeff",  # AttributeError inside PyYAML
        "!!bool maybe",  # KeyError
        '!!int ""',  # IndexError
    ],
)
def test_an_explicit_tag_its_value_does_not_fit_is_a_problem(value: str) -> None:
    entry, problems = read(f"---\ntitle: T\nsummary: {value}\n---\n")
    assert entry is not None and entry.title == "T"  # type: ignore[attr-defined]
    assert any(p.startswith("x.md:3: the value of 'summary' cannot be read") for p in problems)


@pytest.mark.parametrize(
    "text",
    [
        "---\ntitle: 0x" + "f" * 3600 + "\n---\n",  # a title: str() refuses 4,300+ digits
        "---\ntenets: [0b" + "1" * 14300 + "]\n---\n",  # a list item
        "---\ndate: 0b" + "1" * 14300 + "\n---\n",  # a date, and its message
        "---\n? 0x" + "f" * 3600 + "\n: a\n---\n",  # a key (explicit: plain ones stop at 1,024)
    ],
)
def test_a_number_too_long_to_print_is_a_problem_not_a_crash(text: str) -> None:
    entry, problems = read(text)
    assert entry is not None
    assert problems


def test_a_lone_surrogate_is_bad_yaml_not_a_crash() -> None:
    # No UTF-8 file holds one, but the reader takes any str (UnicodeEncodeError in libyaml).
    entry, problems = read("---\ntitle: \ud800\n---\n")
    assert entry is None
    assert len(problems) == 1 and "not valid YAML" in problems[0]


def test_aliases_are_not_expanded_into_a_message() -> None:
    # 9**6 strings through aliases: the date message once quoted all of them (seconds,
    # and a message of megabytes).
    text = "---\n" + laughs(6) + "\ndate: *l6\n---\n"
    with time_limit(5):
        entry, problems = read(text)
    (date_problem,) = [p for p in problems if "is not a date" in p]
    assert len(date_problem) < 400


def test_a_duplicate_key_is_reported_and_the_last_is_used() -> None:
    entry, problems = read("---\ntitle: First\ntenets: [data]\ntitle: Second\n---\n")
    assert entry.title == "Second"  # type: ignore[attr-defined]
    assert any(
        p.startswith("x.md:4: field 'title' is given twice (also on line 2)") for p in problems
    )


# -- BibTeX: found by test_fuzz_bibtex.py with FUZZ_MACRO_DEPTH=300: pylatexenc's
# recursion and its exponential time on nested groups; names.decode_latex now leaves a
# value nested deeper than MAX_NESTING undecoded, and the loader says where.


def _load(tmp_path: Path, value: str) -> object:
    path = tmp_path / "deep.bib"
    path.write_text(
        "@misc{deep2020made,\n  title = {" + value + "},\n  year = {2020},\n}\n"
        "@misc{good2020made,\n  title = {Made-up good entry},\n  year = {2020},\n}\n",
        encoding="utf-8",
    )
    clear_cache()
    return load_bibliography([path], VOCABULARY)


def test_deeply_nested_macros_are_a_problem_not_a_crash(tmp_path: Path) -> None:
    result = _load(tmp_path, "\\emph{" * 200 + "x" + "}" * 200)
    assert "good2020made" in result.references  # type: ignore[attr-defined]
    deep = [p for p in result.problems if "nests braces or macros 200 deep" in p.message]  # type: ignore[attr-defined]
    assert [(p.line, p.code) for p in deep] == [(2, "bib_syntax")]


def test_nested_accents_load_in_bounded_time(tmp_path: Path) -> None:
    with time_limit(2):
        result = _load(tmp_path, "\\'{" * 30 + "e" + "}" * 30)
    assert "good2020made" in result.references  # type: ignore[attr-defined]
    # Twelve levels still decode, within the time limit.
    with time_limit(2):
        result = _load(tmp_path, "\\'{" * 12 + "e" + "}" * 12)
    assert result.references["deep2020made"].title.startswith("é")  # type: ignore[attr-defined]
