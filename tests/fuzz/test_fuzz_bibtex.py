"""Fuzzing the BibTeX loader (core/bibtex: ``load_bibliography``, ``parse.parse_text``).

The loader reads bytes from files, so the fuzzer writes bytes: invalid UTF-8 as well.
Properties: loading never raises; every problem names the file, a line within it and
a message of bounded size; and a bad entry never drops a good one: a good entry after
any number of broken-but-closed entries is still loaded, with its title.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile import ODD_CHARS, mutate_lines, pieces, time_limit
from hypothesis import given
from hypothesis import strategies as st

from equity_kb.core.bibtex import BibResult, load_bibliography
from equity_kb.core.bibtex.parse import parse_text
from equity_kb.core.model import Problem
from equity_kb.core.vocabulary import load_vocabulary

VOCABULARY = load_vocabulary(Path(__file__).resolve().parents[2] / "docs" / "vocabulary.yml")
GOOD_KEY = "zzgood9999made"
GOOD_TITLE = "A made-up article for fuzzing"
GOOD = f"""@article{{{GOOD_KEY},
  author = {{Tester, Alpha and Person, Beta}},
  title = {{{GOOD_TITLE}}},
  journal = {{Journal of Invented Results}},
  year = {{2020}},
  annotation = {{An invented annotation.}},
  tenets = {{data}},
}}
"""
SKELETON = """% A made-up file for fuzzing
@string{inv = "Invented Press"}

@book{tester2019book,
  author    = {Tester, Alpha and {Example Organisation}},
  title     = {An {Invented} Book -- ``Quoted'' {\\&} M{\\'e}ndez},
  publisher = inv,
  year      = 2019,
  month     = apr,
  doi       = {10.0000/made.up.1},
  annotation = {Made up. Two sentences.},
  tenets    = {practice, data},
  focus     = {detracking},
  levels    = {school},
  evidence  = {qualitative},
}

@misc{tester2021misc,
  author = "Person, Beta",
  title = "Quoted title",
  date = {2021-03-04/2021-05-06},
  annotation = {x},
  tenets = {capacity},
}
"""
BIB_PIECES = [
    "@",
    "@article{",
    "@string{x = ",
    "@comment{",
    "@preamble{",
    "{",
    "}",
    "}}",
    '"',
    ",",
    "=",
    "#",
    "%",
    "\\",
    "\\'",
    '\\"{',
    "\\c",
    "\\url{",
    "$",
    "$$\\frac{1}{2}$$",
    "~",
    "--",
    " and ",
    " and and ",
    "others",
    "{" * 80 + "}" * 80,
    "{" * 300,
    "year = {" + "9" * 5000 + "}",
    "year = 99999999999999999999",
    "month = notamonth",
    "author = {,}",
    "author = {Family, Given, Jr, Extra, More}",
    "date = {2020-13-45}",
    "doi = {not a doi}",
    "tenets = {not-a-tenet}",
    "title = {}",
    "title = {dup}, title = {dup}",
]
BYTE_PIECES = [
    b"\xff",
    b"\xfe\xff",
    b"\xc0\x80",
    b"\xed\xa0\x80",  # a surrogate, as UTF-8 may not encode it
    b"\xf4\x90\x80\x80",  # past U+10FFFF
    b"\xe2\x82",  # cut short
    b"\xef\xbb\xbf",
    b"\x00",
    b"\r",
    b"\r\n",
]


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="kb-fuzz-bib-") as tmp:
        yield Path(tmp)


def load(folder: Path, data: bytes) -> tuple[Path, BibResult]:
    path = folder / "fuzzed.bib"
    path.write_bytes(data)
    with time_limit():
        return path, load_bibliography([path], VOCABULARY)


def line_count(data: bytes) -> int:
    """Lines as an editor shows them: ended by LF, CRLF or a lone CR."""
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n") + 1


def check_problems(problems: list[Problem], path: Path, data: bytes) -> None:
    n_lines = line_count(data)
    for p in problems:
        assert isinstance(p, Problem)
        assert p.path == str(path)
        assert isinstance(p.line, int) and 1 <= p.line <= n_lines, (p, n_lines)
        assert isinstance(p.message, str) and p.message.strip(), p
        assert p.code and p.code.isidentifier(), p
        assert len(p.message) <= 1000 + 10 * len(data), (len(p.message), len(data))


bib_junk = pieces(BIB_PIECES)


@st.composite
def mutated_bytes(draw: st.DrawFn) -> bytes:
    text = draw(mutate_lines(SKELETON + "\n" + GOOD, bib_junk))
    data = bytearray(text.encode("utf-8", "surrogatepass"))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(data)))
        data[at:at] = draw(st.sampled_from(BYTE_PIECES) | st.binary(max_size=8))
    return bytes(data)


@given(data=mutated_bytes())
def test_mutated_files_never_crash(folder: Path, data: bytes) -> None:
    path, result = load(folder, data)
    check_problems(result.problems, path, data)
    for ref in result.references.values():
        assert ref.source == str(path) and 1 <= ref.line <= line_count(data)


@given(data=st.binary(max_size=400))
def test_any_bytes_never_crash(folder: Path, data: bytes) -> None:
    path, result = load(folder, data)
    check_problems(result.problems, path, data)


@given(
    text=st.lists(st.characters(codec="utf-8") | st.sampled_from(ODD_CHARS), max_size=300).map(
        "".join
    )
)
def test_parse_text_never_crashes(text: str) -> None:
    with time_limit():
        chunks = parse_text(text)
    for chunk in chunks:
        for entry in chunk.entries:
            assert entry.line >= 1
        for line, message, code in chunk.issues:
            assert line >= 1 and message and code


# LaTeX macros nested in a value. pylatexenc (names.decode_latex) recursed for each level
# (RecursionError at ~160) and took exponential time on nested accents (seconds at 22);
# the loader now leaves a value nested past names.MAX_NESTING undecoded (the regressions
# are in test_regressions.py). FUZZ_MACRO_DEPTH sets how deep this fuzzes.
MACROS = ["\\emph{", "\\'{", "\\textbf{", "{\\em ", "$\\frac{"]
MACRO_DEPTH = int(os.environ.get("FUZZ_MACRO_DEPTH", "40"))

# Broken entries whose braces close, so that BibTeX's own rules say where they end.
safe_text = st.text(max_size=30).map(lambda s: s.replace("{", "").replace("}", "").strip("\\"))
field_value = st.one_of(
    safe_text,
    st.sampled_from(["9" * 5000, "-1", "0", "2020-13-45", "{{{{{{{{x}}}}}}}}", "\\'{e}", "a and"]),
    st.integers(1, 300).map(lambda n: "{" * n + "deep" + "}" * n),
    st.tuples(st.sampled_from(MACROS), st.integers(1, MACRO_DEPTH)).map(
        lambda m: m[0] * m[1] + "e" + "}" * m[1]
    ),
)
field_name = st.sampled_from(
    ["author", "editor", "title", "year", "date", "month", "doi", "url", "journal", "tenets"]
    + ["focus", "levels", "evidence", "annotation", "pages", "x-unknown", "ÜNICODE"]
)


@st.composite
def broken_entry(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["article", "book", "misc", "nonsense", "ARTICLE", "string"]))
    key = draw(st.sampled_from(["", "dup", "dup", "with space", "ключ", "a,b", "x" * 300]))
    fields = draw(st.lists(st.tuples(field_name, field_value), max_size=6))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{key},\n{body}\n}}\n"


@given(bad=st.lists(broken_entry(), min_size=1, max_size=4), sep=st.sampled_from(["\n", "\n\n"]))
def test_a_bad_entry_never_drops_a_good_one(folder: Path, bad: list[str], sep: str) -> None:
    data = (sep.join(bad) + sep + GOOD).encode("utf-8")
    path, result = load(folder, data)
    check_problems(result.problems, path, data)
    references = result.references
    assert GOOD_KEY in references, [str(p) for p in result.problems]
    assert references[GOOD_KEY].title == GOOD_TITLE
