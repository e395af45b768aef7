"""Citation syntax people already use: sphinxcontrib-bibtex's and Jupyter Book's roles
(``{cite}``, ``{cite:p}``, ``{cite:t}``, ``{cite:ps}``, ``{cite:ts}``, ``{cite:year}``,
``{cite:author}`` ...) with pre- and post-text, in a real build of tests/roots/test-kb,
``bibtex_bibfiles`` as the bibliography's other name, and ``equity-kb check`` reading
the same roles."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import ROOTS

from equity_kb.core.checking import Settings, check, citations
from equity_kb.core.citations import parse_cites

# bowman2021getting: Bowman, Valdez, Krausen and Donahue (2021); hallett2021: Hallett
# and Hawbaker (2021).
PAGE = """\
# Citing

- A: {cite}`bowman2021getting`
- B: {cite:p}`{see}bowman2021getting{p. 12}`
- C: {cite:p}`{see, e.g.,}bowman2021getting{pp. 3, 5}, hallett2021{ch. 2}`
- D: {cite:t}`bowman2021getting{p. 4}`
- E: {cite:ps}`bowman2021getting`
- F: {cite:ts}`bowman2021getting`
- G: {cite:year}`hallett2021`
- H: {cite:author}`hallett2021`
- I: {cite:authorpar}`bowman2021getting`
- J: {cite:yearpar}`bowman2021getting`
- K: {cite:t}`hallett2021`
"""

EXPECTED = {
    "A": "(Bowman et al., 2021)",
    "B": "(see Bowman et al., 2021, p. 12)",
    "C": "(see, e.g., Bowman et al., 2021, pp. 3, 5; Hallett & Hawbaker, 2021, ch. 2)",
    "D": "Bowman et al. (2021, p. 4)",
    "E": "(Bowman, Valdez, Krausen, & Donahue, 2021)",
    "F": "Bowman, Valdez, Krausen, and Donahue (2021)",
    "G": "2021",
    "H": "Hallett and Hawbaker",
    "I": "(Bowman et al.)",
    "J": "(2021)",
    "K": "Hallett and Hawbaker (2021)",
}


def build_with_page(kb_build, tmp_path: Path, name: str, text: str):
    """tests/roots/test-kb with one more page, ``name``.md holding ``text``, built."""
    src = tmp_path / "kb"
    shutil.copytree(ROOTS / "test-kb", src)
    (src / f"{name}.md").write_text(text, encoding="utf-8")
    index = src / "index.md"
    toctree = f"\n```{{toctree}}\n:hidden:\n\n{name}\n```\n"
    index.write_text(index.read_text(encoding="utf-8") + toctree, encoding="utf-8")
    return kb_build(src=src)


@pytest.fixture
def built(kb_build, tmp_path: Path):
    return build_with_page(kb_build, tmp_path, "citing", PAGE)


def items(app) -> dict[str, BeautifulSoup]:
    html = (Path(app.outdir) / "citing.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    out = {}
    for li in soup.select("article li"):
        label, _, _ = li.get_text().partition(":")
        out[label.strip()] = li
    return out


def test_every_role_form_renders_as_apa_places_it(built) -> None:
    assert built.warning.getvalue() == ""
    found = items(built)
    for label, text in EXPECTED.items():
        shown = re.sub(r"\s+", " ", found[label].get_text()).split(":", 1)[1].strip()
        assert shown == text, label
    # The citation itself links to the reference; the pre- and post-text stay outside.
    link = found["B"].select_one("a.kb-cite")
    assert link.get_text() == "Bowman et al., 2021"
    assert link["href"].endswith("#ref-bowman2021getting")
    assert [a.get_text() for a in found["C"].select("a.kb-cite")] == [
        "Bowman et al., 2021",
        "Hallett & Hawbaker, 2021",
    ]


def test_an_unreadable_citation_is_a_located_warning(kb_build, tmp_path: Path) -> None:
    src = tmp_path / "kb"
    shutil.copytree(ROOTS / "test-kb", src)
    page = src / "briefs" / "families.md"
    page.write_text(
        page.read_text(encoding="utf-8") + "\nBad {cite:p}`{see bowman2021getting`.\n",
        encoding="utf-8",
    )
    app = kb_build(src=src)
    warnings = app.warning.getvalue()
    assert "families.md:" in warnings and "a '{' without its '}'" in warnings


def test_the_parser_splits_at_commas_outside_braces() -> None:
    assert parse_cites("{see, e.g.,}a{pp. 3, 5}, b") == [
        ("see, e.g.,", "a", "pp. 3, 5"),
        ("", "b", ""),
    ]
    for bad in ("", "{x", "a}", "a b", "{a}{b}c"):
        with pytest.raises(ValueError):
            parse_cites(bad)


def test_check_reads_every_form_and_reports_unknown_keys(tmp_path: Path) -> None:
    text = PAGE + "- Z: {cite:ts}`{cf.}nosuchkey2020{p. 1}`\n"
    keys = {k for k, _ in citations(text)}
    assert keys == {"bowman2021getting", "hallett2021", "nosuchkey2020"}
    src = tmp_path / "kb"
    shutil.copytree(ROOTS / "test-kb", src)
    (src / "briefs" / "families.md").write_text(
        (src / "briefs" / "families.md").read_text(encoding="utf-8") + "\n" + text,
        encoding="utf-8",
    )
    result = check(Settings.from_conf(src, docs="."))
    unknown = [p for p in result.problems if "nosuchkey2020" in p.message]
    assert unknown and unknown[0].path.endswith("families.md")


def test_bibtex_bibfiles_names_the_bibliography_too(kb_build, tmp_path: Path) -> None:
    src = tmp_path / "kb"
    shutil.copytree(ROOTS / "test-kb", src)
    conf = src / "conf.py"
    conf.write_text(
        conf.read_text(encoding="utf-8").replace(
            'kb_bibliography = ["refs/*.bib"]', 'bibtex_bibfiles = ["refs/refs.bib"]'
        ),
        encoding="utf-8",
    )
    app = kb_build(src=src)
    assert app.warning.getvalue() == ""
    assert "bowman2021getting" in (Path(app.outdir) / "briefs" / "discipline-data.html").read_text(
        encoding="utf-8"
    )
    assert Settings.from_conf(src, docs=".").bibliography == ["refs/refs.bib"]


# -- {bibliography}: reading lists -----------------------------------------------------

LISTS = """\
# Reading lists

Cited here: {cite}`hallett2021`.

## Here

```{bibliography}
:filter: docname in docnames
```

## Cited by default

```{bibliography}
```

## Articles since 2020 by a regex

```{bibliography}
:filter: type == "article" and year >= "2020" or key % "^HALLETT"
```

## Keys

```{bibliography}
:keys: bowman2021getting
xss2020
```

## Capacity

```{bibliography}
:tenet: capacity
```

## Cited anywhere

```{bibliography}
:filter: cited
```

## Everything about data

```{bibliography}
:all:
:tenet: data
```
"""


def reading_lists(app) -> dict[str, list[str]]:
    html = (Path(app.outdir) / "lists.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    out = {}
    for section in soup.select("article section section"):
        title = section.find(["h2"]).get_text().strip("¶ ").strip()
        # Each item names its key (its id is unique on the page: a later list adds "-2").
        out[title] = [li["data-key"] for li in section.select("li")]
    return out


def build_lists(kb_build, tmp_path: Path, text: str):
    return build_with_page(kb_build, tmp_path, "lists", text)


def test_reading_lists_by_page_keys_tags_and_filter(kb_build, tmp_path: Path) -> None:
    app = build_lists(kb_build, tmp_path, LISTS)
    assert app.warning.getvalue() == ""
    lists = reading_lists(app)
    refs = kb_domain_refs(app)
    assert lists["Here"] == ["hallett2021"]
    assert sorted(lists["Keys"]) == ["bowman2021getting", "xss2020"]  # each once
    assert set(lists["Capacity"]) == {k for k, r in refs.items() if "capacity" in r.tenets}
    cited = {"bowman2021getting", "hallett2021"}  # the test root's brief cites both
    assert cited <= set(lists["Cited anywhere"])
    assert lists["Cited by default"] == lists["Cited anywhere"]  # sphinxcontrib-bibtex's default
    assert set(lists["Articles since 2020 by a regex"]) == {
        k
        for k, r in refs.items()
        if (r.bibtype == "article" and (r.issued or 0) >= 2020) or k.lower().startswith("hallett")
    }
    assert set(lists["Everything about data"]) == {k for k, r in refs.items() if "data" in r.tenets}
    # Each item is the APA reference with a link to its annotated entry.
    html = (Path(app.outdir) / "lists.html").read_text(encoding="utf-8")
    assert "#ref-bowman2021getting" in html


def test_a_reading_list_warns_on_an_unknown_key_or_filter(kb_build, tmp_path: Path) -> None:
    text = (
        "# Lists\n\n```{bibliography}\n:keys: nosuchkey\n```\n\n"
        '```{bibliography}\n:filter: __import__("os").system("true")\n```\n'
    )
    app = build_lists(kb_build, tmp_path, text)
    warnings = app.warning.getvalue()
    assert "lists.md:3" in warnings and "nosuchkey" in warnings
    assert "lists.md:" in warnings and ":filter:" in warnings


def kb_domain_refs(app):
    from equity_kb.sphinxext.entries.domain import kb_domain

    return kb_domain(app.env).references
