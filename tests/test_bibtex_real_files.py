"""BibTeX and BibLaTeX as real files write them: Zotero's own BibLaTeX export, Better
BibTeX, and biblatex's own example file (biblatex-examples.bib). @string macros and '#'
across every file, LaTeX as plain text and as CSL rich text, URLs and DOIs, repeated
notes, editor roles and BibLaTeX's multivolume fields, placeholders left by an import.

The fixtures in tests/bib/real-layouts/ are written by hand in each tool's layout, with
made-up data.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import bibtexparser
import pytest
import rispy
from bs4 import BeautifulSoup

from equity_kb.core.apa import format_bibliography
from equity_kb.core.bibtex import clear_cache, latex_to_csl_rich, load_bibliography
from equity_kb.core.bibtex.latex import decode, url_text
from equity_kb.core.csl import to_csl
from equity_kb.core.exports import to_bibtex, to_csl_json, to_ris
from equity_kb.core.model import Person
from equity_kb.core.vocabulary import load_vocabulary
from equity_kb.search.documents import reference_body

HERE = Path(__file__).parent
REPO = HERE.parent
FIXTURES = HERE / "bib" / "real-layouts"
FILES = [
    FIXTURES / name
    for name in (
        "zotero-biblatex.bib",
        "betterbibtex.bib",
        "biblatex-style.bib",
        "strings-a.bib",
        "strings-b.bib",
        "imported.bib",
    )
]
VOCABULARY = load_vocabulary(HERE / "roots" / "test-kb" / "vocabulary.yml")
CITEPROC_JS = REPO / "tools" / "citeproc-js" / "render.mjs"


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    clear_cache()


@pytest.fixture(scope="module")
def loaded():
    clear_cache()
    return load_bibliography(FILES, VOCABULARY)


def line_of(name: str, text: str) -> int:
    """The 1-based line of the first line holding ``text`` in fixture ``name``."""
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines) if text in line) + 1


def test_every_problem_is_accounted_for(loaded) -> None:
    found = [(Path(p.path).name, p.line, p.code, p.severity) for p in loaded.problems]
    assert found == [
        ("betterbibtex.bib", line_of("betterbibtex.bib", "redactr"), "unknown_role", "note"),
        ("biblatex-style.bib", line_of("biblatex-style.bib", r"\arabic"), "latex_kept", "note"),
        ("strings-b.bib", line_of("strings-b.bib", "@string{jre"), "macro_redefined", "note"),
        ("strings-b.bib", line_of("strings-b.bib", "nowhere #"), "bib_syntax", "error"),
        ("imported.bib", 6, "placeholder", "error"),  # author = {TODO}
        ("imported.bib", 8, "placeholder", "error"),  # date = {TODO}
        ("imported.bib", 9, "missing_annotation", "error"),
        ("imported.bib", 10, "placeholder", "error"),  # tenets = {TODO}
    ]
    assert len(loaded.references) == 17  # every entry is listed, the faulty ones too


# ---------------------------------------------------------------- @string and '#'


def test_a_macro_joined_to_braced_text_is_expanded(loaded) -> None:
    # biblatex-examples.bib's own form: publisher = dtv # { and Walter de Gruyter}
    refs = loaded.references
    assert refs["lowe2016"].fields["publisher"] == "Test College Press and Test Partners"
    assert refs["vale:works"].fields["publisher"] == "Test University Press and Test Partners"
    assert refs["kerr"].fields["journaltitle"] == "J.\xa0Test Res."  # ~ is a no-break space
    # What an export writes is the text, not an expression another file's macro completes.
    assert refs["vale:works"].raw_fields["publisher"] == "Test University Press and Test Partners"
    text = to_bibtex([refs["moss2017"]])
    assert "Test College Press and Upland College Press" in text and "#" not in text


def test_macros_of_every_file_apply_in_all_of_them(loaded) -> None:
    refs = loaded.references
    assert refs["moss2017"].fields["publisher"] == "Test College Press and Upland College Press"
    assert refs["ito2019"].fields["publisher"] == "Test College Press, New York"  # b on a's
    # Each file's own definition first: strings-b.bib's jre, not strings-a.bib's.
    assert refs["ng2018"].fields["journal"] == "J. Made-up Racial Equity"
    assert refs["ng2018"].fields["month"] == "mar"  # BibTeX's month macro, read as a month
    assert to_csl(refs["ng2018"])["issued"] == {"date-parts": [[2018, 3]]}
    [redefined] = [p for p in loaded.problems if p.code == "macro_redefined"]
    assert f"{FIXTURES / 'strings-a.bib'}:5" in redefined.message


def test_an_undefined_macro_is_located_and_shown_as_its_name(loaded) -> None:
    ito = loaded.references["ito2019"]
    assert ito.fields["address"] == "nowhere City"
    [problem] = [p for p in loaded.problems if p.code == "bib_syntax"]
    assert (Path(problem.path).name, problem.line) == (
        "strings-b.bib",
        line_of("strings-b.bib", "address    = nowhere"),
    )
    assert "'nowhere'" in problem.message and "@string{nowhere = {...}}" in problem.message


@pytest.mark.parametrize("cache_dir", [False, True])
def test_another_files_macros_are_not_cached_with_this_file(
    tmp_path: Path, cache_dir: bool
) -> None:
    """The parse of a file is cached by its bytes; macros from another file are applied
    after it, so what they change follows them."""
    a, b = tmp_path / "strings-a.bib", tmp_path / "strings-b.bib"
    shutil.copy(FIXTURES / a.name, a)
    shutil.copy(FIXTURES / b.name, b)
    kwargs = {"cache_dir": tmp_path / "cache"} if cache_dir else {}

    def publisher(*paths: Path) -> tuple[str, list[str]]:
        result = load_bibliography(list(paths), VOCABULARY, **kwargs)
        undefined = [re.findall(r"the macro '(\w+)'", p.message) for p in result.problems]
        return result.references["moss2017"].fields["publisher"], sorted(sum(undefined, []))

    assert publisher(b) == ("tcp and Upland College Press", ["nowhere", "tcp", "tcp"])
    assert publisher(a, b) == ("Test College Press and Upland College Press", ["nowhere"])
    assert publisher(b)[0] == "tcp and Upland College Press"
    a.write_text(
        a.read_text(encoding="utf-8").replace("Test College Press", "Other Press"),
        encoding="utf-8",
    )
    assert publisher(a, b)[0] == "Other Press and Upland College Press"


def test_a_lone_undefined_macro_keeps_its_advice(tmp_path: Path) -> None:
    bib = tmp_path / "x.bib"
    bib.write_text(
        "@article{x,\n  author = {Doe, Jo},\n  title = {T},\n  journal = JER,\n"
        "  year = 2020,\n  annotation = {A.},\n  tenets = {data},\n}\n",
        encoding="utf-8",
    )
    result = load_bibliography([bib], VOCABULARY)
    assert [(p.code, p.line) for p in result.problems] == [("bib_syntax", 4)]
    assert "write journal = {JER}" in result.problems[0].message
    assert result.references["x"].fields["journal"] == "JER"


# ---------------------------------------------------------------- LaTeX


# The constructs of biblatex-examples.bib: (as written, plain text, CSL rich text of a
# title; None where the rich text is the plain text).
BIBLATEX_EXAMPLES = [
    (
        r"Computation of methodology\hyphen independent ionic solvation",
        "Computation of methodology-independent ionic solvation",
        None,
    ),
    (
        r"\mkbibquote{Intention} und \mkbibquote{Intentionalit{\"a}t}",
        "“Intention” und “Intentionalität”",
        None,
    ),
    (
        r"under \enquote*{E} rather than \enquote{T \enquote{in}}",
        "under ‘E’ rather than “T ‘in’”",
        None,
    ),
    (r"The {\TeX book}", "The TeXbook", 'The <span class="nocase">TeX</span>book'),
    (r"{\TeX}: The Program", "TeX: The Program", '<span class="nocase">TeX</span>: The Program'),
    (r"\protect\TeX book, The", "TeXbook, The", '<span class="nocase">TeX</span>book, The'),
    (
        r"\LaTeX\ and Bib\TeX",
        "LaTeX and BibTeX",
        '<span class="nocase">LaTeX</span> and Bib<span class="nocase">TeX</span>',
    ),
    (
        r"Le \emph{De Anima} dans la tradition gr{\`e}cque",
        "Le De Anima dans la tradition grècque",
        "Le <i>De Anima</i> dans la tradition grècque",
    ),
    (
        r"Christum natum \textsc{mcxcviii}",
        "Christum natum mcxcviii",
        'Christum natum <span style="font-variant:small-caps;">mcxcviii</span>',
    ),
    (r"Unzeitgem{\"a}{\ss}e Encyclop{\ae}dia", "Unzeitgemäße Encyclopædia", None),
    (r"Bronis{\l}aw Aks{\i}n {\c{C}}etinkaya", "Bronisław Aksın Çetinkaya", None),
    (r"Compare \texttt{baez\slash online}", "Compare baez/online", None),
    (r"\autocap{e}xcerpt in", "excerpt in", None),
    (r"Angew.~Chem. Int.~Ed.", "Angew.\xa0Chem. Int.\xa0Ed.", None),
    (
        r"Semantic {3D} Media",
        "Semantic 3D Media",
        'Semantic <span class="nocase">3D</span> Media',
    ),
    # What Zotero and Better BibTeX write for rich text and special characters.
    (
        r"{\em Italic} and \textit{it} and \textbf{bold}",
        "Italic and it and bold",
        "<i>Italic</i> and <i>it</i> and <b>bold</b>",
    ),
    (
        r"{CO}\textsubscript{2} and 5\textsuperscript{th}",
        "CO2 and 5th",
        '<span class="nocase">CO</span><sub>2</sub> and 5<sup>th</sup>',
    ),
    (
        r"CO$_2$, $^{2}$, 20$^\circ$C, $\alpha$",
        "CO₂, ², 20°C, α",
        "CO<sub>2</sub>, <sup>2</sup>, 20°C, α",
    ),
    # '<' stays text in CSL rich text: citeproc-js prints it as &#60;, never a tag.
    (r"5{\textendash}10 {\textbackslash} {\textless}3", "5–10 \\ <3", None),
    (r"Tracking {\&} Detracking -- ``Opening''", "Tracking & Detracking – “Opening”", None),
    (r"\noopsort{b}Zeta \url{https://example.org/a\_b}", "Zeta https://example.org/a_b", None),
    (r"\href{https://example.org}{the site}", "the site", None),
    (r"50% of them, a stray $5", "50% of them, a stray $5", None),
]


@pytest.mark.parametrize(("raw", "text", "rich"), BIBLATEX_EXAMPLES)
def test_latex_as_text_and_as_csl_rich_text(raw: str, text: str, rich: str | None) -> None:
    decoded = decode(raw, True, True)
    assert decoded.text == text
    assert latex_to_csl_rich(raw) == (rich or text)
    assert decoded.kept == ()


def test_a_macro_not_understood_is_kept_as_written_and_noted(loaded) -> None:
    kerr = loaded.references["kerr"]
    assert kerr.annotation == r"An article entry with an eid, by \arabic{author} authors"
    [note] = [p for p in loaded.problems if p.code == "latex_kept"]
    assert (Path(note.path).name, note.severity) == ("biblatex-style.bib", "note")
    assert r"(\arabic)" in note.message and "'annotation' of 'kerr'" in note.message
    assert decode(r"\foo{bar}{baz} and $\frac{a}{b}$").kept == (r"\foo", r"$\frac{a}{b}$")
    assert decode(r"\foo{bar}{baz} q").text == r"\foo{bar}{baz} q"


def test_text_and_markup_reach_every_output(loaded) -> None:
    refs = loaded.references
    oduya, amari = refs["oduya_made-up_2021"], refs["amari2022alpha"]
    # Plain text: the title, the fields, the search index, RIS.
    assert oduya.title == "Made-up Detracking in Lakeside Schools: CO2, stem and Equity"
    assert amari.title == "The “Equity Pause” and Cronbach's α in District Data Teams"
    assert amari.annotation == "Uses th ordinals, 5–10 ranges and a \\ path."
    body = reference_body(oduya) + reference_body(refs["kerr"])
    assert "Test Journal of School Equity" in body and "\\" not in body and "<" not in body
    ris = rispy.loads(to_ris([oduya, amari]))
    assert ris[0]["title"] == oduya.title
    assert ris[1]["notes"] == [amari.annotation]
    # CSL rich text: kept beside the text, and in the CSL-JSON export.
    assert oduya.rich_fields["title"] == (
        'Made-up <i>Detracking</i> in <span class="nocase">Lakeside</span> '
        '<span class="nocase">Schools</span>: <span class="nocase">CO</span><sub>2</sub>, '
        '<span style="font-variant:small-caps;">stem</span> and '
        '<span class="nocase">Equity</span>'
    )
    tan = refs["tan_made-up_2018"]
    items = {i["id"]: i for i in json.loads(to_csl_json([oduya, amari, tan]))}
    assert items["tan_made-up_2018"]["collection-title"] == (
        'Test Studies in <span class="nocase">Schooling</span>'
    )
    assert items["oduya_made-up_2021"]["annote"] == (
        "First note: the detracking design.\n\nSecond note: <i>read</i> with the district data."
    )
    assert items["amari2022alpha"]["annote"] == (
        "Uses <sup>th</sup> ordinals, 5–10 ranges and a \\ path."
    )
    # citeproc-py (the site's APA) takes plain text: no tag reaches it as text.
    plain = [to_csl(ref) for ref in (oduya, amari, tan)]
    assert plain[2]["collection-title"] == "Test Studies in Schooling"
    assert "<" not in json.dumps(plain)


# ---------------------------------------------------------------- URLs and DOIs


def test_urls_and_dois_lose_bibtex_escapes_and_nothing_else(loaded) -> None:
    oduya = loaded.references["oduya_made-up_2021"]
    assert (
        oduya.raw_fields["url"] == r"https://example.org/reports/made\_up?id=12\&lang=en\%20us#p~2"
    )
    assert oduya.fields["url"] == "https://example.org/reports/made_up?id=12&lang=en%20us#p~2"
    assert oduya.doi == "10.5555/made_up.2021.004"
    assert oduya.url == "https://doi.org/10.5555/made_up.2021.004"
    item = to_csl(oduya)
    assert (item["URL"], item["DOI"]) == (oduya.fields["url"], oduya.doi)
    assert url_text(r"https://x.org/~a--b\#c\$d\~{}e") == "https://x.org/~a--b#c$d~e"


def test_the_shipped_bibliography_has_no_escaped_address() -> None:
    shipped = load_bibliography(
        sorted((REPO / "bib").glob("*.bib")), load_vocabulary(REPO / "docs" / "vocabulary.yml")
    )
    escaped = [
        (key, name)
        for key, ref in shipped.references.items()
        for name in ("url", "doi")
        if "\\" in ref.raw_fields.get(name, "")
    ]
    assert escaped == []
    refs = shipped.references
    assert refs["lai2016reducing"].fields["url"].endswith("doi=10.1037%2Fxxg0000179")
    assert refs["eppinga2018whats"].fields["url"].endswith("-Have-to-Do-with-It%C2%A2.aspx")


# ---------------------------------------------------------------- repeated fields


def test_repeated_notes_are_joined_never_dropped(loaded, tmp_path: Path) -> None:
    refs = loaded.references
    assert refs["oduya_made-up_2021"].annotation == (
        "First note: the detracking design.\n\nSecond note: read with the district data."
    )
    assert refs["oduya_made-up_2021"].summary == "First note: the detracking design."
    note = "A made-up note from the Extra field.\n\nA second note, about the screening."
    assert refs["reyes_made-up_2019"].fields["note"] == note
    assert to_csl(refs["reyes_made-up_2019"])["note"] == note
    assert not [p for p in loaded.problems if p.code == "duplicate_field"]
    # Any other field given twice: reported at the second, the first kept (as before).
    bib = tmp_path / "twice.bib"
    bib.write_text(
        "@misc{t,\n  author = {Doe, Jo},\n  title = {First},\n  title = {Second},\n"
        "  year = {2020},\n  annote = {One.},\n  annote = {Two \\foo{x}.},\n"
        "  tenets = {data},\n}\n",
        encoding="utf-8",
    )
    result = load_bibliography([bib], VOCABULARY)
    found = [(p.code, p.line) for p in result.problems]
    assert found == [("duplicate_field", 4), ("latex_kept", 7)]  # each at its own line
    assert "first on line 3" in result.problems[0].message
    assert result.references["t"].title == "First"
    assert result.references["t"].annotation == "One.\n\nTwo \\foo{x}."


# ---------------------------------------------------------------- roles and fields


def test_editors_reach_csl_in_their_roles(loaded) -> None:
    refs = loaded.references
    csl = {key: to_csl(ref) for key, ref in refs.items()}
    for key in ("reyes_made-up_2019", "cole2020circle"):  # Zotero's and BBT's directors
        assert "editor" not in csl[key]
        assert csl[key]["director"] == [
            {"family": refs[key].editors[0].family, "given": refs[key].editors[0].given}
        ]
    hale = csl["hale2017reader"]
    assert hale["compiler"] == [{"family": "Hale", "given": "Noor"}]
    assert hale["contributor"] == [  # collaborator: CSL has no such role, and it is no editor
        {"family": "Bright", "given": "Sam"},
        {"family": "Ito", "given": "Ren"},
    ]
    assert hale["translator"] == [{"family": "Park", "given": "Min"}]
    assert refs["hale2017reader"].names["editora"] == (
        Person("Bright", "Sam"),
        Person("Ito", "Ren"),
    )
    nash = csl["nash:chronicle"]  # biblatex-examples' editora with editoratype = {redactor}
    assert (nash["editor"], len(nash["contributor"])) == ([{"family": "Nash", "given": "Omar"}], 2)
    tan = csl["tan_made-up_2018"]
    assert (tan["editor"], tan["translator"]) == (
        [{"family": "Ward", "given": "Jo"}],
        [{"family": "Smith", "given": "John"}],
    )
    quinn = csl["quinn2019voices"]  # a mistyped editortype: a contributor, and a note
    assert quinn["translator"] == [{"family": "Smith", "given": "John"}]
    assert (quinn["contributor"], "editor" in quinn) == ([{"family": "Roe", "given": "Al"}], False)
    [note] = [p for p in loaded.problems if p.code == "unknown_role"]
    assert "'redactr'" in note.message and "did you mean redactor?" in note.message


def test_biblatex_fields_reach_the_csl_item(loaded) -> None:
    csl = {key: to_csl(ref) for key, ref in loaded.references.items()}
    assert csl["kerr"]["number"] == "124106"  # eid: APA's article number
    assert csl["kerr"]["title"].endswith(": I. The pilot")
    assert csl["amari2022alpha"]["number"] == "124106"
    assert csl["vale:works"]["number-of-volumes"] == "5"
    assert csl["nash:chronicle"]["number-of-volumes"] == "2"
    # A volume of a multivolume work: the work's title, the volume's as volume-title.
    volume = csl["vale:works:2"]
    assert (volume["title"], volume["volume"]) == ("Collected made-up works", "2")
    assert volume["volume-title"].lower() == "the made-up second volume"
    essay = csl["vale:works:2:essay"]
    assert essay["container-title"] == "Collected made-up works"
    assert essay["volume-title"].lower() == "the made-up second volume"
    assert essay["title"].lower().startswith("an “essay” on tex")
    # A book in a series: its number is its number in the series.
    tan = csl["tan_made-up_2018"]
    assert (tan["collection-title"], tan["collection-number"]) == (
        "Test Studies in Schooling",
        "14",
    )
    assert "number" not in tan
    assert csl["quinn2019voices"]["original-date"] == {"date-parts": [[1990]]}


def _citeproc_js(items: list[dict]) -> dict[str, str]:
    """Each item's reference as citeproc-js renders it in APA (HTML)."""
    if shutil.which("node") is None or not (CITEPROC_JS.parent / "node_modules").is_dir():
        pytest.skip("citeproc-js (tools/citeproc-js, with node) is not installed here")
    run = subprocess.run(
        ["node", str(CITEPROC_JS)],
        input=json.dumps(items),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return dict(json.loads(run.stdout)["bibliography"])


def test_citeproc_js_prints_what_apa_wants(loaded) -> None:
    """The CSL items (as the CSL-JSON export writes them) through citeproc-js, Zotero's
    processor, with the APA style: what APA 7 asks for each case."""
    items = json.loads(to_csl_json(loaded.references.values()))
    html = _citeproc_js(items)
    apa = {key: BeautifulSoup(value, "html.parser").get_text() for key, value in html.items()}
    assert "Cole, A. (Director). (2020)." in apa["cole2020circle"]
    assert "Reyes, D. (Director). (2019)." in apa["reyes_made-up_2019"]
    assert "Hale, N. (Compiler)" in apa["hale2017reader"]
    assert "(J. Smith, Trans.)" in apa["tan_made-up_2018"]
    assert "In J. Ward (Ed.)," in apa["tan_made-up_2018"]
    assert "(M. Park, Trans.)" in apa["hale2017reader"]
    assert "(Original work published 1990)" in apa["quinn2019voices"]
    assert "Article 124106." in apa["kerr"] and "Article 124106." in apa["amari2022alpha"]
    assert "(K. Hunt & L. Moss, Eds.; 2nd ed., Vols. 1–5)." in apa["vale:works"]
    assert "Nash, O. (Ed.)" in apa["nash:chronicle"] and "(Vols. 1–2)" in apa["nash:chronicle"]
    assert ": Vol. 2. " in apa["vale:works:2"] and ": Vol. 2. " in apa["vale:works:2:essay"]
    assert "Test College Press and Test Partners." in apa["lowe2016"]
    assert "TODO" not in apa["made_up_2020"]
    # CSL rich text comes out as markup, and '&' and '<' as text.
    title = latex_to_csl_rich(r"An \emph{Ital} {NASA} \textsc{doi} R{\&}D {\textless}3")
    [rich] = _citeproc_js([{"id": "r", "type": "book", "title": title}]).values()
    assert (
        '<i>An <span style="font-style:normal;">Ital</span> NASA '
        '<span style="font-variant:small-caps;">doi</span> R&#38;D &#60;3</i>'
    ) in rich


# ---------------------------------------------------------------- placeholders


def test_a_placeholder_is_never_printed_or_exported(loaded) -> None:
    ref = loaded.references["made_up_2020"]
    assert (ref.persons, ref.issued, ref.annotation, ref.tenets) == ((), None, "", ())
    assert "author" not in ref.fields and "author" not in ref.raw_fields
    assert "TODO" not in json.dumps([ref.fields, ref.raw_fields, to_csl(ref)])
    apa = BeautifulSoup(format_bibliography([ref], parallel=False)["made_up_2020"], "html.parser")
    text = apa.get_text()
    assert "TODO" not in text and text.lower().startswith("a made-up imported book. (n.d.)")
    for export in (to_bibtex([ref]), to_ris([ref]), to_csl_json([ref])):
        assert "TODO" not in export
    # The problem stays, at the field's line.
    assert [(p.line, p.code) for p in loaded.problems if "made_up_2020" in p.message][:1] == [
        (6, "placeholder")
    ]


# ---------------------------------------------------------------- a build


def test_a_site_built_from_them(kb_build, tmp_path: Path) -> None:
    src = tmp_path / "kb"
    shutil.copytree(HERE / "roots" / "test-kb", src)
    for path in FILES:
        shutil.copy(path, src / "refs" / path.name)
    app = kb_build(src=src)
    log = re.sub(r"\x1b\[[0-9;]*m", "", app.warning.getvalue())
    codes = sorted(re.findall(r"WARNING: .*\[(kb\.\w+)\]$", log, re.MULTILINE))
    assert codes == ["kb.bib_syntax", "kb.missing_annotation"] + ["kb.placeholder"] * 3
    pages = Path(app.outdir, "bibliography")
    text = " ".join(
        BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser").get_text(" ")
        for p in pages.glob("*.html")
    )
    assert "Test University Press and Test Partners" in text
    assert "Computation of methodology-independent made-up measures" in text
    assert "“essay” on tex" in text.lower() and "Collected made-up works" in text
    assert "TODO" not in text and "\\hyphen" not in text and "\\mkbibquote" not in text
    csl = {i["id"]: i for i in json.loads((pages / "equity-kb.json").read_text())}
    assert csl["kerr"]["number"] == "124106"
    assert "<i>read</i>" in csl["oduya_made-up_2021"]["annote"]
    bib = bibtexparser.parse_string((pages / "equity-kb.bib").read_text())
    made_up = bib.entries_dict["made_up_2020"].fields_dict
    assert "author" not in made_up and "TODO" not in json.dumps(
        {k: f.value for k, f in made_up.items()}
    )
