"""Titles in APA 7's sentence case, as biblatex-apa makes them.

``sentence_case`` works on a title as the ``.bib`` file writes it, before its LaTeX is
decoded, because braces are how BibTeX files mark what must keep its capitals: like
biblatex's ``\\MakeSentenceCase*``, it lower-cases every letter outside braces except
the first, keeps a brace group whole (``{COVID-19}``, ``{Los Angeles}``), case-changes
a group that opens with a command (``{\\"U}ber``, BibTeX's special characters) and
keeps a command's argument as written too (``\\emph{Beloved}``: BibTeX protects any group
but a special character, and emphasis usually marks a name), and never touches a
command's name or math. As APA 7 (section 6.17) asks and biblatex-apa does for its
subtitles, the first word after a colon, "?" or "!" is capitalised too. A title in another language
(``langid``) is left as written, as biblatex does.

"""

from __future__ import annotations

import functools
import re

from .bibtex.latex import decode_latex, latex_to_csl_rich

# kb_title_case: "sentence" (APA 7, as biblatex-apa prints it) or "as-written" (for a
# bibliography kept in sentence case already); one setting per build process.
TITLE_CASES = ("sentence", "as-written")
_mode = ["sentence"]


def use_title_case(mode: str) -> None:
    """Print titles in ``mode`` (one of ``TITLE_CASES``) from now on, in this process."""
    if mode not in TITLE_CASES:
        raise ValueError(f"{mode!r} is not one of {', '.join(TITLE_CASES)}")
    _mode[0] = mode


# Commands whose argument is text to be case-changed with the rest; any other
# command's braced argument is left as it is (a label, a URL, a name).
TEXT_COMMANDS = frozenset(
    {
        "emph",
        "textit",
        "textbf",
        "textsc",
        "textsl",
        "textup",
        "textnormal",
        "textrm",
        "textsf",
        "texttt",
        "mkbibemph",
        "mkbibitalic",
        "mkbibbold",
        "mkbibquote",
        "enquote",
        "textquote",
    }
)
# biblatex's English language names (\DeclareCaseLangs): only these are case-changed.
ENGLISH = frozenset(
    {
        "",
        "english",
        "american",
        "british",
        "canadian",
        "australian",
        "newzealand",
        "usenglish",
        "ukenglish",
        "en",
        "en-us",
        "en-gb",
    }
)
_COMMAND = re.compile(r"\\(?:[A-Za-z@]+\*?|.)")


def _pieces(raw: str) -> list[tuple[str, bool]]:
    """``raw`` cut into (text, whether its case may change) pieces."""
    out: list[tuple[str, bool]] = []
    i, n = 0, len(raw)
    argument_of_text_command = False
    while i < n:
        ch = raw[i]
        if ch == "\\":
            m = _COMMAND.match(raw, i)
            assert m is not None  # "\\" followed by anything matches
            name = m.group(0)[1:].rstrip("*")
            out.append((m.group(0), False))
            i = m.end()
            argument_of_text_command = name in TEXT_COMMANDS
            continue
        if ch == "$":
            end = raw.find("$", i + 1)
            end = n if end < 0 else end + 1
            out.append((raw[i:end], False))
            i = end
            continue
        if ch == "{":
            end = _closing(raw, i)
            inner = raw[i + 1 : end]
            if inner.startswith("\\") and not argument_of_text_command:
                out.append(("{", False))
                out.extend(_pieces(inner))
                out.append(("}", False))
            else:
                out.append((raw[i : end + 1], False))  # protected, as written
            argument_of_text_command = False
            i = end + 1
            continue
        j = i
        while j < n and raw[j] not in "\\${":
            j += 1
        out.append((raw[i:j], True))
        argument_of_text_command = False
        i = j
    return out


def _closing(raw: str, start: int) -> int:
    depth = 0
    for k in range(start, len(raw)):
        if raw[k] == "{" and (k == 0 or raw[k - 1] != "\\"):
            depth += 1
        elif raw[k] == "}" and raw[k - 1] != "\\":
            depth -= 1
            if depth == 0:
                return k
    return len(raw) - 1  # unbalanced: the loader reports it; keep the rest as written


_SUBTITLE = re.compile(r"[:?!]\s+$")


@functools.lru_cache(maxsize=65536)  # a title is asked for as text and as rich text
def sentence_case(raw: str, langid: str = "") -> str:
    """The LaTeX title ``raw`` in sentence case (still LaTeX: decode it after)."""
    if langid.strip().lower() not in ENGLISH:
        return raw
    out: list[str] = []
    capitalise = True  # the first letter of the title, then of each subtitle
    for text, changeable in _pieces(raw):
        if not changeable:
            if any(c.isalpha() for c in text) and not text.startswith("\\"):
                capitalise = False  # a protected word stands first: it is kept as written
            out.append(text)
            continue
        low = text.lower()
        if capitalise:  # the first letter, unless a digit comes before it
            at = next((i for i, c in enumerate(low) if c.isalnum()), -1)
            if at >= 0 and low[at].isalpha():
                low = low[:at] + low[at].upper() + low[at + 1 :]
            capitalise = at < 0
        low = _SUBTITLE_LETTER.sub(lambda m: m.group(1) + m.group(2).upper(), low)
        if _SUBTITLE_PENDING.search(low):
            capitalise = True  # the subtitle's first letter is in the next piece
        out.append(low)
    return "".join(out)


# After a colon, "?" or "!" (and spaces or quotes), the first letter, before any digit.
_SUBTITLE_LETTER = re.compile(r"([:?!]\W*?)([^\W\d_])")
_SUBTITLE_PENDING = re.compile(r"[:?!]\W*$")


def _same_words(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def printed_title(
    text: str | None, raw: str | None, langid: str = "", *, rich: bool = False
) -> str | None:
    """A title (``title``, ``subtitle``, ``booktitle``, ... decoded as ``text``, written
    in the file as ``raw``) as APA prints it: in sentence case from the field as written,
    then decoded; as written when the setting says so or ``langid`` is not English.
    ``rich``: as CSL rich text (``\\emph`` as ``<i>``, braced words as ``nocase``)."""
    return _printed(text, raw, langid, rich, _mode[0])


@functools.lru_cache(maxsize=65536)  # every list and citation asks again, per reference
def _printed(text: str | None, raw: str | None, langid: str, rich: bool, mode: str) -> str | None:
    if not text:
        return text
    written = bool(raw) and _same_words(decode_latex(raw or ""), text)
    decoder = latex_to_csl_rich if rich else decode_latex
    if mode == "as-written":
        return decoder(raw or "") if written and rich else text
    if written:
        return decoder(sentence_case(raw or "", langid))
    # The value as read differs from the one written (a macro, an inherited field): its
    # braces are gone, so every word but the first is lower-cased, as biblatex would.
    return decode_latex(sentence_case(text.replace("{", "").replace("}", ""), langid))


__all__ = ["TITLE_CASES", "printed_title", "sentence_case", "use_title_case"]
