"""equity_kb.core.reading_filter against sphinxcontrib-bibtex 2.7.0's ``:filter:`` language.

Every ``:filter:`` of sphinxcontrib-bibtex's test roots (``test/roots``; its sdist) is read
here and selects the entries its tests expect (``test/test_filter.py``); every expression
of its ``test-filter_syntax_error`` root is refused with a FilterError. Where
sphinxcontrib-bibtex is installed (a test extra), its own ``_FilterVisitor`` is the oracle
for many more expressions. Odd expressions give a FilterError or a bool, never another
exception.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Mapping
from pathlib import Path

import pytest

from equity_kb.core.bibtex import clear_cache, load_bibliography
from equity_kb.core.model import Reference
from equity_kb.core.reading_filter import MAX_DEPTH, Context, FilterError, matches, parse_filter
from equity_kb.core.vocabulary import Vocabulary

# test/roots/test-filter/test.bib
FILTER_BIB = """\
@Misc{second,
  author =    {B. Second},
  title =     {Tralalala},
  year =      {2010}
}

@Article{third,
  author =       {B. Second},
  title =        {Heb je een ideetje},
  journal =      {Journal of Kaatje},
  year =         {2012}
}

@Misc{first,
  author =    {A. First},
  title =     {Jakkamakka},
  year =      {2011}
}
"""
# test/roots/test-filter_fix_author_keyerror/test.bib
NO_AUTHOR_BIB = """\
@Misc{second,
  title =     {Tralalala},
  year =      {2010}
}
"""
# test/roots/test-filter_syntax_error/test.bib
SYNTAX_ERROR_BIB = """\
@misc{test,
  author = {Mr. Tee},
  title = {Baracuda},
  year = {1553}
}
"""
# More entries, for the other roots' filters and the oracle: von, Jr, an editor, a
# field written in mixed case, a key in mixed case.
MORE_BIB = """\
@Book{Beethoven1800,
  author = {Ludwig van Beethoven and Smith, Jr., John},
  editor = {Ann Editor},
  title = {The Godel case},
  year = {1800},
  publisher = {X},
  Note = {Mixed Case}
}

@InCollection{fuhrmans_molecular_2012,
  author = {Fuhrmans, M.},
  title = {Molecular dynamics},
  booktitle = {Proceedings},
  publisher = {Y},
  year = {2012}
}
"""

TITLES = {"Tralalala": "second", "ideetje": "third", "Jakkamakka": "first"}


def load(tmp_path: Path, text: str) -> dict[str, Reference]:
    clear_cache()
    bib = tmp_path / "refs.bib"
    bib.write_text(text, encoding="utf-8")
    result = load_bibliography([bib], Vocabulary(terms={}))
    assert result.problems == []
    return result.references


def select(
    text: str,
    refs: Mapping[str, Reference],
    docname: str = "index",
    cited: Mapping[str, set[str]] | None = None,
) -> set[str]:
    expr = parse_filter(text)
    cited = cited or {}
    return {
        key
        for key, ref in refs.items()
        if matches(expr, Context(ref, docname, cited.get(key, set())))
    }


def refused(text: str, refs: Mapping[str, Reference], cited: Collection[str] = ()) -> str:
    """The FilterError's message for ``text``, read or applied to each of ``refs``."""
    with pytest.raises(FilterError) as caught:
        expr = parse_filter(text)
        for ref in refs.values():
            matches(expr, Context(ref, "index", cited))
    return str(caught.value)


# ---------------------------------------------------------------------------- test-filter

# Each page of test-filter: its filter and the entries (by title) test_filter expects. The
# last five pages test_filter does not check; their lists are what sphinxcontrib-bibtex
# 2.7.0 builds (nothing is cited in this root, so docnames is empty).
FILTER_PAGES = {
    "index": ('author % "Second" and type == "misc"', {"Tralalala"}),
    "or": ('author % "First" or type == "article"', {"ideetje", "Jakkamakka"}),
    "noteq": ('year != "2011"', {"Tralalala", "ideetje"}),
    "lt": ('year < "2011"', {"Tralalala"}),
    "lte": ('year <= "2011"', {"Tralalala", "Jakkamakka"}),
    "gt": ('year > "2011"', {"ideetje"}),
    "gte": ('year >= "2011"', {"ideetje", "Jakkamakka"}),
    "key": ('key == "third"', {"ideetje"}),
    "false": ("False", set()),
    "true": ("True", {"Tralalala", "ideetje", "Jakkamakka"}),
    "title": ('title and title % "jakka"', {"Jakkamakka"}),
    "in": ('"bla" in docnames', set()),
    "notin": ('"bla" not in docnames', {"Tralalala", "ideetje", "Jakkamakka"}),
    "set": ('{"doc1", "doc2"} <= docnames', set()),
    "bitand": ('{"doc1", "doc2"} & docnames', set()),
    "bitor": ('{"doc1", "doc2"} | docnames', {"Tralalala", "ideetje", "Jakkamakka"}),
}


@pytest.mark.parametrize("page", FILTER_PAGES)
def test_the_filter_roots_pages_list_what_sphinxcontrib_bibtex_lists(
    page: str, tmp_path: Path
) -> None:
    text, titles = FILTER_PAGES[page]
    refs = load(tmp_path, FILTER_BIB)
    assert select(text, refs, docname=page) == {TITLES[t] for t in titles}


def test_set_filters_with_citations(tmp_path: Path) -> None:
    # The set pages again, now that entries are cited: "first" on doc1 and doc2.
    refs = load(tmp_path, FILTER_BIB)
    cited = {"first": {"doc1", "doc2"}, "third": {"doc1"}}
    assert select('{"doc1", "doc2"} <= docnames', refs, cited=cited) == {"first"}
    assert select('{"doc1", "doc2"} & docnames', refs, cited=cited) == {"first", "third"}
    assert select('"doc2" in docnames', refs, cited=cited) == {"first"}
    assert select("cited", refs, cited=cited) == {"first", "third"}
    assert select("not cited", refs, cited=cited) == {"second"}
    assert select("docname in docnames", refs, "doc2", cited) == {"first"}


def test_author_is_pybtexs_names_joined_by_and(tmp_path: Path) -> None:
    refs = load(tmp_path, FILTER_BIB + MORE_BIB)
    assert select('author == "Second, B."', refs) == {"second", "third"}
    assert select('author == "van Beethoven, Ludwig and Smith, Jr., John"', refs) == {
        "Beethoven1800"
    }
    assert select('editor == "Editor, Ann"', refs) == {"Beethoven1800"}
    assert select('key == "beethoven1800"', refs) == {"Beethoven1800"}  # keys in lower case
    assert select('key == "Beethoven1800"', refs) == set()
    assert select('NOTE == "Mixed Case"', refs) == {"Beethoven1800"}  # fields: any case
    assert select('Author == ""', refs) == set(refs)  # as pybtex: names are no field


def test_an_entry_with_no_author(tmp_path: Path) -> None:
    # test-filter_fix_author_keyerror: an entry with no author field is no error.
    refs = load(tmp_path, NO_AUTHOR_BIB)
    assert select('author % "Test"', refs) == set()
    assert select('author == ""', refs) == {"second"}


def test_the_option_clash_roots_filter_reads(tmp_path: Path) -> None:
    # test-filter_option_clash: an empty .bib; the filter must read.
    assert select('author % "Troffaes"', {}) == set()


# ---------------------------------------------------------------------------- the other roots

OTHER_ROOTS = {
    "test-bibliography_content/doc1": "docname in docnames",
    "test-bibliography_content/doc2": "False",
    "test-parallel/regular/doc01": 'title % "Godel case"',
    "test-parallel/regular/doc07": '"regular/doc15" in docnames',
    "test-parallel/regular/allrefs": (
        'cited and not ({"regular/doc11", "regular/doc13", "regular/doc15"} & docnames)'
    ),
    "test-bibliography_label_prefix_2/summary": (
        'docname in docnames and key != "fuhrmans_molecular_2012"'
    ),
}
CITED = {
    "second": {"doc1", "summary"},
    "third": {"regular/doc15"},
    "Beethoven1800": {"regular/doc01", "summary"},
    "fuhrmans_molecular_2012": {"summary", "regular/doc11"},
}


def test_the_other_roots_filters(tmp_path: Path) -> None:
    refs = load(tmp_path, FILTER_BIB + MORE_BIB)
    expected = {
        "test-bibliography_content/doc1": {"second"},
        "test-bibliography_content/doc2": set(),
        "test-parallel/regular/doc01": {"Beethoven1800"},
        "test-parallel/regular/doc07": {"third"},
        "test-parallel/regular/allrefs": {"second", "Beethoven1800"},
        "test-bibliography_label_prefix_2/summary": {"second", "Beethoven1800"},
    }
    for where, text in OTHER_ROOTS.items():
        page = where.split("/", 1)[1]
        assert select(text, refs, page, CITED) == expected[where], where


# ---------------------------------------------------------------------------- refused

# test/roots/test-filter_syntax_error/index.rst: nine warnings in sphinxcontrib-bibtex.
SYNTAX_ERRORS = [
    "$",
    "yield author",
    "author is title",
    "False % title",
    "title % False",
    "~title",
    '"2000" <= year <= "2005"',
    "author + title",
    "author; title",
]


@pytest.mark.parametrize("text", SYNTAX_ERRORS)
def test_the_syntax_error_roots_filters_are_refused(text: str, tmp_path: Path) -> None:
    assert refused(text, load(tmp_path, SYNTAX_ERROR_BIB))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("author is title", "'is' is not allowed"),
        ("author is not None", "'is not' is not allowed"),
        ('"2000" <= year <= "2005"', "only one comparison at a time"),
        ("~title", "only 'not' may stand before a value, not '~'"),
        ("-1 < 2", "not '-'"),
        ("author + title", "'+' is not allowed between values"),
        ("docnames - {'a'}", "'-' is not allowed between values"),
        ("docnames ^ {'a'}", "'^' is not allowed between values"),
        ("False % title", "% needs a string on its left, not False"),
        ("title % 1", "% needs a string on its right, not 1"),
        ('__import__("os").system("true")', "a function call is not allowed"),
        ("author.upper", "an attribute (x.y) is not allowed"),
        ("author[0]", "indexing (x[...]) is not allowed"),
        ('type in ["book"]', "a list [...] (write a set {...})"),
        ("lambda: 1", "a lambda is not allowed"),
        ("$", "is not an expression"),
        ("", "is not an expression"),
    ],
)
def test_refusals_say_what_is_not_allowed(text: str, says: str) -> None:
    with pytest.raises(FilterError) as caught:
        parse_filter(text)
    assert says in str(caught.value)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("year < 2011", "cannot apply < to '2010' and 2011 (a string and a number)"),
        ('type % "("', "'(' is not a regular expression"),
        ("docnames % 'x'", "% needs a string on its left, not an empty set"),
        ("{docnames}", "a set {...} cannot hold these values (a set)"),
        ('docnames | "x"', "cannot apply | to"),
    ],
)
def test_errors_while_applying_are_filter_errors(text: str, says: str, tmp_path: Path) -> None:
    refs = load(tmp_path, FILTER_BIB)
    assert says in refused(text, refs)


def test_deep_nesting_is_refused_not_a_recursion_error() -> None:
    assert parse_filter("not " * (MAX_DEPTH - 2) + "cited") is not None
    with pytest.raises(FilterError, match="nested more than"):
        parse_filter("not " * (MAX_DEPTH + 1) + "cited")
    with pytest.raises(FilterError):
        parse_filter("not " * 5000 + "cited")


# ---------------------------------------------------------------------------- odd input

ODD = [
    '__import__("os").system("true")',
    "().__class__.__bases__",
    "author.__class__",
    "author[0]",
    "docnames[::-1]",
    "lambda: 1",
    "[x for x in docnames]",
    'f"{author}"',
    "1 if cited else 0",
    "(x := 1)",
    "*docnames",
    "9 ** 9 ** 9",
    '"a" * 10 ** 9',
    "1" * 5000,
    "0x" + "f" * 5000 + " > 1",
    "1e999 > 1",
    '{{"a"}, {"b", {"c"}}} & {{"a"}}',
    "{docnames}",
    '1 < "a"',
    'type % "("',
    'title % "a{4294967295}"',
    'b"x" < "x"',
    "1j < 2",
    "... in docnames",
    'docnames | "x"',
    "not " * 5000 + "cited",
    "-" * 50000 + "1",
    "(" * 300 + "cited" + ")" * 300,
    "cited\0",
    "author; title",
    "import os",
    "cited and",
    "(title % 'godel') == None",
    "author % author and title % title",
]


@pytest.mark.parametrize("text", ODD, ids=lambda t: t[:40])
def test_odd_filters_give_a_bool_or_a_filter_error(text: str, tmp_path: Path) -> None:
    refs = load(tmp_path, FILTER_BIB + MORE_BIB)
    try:
        expr = parse_filter(text)
    except FilterError as err:
        assert str(err)
        return
    for ref in refs.values():
        try:
            assert isinstance(matches(expr, Context(ref, "index", {"index"})), bool)
        except FilterError as err:
            assert str(err)


# ---------------------------------------------------------------------------- the oracle

# Expressions both read, or both refuse: compared with sphinxcontrib-bibtex's own visitor.
ORACLE = [
    *(text for text, _ in FILTER_PAGES.values()),
    *OTHER_ROOTS.values(),
    *SYNTAX_ERRORS[1:-1],  # "$" and "author; title" are Python syntax errors, not its visitor's
    'author == "Second, B."',
    'author % "van beethoven, ludwig and smith, jr\\\\., john"',
    'editor % "^editor, ann$"',
    'editor == ""',
    'Title % "tralala"',
    "Author",
    'NOTE == "Mixed Case"',
    'Key == ""',
    'key == "beethoven1800"',
    'type == "book"',
    "(title % 'godel') == None",
    "(title % 'godel') == True",
    "not (title % 'godel')",
    '{"doc1"} | docnames == {"doc1", "summary"}',
    '{"doc1", "summary"} >= docnames',
    'docnames < {"doc1", "summary", "x"}',
    "docnames - {'a'}",
    "docnames ^ {'a'}",
    "cited_docnames",
    "None",
    "1",
    "0",
    '""',
    "1.5 > 1",
    "{1, 2} & {2}",
    "True | False",
    "3 & 1",
    "cited == True",
    'year in {"2010", "2011"}',
    '"sec" in author',
    "not publisher",
    "year > 2000",
    "{docnames}",
    'type % "("',
    "docnames % 'x'",
    "-1",
    "author is None",
    'type in ["book"]',
    "author.upper",
]


@pytest.mark.parametrize("text", ORACLE)
def test_as_sphinxcontrib_bibtexs_own_visitor(text: str, tmp_path: Path) -> None:
    domain = pytest.importorskip("sphinxcontrib.bibtex.domain")
    from pybtex.database import parse_string

    bib = FILTER_BIB + MORE_BIB
    refs = load(tmp_path, bib)
    entries = parse_string(bib, "bibtex").entries
    for docname in ("index", "doc1", "summary", "regular/doc11"):
        for key, ref in refs.items():
            cited = CITED.get(key, set())
            visitor = domain._FilterVisitor(entries[key], docname, set(cited))
            try:
                theirs: object = bool(visitor.visit(ast.parse(text)))
            except Exception:  # noqa: BLE001  (ValueError: refused; others: it crashes)
                theirs = "refused"
            try:
                ours: object = matches(parse_filter(text), Context(ref, docname, cited))
            except FilterError:
                ours = "refused"
            assert ours == theirs, (key, docname)
