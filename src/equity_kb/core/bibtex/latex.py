"""LaTeX in BibTeX values, as Zotero, Better BibTeX and biblatex's own examples write it,
to plain Unicode text (what the site shows, searches and exports as text) and to CSL
rich text (what a CSL-JSON string may hold: ``<i>``, ``<b>``, ``<sup>``, ``<sub>``,
small caps and ``<span class="nocase">``; citeproc-js and Zotero read it).

CSL rich text is not HTML: citeproc-js prints a literal ``&`` or ``<`` in a CSL-JSON
string as that character and recognises only the tags above, so text is never escaped
here (``&amp;`` would print as "&amp;"). A literal tag in the text itself (a title
about ``<i>``) cannot be told from markup; BibTeX values practically never hold one.

A macro the converter does not know is kept as written, with its arguments, and named
in the result, so the loader can say where (a note); it is never silently dropped.
"""

from __future__ import annotations

import functools
import re
from typing import Any, NamedTuple

_WS = re.compile(r"[ \t\r\n]+")  # not \s: a LaTeX ~ decodes to a no-break space we keep
_PARAGRAPH = re.compile(r"\n[ \t\r]*\n\s*")


def squash(text: str) -> str:
    """Collapse runs of whitespace (as BibTeX does) but keep blank-line paragraph breaks."""
    if "\n" not in text and "  " not in text and "\t" not in text and "\r" not in text:
        return text.strip()  # the common case, without two regular expressions
    paragraphs = _PARAGRAPH.split(text.strip())
    return "\n\n".join(_WS.sub(" ", p).strip() for p in paragraphs)


# pylatexenc recurses once per nested group (a RecursionError past about 160) and takes
# exponential time on nested accents (seconds past 20 levels); real titles nest a few.
MAX_NESTING = 12


def nesting(value: str) -> int:
    """How deep braces nest in ``value`` (a macro's argument is a group too)."""
    depth = deepest = 0
    for ch in value:
        if ch == "{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == "}":
            depth -= 1
    return deepest


class Decoded(NamedTuple):
    text: str  # plain Unicode text
    rich: str  # CSL rich text; "" when it would equal ``text`` (no markup)
    kept: tuple[str, ...]  # macros not understood, kept as written ("\\foo")


_LATEX_HINT = re.compile(r"[\\{}~]|--|``|''|[!?]`")
_NEEDS_FULL_DECODER = re.compile(r"[\\$]|[!?]`")
_BARE_PERCENT = re.compile(r"(?<!\\)%")
# pylatexenc's text ligatures, longest first; applied before braces go, as it does.
_LIGATURES = (
    ("---", "\u2014"),
    ("--", "\u2013"),
    ("``", "\u201c"),
    ("''", "\u201d"),
    ("~", "\xa0"),
)
NOCASE = ('<span class="nocase">', "</span>")
_ITALIC = ("<i>", "</i>")
_BOLD = ("<b>", "</b>")
_SMALL_CAPS = ('<span style="font-variant:small-caps;">', "</span>")
_SUP = ("<sup>", "</sup>")
_SUB = ("<sub>", "</sub>")
_PLAIN = ("", "")

# Macros whose last argument is text in a style: CSL markup for it.
_STYLED: dict[str, tuple[str, str]] = {
    **dict.fromkeys(("emph", "textit", "textsl", "mkbibemph", "mkbibitalic"), _ITALIC),
    **dict.fromkeys(("textbf", "mkbibbold"), _BOLD),
    "textsc": _SMALL_CAPS,
    **dict.fromkeys(("textsuperscript", "mkbibsuperscript"), _SUP),
    **dict.fromkeys(("textsubscript", "mkbibsubscript"), _SUB),
    # Text in a font CSL has no markup for, or a box: the text alone.
    **dict.fromkeys(
        (
            "textup",
            "textnormal",
            "textrm",
            "textsf",
            "texttt",
            "textmd",
            "mbox",
            "hbox",
            "text",
            "mkbibacro",
            "autocap",
            "foreignlanguage",
            "textlatin",
            "href",
        ),
        _PLAIN,
    ),
}
# Declarations: they style the rest of the group they are in ({\em ...}).
_DECLARATIONS: dict[str, tuple[str, str]] = {
    **dict.fromkeys(("em", "it", "itshape", "sl", "slshape"), _ITALIC),
    **dict.fromkeys(("bf", "bfseries"), _BOLD),
    **dict.fromkeys(("sc", "scshape"), _SMALL_CAPS),
    **dict.fromkeys(("rm", "normalfont", "upshape", "mdseries", "tt", "ttfamily", "sf"), _PLAIN),
}
# biblatex's and csquotes' quotation macros: the quotes they print, outer and nested.
_QUOTES = frozenset({"mkbibquote", "enquote", "textquote"})
_OUTER_QUOTES, _INNER_QUOTES = ("\u201c", "\u201d"), ("\u2018", "\u2019")
_WRAPPED = {"mkbibparens": ("(", ")"), "mkbibbrackets": ("[", "]")}
# Logos: their capitals are their own, whatever case a title is printed in (nocase).
_LOGOS = frozenset({"TeX", "LaTeX", "LaTeXe", "BibTeX", "XeTeX", "LuaTeX"})
# Macros that print a fixed text (biblatex's punctuation and logos); none takes arguments.
_WORDS: dict[str, str] = {
    "TeX": "TeX",
    "LaTeX": "LaTeX",
    "LaTeXe": "LaTeX2e",
    "BibTeX": "BibTeX",
    "XeTeX": "XeTeX",
    "LuaTeX": "LuaTeX",
    "hyphen": "-",
    "nbhyphen": "-",
    "slash": "/",
    "bibrangedash": "\u2013",
    "bibdatedash": "\u2013",
    "adddot": ".",
    "addperiod": ".",
    "addcomma": ",",
    "addcolon": ":",
    "addsemicolon": ";",
    "addspace": " ",
    "addabbrvspace": " ",
    "space": " ",
    "addnbspace": "\xa0",
    "nobreakspace": "\xa0",
    "addthinspace": "\u2009",
    "addnbthinspace": "\u202f",
    "textless": "<",
    "textgreater": ">",
    "textasciicircum": "^",
    "textbar": "|",
    "textbraceleft": "{",
    "textbraceright": "}",
    "textunderscore": "_",
    "textquotedbl": '"',
    "textasciigrave": "`",
    "textexclamdown": "\xa1",
    "textquestiondown": "\xbf",
    "S": "\xa7",
    "textsection": "\xa7",
    "P": "\xb6",
    "textparagraph": "\xb6",
    "copyright": "\xa9",
    "euro": "\u20ac",
    "texteuro": "\u20ac",
    "textdagger": "\u2020",
    "textordfeminine": "\xaa",
    "textordmasculine": "\xba",
    "textmu": "\xb5",
    # Nothing to print: sorting hints, robustness and spacing commands.
    "nopp": "",
    "relax": "",
    "protect": "",
    "/": "",
    "@": "",
    "-": "",  # a place where a word may break
}
# Macros whose argument is never printed (a sort key: {\noopsort{1}}).
_DROPPED = frozenset({"noopsort", "nocite"})
# Macros that take a verbatim argument, printed as written (a web address).
_VERBATIM = frozenset({"url", "nolinkurl", "path"})
# Macros pylatexenc knows but whose output is not the text a reader wants.
_NOT_UNDERSTOOD = frozenset({"cite", "footnote", "ref", "label"})

# Argument specifications (pylatexenc's) of the macros above that take arguments.
_ARGS = {
    **dict.fromkeys(_STYLED, "{"),
    **dict.fromkeys(("mkbibparens", "mkbibbrackets", "mkbibquote", *_DROPPED), "{"),
    "enquote": "*{",
    "textquote": "*[[{",
    "foreignlanguage": "[{{",
    "href": "[{{",
    **dict.fromkeys(_VERBATIM, "{"),
    **dict.fromkeys(_WORDS, ""),
    **dict.fromkeys(_DECLARATIONS, ""),
}
_SUPERSCRIPTS = str.maketrans("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ")
_SUBSCRIPTS = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")


@functools.cache
def _contexts() -> tuple[Any, Any]:
    """pylatexenc's parsing context with biblatex's macros added, and its text one."""
    from pylatexenc import latex2text, latexwalker, macrospec

    walk = latexwalker.get_default_latex_context_db()
    walk.add_context_category(
        "bibtex-values",
        prepend=True,
        macros=[macrospec.MacroSpec(name, spec) for name, spec in _ARGS.items()],
    )
    return walk, latex2text.get_default_latex_context_db()


def _walk(value: str) -> list[Any]:
    from pylatexenc.latexwalker import LatexWalker

    walker = LatexWalker(value, latex_context=_contexts()[0], tolerant_parsing=True)
    return list(walker.get_latex_nodes()[0])


@functools.cache
def _converter(rich: bool, nocase: bool) -> Any:
    """One converter per kind of output (imported late: pylatexenc takes a while)."""
    return _converter_class()(rich, nocase)


def _converter_class() -> type[Any]:
    from pylatexenc import latexwalker
    from pylatexenc.latex2text import LatexNodes2Text

    chars, group, macro, specials = (
        latexwalker.LatexCharsNode,
        latexwalker.LatexGroupNode,
        latexwalker.LatexMacroNode,
        latexwalker.LatexSpecialsNode,
    )

    class Converter(LatexNodes2Text):  # type: ignore[misc]
        """pylatexenc's text conversion with biblatex's macros, CSL markup (``rich``) and
        macros it does not understand kept as written (listed in ``kept``)."""

        def __init__(self, rich: bool, nocase: bool) -> None:
            super().__init__(latex_context=_contexts()[1], math_mode="verbatim")
            self.rich = rich
            self.nocase = nocase and rich
            self.kept: list[str] = []
            self.quotes = 0  # how deep quotation macros nest here
            self.depth = 0  # how deep braces nest (braces protect case at depth 1)

        def convert(self, nodes: list[Any]) -> tuple[str, tuple[str, ...]]:
            self.kept, self.quotes, self.depth = [], 0, 0
            text = self.nodelist_to_text(nodes)
            return text, tuple(dict.fromkeys(self.kept))

        def wrap(self, style: tuple[str, str], text: str) -> str:
            return f"{style[0]}{text}{style[1]}" if self.rich and text else text

        def unknown(self, name: str) -> bool:
            if name in _NOT_UNDERSTOOD:
                return True
            return (
                name not in _ARGS
                and name not in _QUOTES
                and self.latex_context.get_macro_spec(name) is None
            )

        def nodelist_to_text(self, nodelist: list[Any]) -> str:
            out: list[str] = []
            start = 0
            for i, node in enumerate(nodelist):
                if node is None or not node.isNodeType(macro) or i < start:
                    continue
                name = node.macroname
                if name in _DECLARATIONS:  # it styles the rest of this group
                    out.append(super().nodelist_to_text(nodelist[start:i]))
                    rest = self.nodelist_to_text(nodelist[i + 1 :])
                    out.append(self.wrap(_DECLARATIONS[name], rest))
                    return "".join(out)
                if self.unknown(name):
                    # Kept as written, with the groups that follow it: its arguments.
                    out.append(super().nodelist_to_text(nodelist[start:i]))
                    end = i + 1
                    while end < len(nodelist) and nodelist[end].isNodeType(group):
                        end += 1
                    written = "".join(n.latex_verbatim() for n in nodelist[i:end])
                    spaced = end < len(nodelist) and written != written.rstrip()
                    out.append(written.rstrip() + (" " if spaced else ""))
                    self.kept.append("\\" + name)
                    start = end
            out.append(super().nodelist_to_text(nodelist[start:]))
            return "".join(out)

        def group_node_to_text(self, node: Any) -> str:
            self.depth += 1
            try:
                text = str(super().group_node_to_text(node))
            finally:
                self.depth -= 1
            first = next((n for n in node.nodelist if n is not None), None)
            special = first is not None and first.isNodeType(macro)  # {\"O}, {\em x}
            if self.nocase and self.depth == 0 and not special and _has_letter(text):
                return self.wrap(NOCASE, text)
            return text

        def macro_node_to_text(self, node: Any) -> str:
            name = node.macroname
            args = node.nodeargd.argnlist if node.nodeargd and node.nodeargd.argnlist else []
            last = args[-1] if args else None
            if name in _STYLED:
                return self.wrap(_STYLED[name], self.arg(last))
            if name in _QUOTES:
                starred = name == "enquote" and len(args) > 1 and args[0] is not None
                inner = (self.quotes % 2 == 1) != starred
                marks = _INNER_QUOTES if inner else _OUTER_QUOTES
                self.quotes += 1
                try:
                    return f"{marks[0]}{self.arg(last)}{marks[1]}"
                finally:
                    self.quotes -= 1
            if name in _WRAPPED:
                left, right = _WRAPPED[name]
                return f"{left}{self.arg(last)}{right}"
            if name in _DROPPED:
                return ""
            if name in _VERBATIM:
                if last is None:
                    return ""
                raw = str(last.latex_verbatim())
                return url_text(raw[1:-1] if last.isNodeType(group) else raw)
            if name in _WORDS:
                word = _WORDS[name]
                return self.wrap(NOCASE, word) if name in _LOGOS else word
            return str(super().macro_node_to_text(node))

        def arg(self, node: Any) -> str:
            if node is None:
                return ""
            if node.isNodeType(group):
                return self.nodelist_to_text(node.nodelist)
            return str(self.node_to_text(node))

        def math_node_to_text(self, node: Any) -> str:
            """Math as text where it is simple (``$^{2}$``, ``$\\alpha$``: Zotero writes
            Greek letters so); otherwise kept as written, so a stray ``$`` changes nothing."""
            nodes = [n for n in node.nodelist if n is not None]
            script = _script(nodes, chars, group)
            if script is not None:
                mark, content = script
                if mark == "^" and [n.macroname for n in content if n.isNodeType(macro)] == [
                    "circ"
                ]:
                    return "\xb0"  # $^\circ$: a degree sign
                text = self.nodelist_to_text(content)
                if self.rich:
                    return self.wrap(_SUP if mark == "^" else _SUB, text)
                table = _SUPERSCRIPTS if mark == "^" else _SUBSCRIPTS
                return text.translate(table) if all(ord(c) in table for c in text) else text
            macros = [n for n in nodes if n.isNodeType(macro)]
            symbols = all(n.isNodeType(chars) or n.isNodeType(macro) for n in nodes) and not any(
                self.unknown(m.macroname) or (m.nodeargd and m.nodeargd.argnlist) for m in macros
            )
            if macros and symbols:
                return "".join(
                    n.chars if n.isNodeType(chars) else self.macro_node_to_text(n) for n in nodes
                )
            if macros or any(n.isNodeType(specials) for n in nodes):
                self.kept.append(str(node.latex_verbatim()))  # a formula: shown as written
            return str(node.latex_verbatim())

    return Converter


def _script(nodes: list[Any], chars: type, group: type) -> tuple[str, list[Any]] | None:
    """(``^`` or ``_``, the nodes it raises or lowers) for math that is only that."""
    if not nodes or not nodes[0].isNodeType(chars) or nodes[0].chars[:1] not in ("^", "_"):
        return None
    mark, tail = nodes[0].chars[0], nodes[0].chars[1:]
    if len(nodes) == 1 and tail.strip() and " " not in tail.strip():
        return mark, [chars(chars=tail.strip(), pos=0, len=len(tail))]
    if not tail and len(nodes) == 2:
        second = nodes[1]
        return mark, (second.nodelist if second.isNodeType(group) else [second])
    return None


def _has_letter(text: str) -> bool:
    return any(c.isalpha() for c in text)


def _full(value: str, rich: bool, nocase: bool) -> Decoded:
    """The full decoder: pylatexenc's parse, our conversion (plain, and rich if asked)."""
    if nesting(value) > MAX_NESTING:
        # Not decoded, and said where it is read (parse.py): shown with braces dropped.
        plain = squash(value.replace("{", "").replace("}", ""))
        return Decoded(plain, "", ())
    # BibTeX does not treat % as a comment inside a value; LaTeX would drop the rest.
    value = _BARE_PERCENT.sub(r"\\%", value)
    try:
        nodes = _walk(value)
        text, kept = _converter(False, False).convert(nodes)
        rich_text = _converter(True, nocase).convert(nodes)[0] if rich else ""
    except Exception:  # anything pylatexenc cannot read: shown as written, and said
        return Decoded(squash(value), "", ("LaTeX",))
    text, rich_text = squash(text), squash(rich_text)
    return Decoded(text, "" if rich_text == text else rich_text, kept)


def _braces_only(value: str, nocase: bool) -> tuple[str, str]:
    """Plain and rich text of a value whose only markup is braces and ligatures."""
    for ligature, char in _LIGATURES:
        value = value.replace(ligature, char)
    plain = squash(value.replace("{", "").replace("}", ""))
    if not nocase or "{" not in value:
        return plain, ""
    out: list[str] = []
    depth = 0
    group: list[str] = []
    for ch in value:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(depth - 1, 0)
            if depth == 0 and group:
                inner = "".join(group)
                out.append(f"{NOCASE[0]}{inner}{NOCASE[1]}" if _has_letter(inner) else inner)
                group = []
        elif depth:
            group.append(ch)
        else:
            out.append(ch)
    out.extend(group)  # an unclosed group: its text, unprotected
    rich = squash("".join(out))
    return plain, "" if rich == plain else rich


@functools.lru_cache(maxsize=65536)
def decode(value: str, rich: bool = False, nocase: bool = False) -> Decoded:
    """``value`` as plain text, and as CSL rich text when ``rich`` (braced text marked
    ``nocase`` when ``nocase``: a title's protected words), with the macros kept.

    pylatexenc costs ~0.5 ms a call; applied to every field it made parsing about 40
    times slower (DESIGN.md). So a value without LaTeX is only whitespace-normalised,
    and one whose only markup is braces and typographic ligatures (``{PRE}``,
    ``10--20``, ````quoted''``) gets exactly what the full decoder would return for it
    (a test compares the two); anything with a macro goes through pylatexenc.
    """
    if not _LATEX_HINT.search(value):
        return Decoded(squash(value), "", ())
    if _NEEDS_FULL_DECODER.search(value):
        return _full(value, rich, nocase)
    plain, rich_text = _braces_only(value, rich and nocase)
    return Decoded(plain, rich_text, ())


_MACRO_NAME = re.compile(r"\\([A-Za-z]+)")


def unknown_macros(value: str) -> tuple[str, ...]:
    """The macros in ``value`` the decoder does not understand, found without decoding
    it (for name lists, whose names are decoded one by one)."""
    if "\\" not in value:
        return ()
    convert = _converter(False, False)
    found = (m for m in _MACRO_NAME.findall(value) if convert.unknown(m))
    return tuple(dict.fromkeys("\\" + m for m in found))


def decode_latex(value: str) -> str:
    """Plain Unicode text of a BibTeX value, decoding LaTeX only where there is some."""
    return decode(value).text


def latex_to_csl_rich(value: str, nocase: bool = True) -> str:
    """CSL rich text of a BibTeX value: ``\\emph{x}`` as ``<i>x</i>``, braced words as
    ``<span class="nocase">`` (with ``nocase``, for titles), ``\\mkbibquote{x}`` as
    "“x”"; text not escaped (see the module's docstring)."""
    decoded = decode(value, True, nocase)
    return decoded.rich or decoded.text


# BibTeX's escapes of characters that are special to LaTeX, which a URL or DOI field
# (verbatim in biblatex) holds as themselves: "\%" is "%" (Zotero writes them so).
_URL_ESCAPE = re.compile(r"\\([%_#&$~])(?:\{\})?")


def url_text(raw: str) -> str:
    """A URL or DOI field as its text: BibTeX's escapes (``\\%``, ``\\_``, ``\\#``,
    ``\\&``, ``\\$``, ``\\~``) lose their backslash; nothing else is decoded (a ``~``
    or ``--`` in an address is itself)."""
    if "\\" in raw:
        raw = _URL_ESCAPE.sub(r"\1", raw)
    return squash(raw)


def clear() -> None:
    decode.cache_clear()
