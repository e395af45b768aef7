"""Plain text in and out of BibTeX values: a Zotero note (HTML) to plain text, and plain
text to a BibTeX value that the loader decodes back to exactly that text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Tags that end a paragraph; Zotero's notes are HTML, one <p> per paragraph.
_BLOCKS = frozenset(
    [
        "address",
        "article",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    ]
)
_HIDDEN = frozenset({"script", "style", "head", "template"})  # their content is not text
_LOOKS_LIKE_HTML = re.compile(r"</?[A-Za-z][\w-]*(?:\s[^<>]*)?/?>|&(?:#\d+|#x[0-9A-Fa-f]+|\w+);")
_PARAGRAPH = re.compile(r"\n\s*\n")
_SPACE = re.compile(r"\s+")


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)  # entities decoded by the standard library
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def paragraphs(text: str) -> str:
    """``text`` with runs of spaces collapsed and blank-line paragraph breaks kept."""
    parts = (_SPACE.sub(" ", p).strip() for p in _PARAGRAPH.split(text))
    return "\n\n".join(p for p in parts if p)


def html_to_text(note: str) -> str:
    """The plain text of a Zotero note: tags stripped, entities decoded, one blank line
    between paragraphs, scripts and styles dropped. A note with no HTML in it (Zotero's
    own BibTeX export already strips it) is only tidied, so a '<' in it survives."""
    if not _LOOKS_LIKE_HTML.search(note):
        return paragraphs(note)
    parser = _TextOf()
    parser.feed(note)
    parser.close()
    return paragraphs("".join(parser.parts))


# What LaTeX would read as markup, written so the loader's decoder gives the character back.
_ESCAPES = str.maketrans(
    {
        "\\": r"\textbackslash{}",
        "{": r"\{",
        "}": r"\}",
        "%": r"\%",
        "$": r"\$",
        "&": r"\&",
        "#": r"\#",
        "_": r"\_",
        "~": r"\textasciitilde{}",
    }
)
# TeX's ligatures (-- is a dash, `` and '' are quotes): an empty group keeps them apart.
_LIGATURE = re.compile(r"(?<=-)(?=-)|(?<=`)(?=`)|(?<=')(?=')|(?<=[!?])(?=`)")


def bibtex_value(text: str) -> str:
    """``text`` as the raw value of a BibTeX field (without its enclosing braces)."""
    return _LIGATURE.sub("{}", text.translate(_ESCAPES))
