"""A source file's bytes as text, whatever they hold, with at most one located problem.

Sources are UTF-8. A UTF-8 byte-order mark, CRLF or old Mac (CR) line endings just work.
A file in another encoding (Latin-1, Windows-1252), saved as UTF-16 or UTF-32, holding NUL
bytes, or empty, gets one message at the line of the first bad byte, saying what to do,
and still becomes text (UTF-16 and UTF-32 decoded as what their mark says; any other bad
byte as U+FFFD), so one such file never stops the rest of a build or a check.

The Sphinx build reads sources through the codec registered here (``CODEC``), so Sphinx
itself never fails to decode; ``equity-kb check``, the bibliography loader and the build
all report through :func:`decode`.
"""

from __future__ import annotations

import codecs
import functools
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from typing_extensions import Buffer

CODEC = "equity_kb_source"
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),  # before UTF-16 LE: it starts the same way
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
RESAVE = "re-save it as UTF-8 (in most editors: Save As, encoding UTF-8)"


class Decoded(NamedTuple):
    text: str
    line: int  # of the problem, 1-based; 0 when there is none
    message: str  # "" when the file is fine
    code: str  # "bad_encoding" or "empty_file"; "" when fine


def _line_at(data: bytes, offset: int) -> int:
    """1-based line of byte ``offset``, counting LF, CRLF and lone CR endings."""
    head = data[:offset]
    return head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1


def decode(data: bytes) -> Decoded:
    """The text of a source file's bytes and its one problem, if any."""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            text = data.decode(codec, errors="replace")
            return Decoded(text, 1, f"the file is saved as {name}: {RESAVE}", "bad_encoding")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    if not data.strip():
        return Decoded("", 1, "the file is empty: write its content, or delete it", "empty_file")
    nul = data.find(b"\x00")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        text = data.decode("utf-8", errors="replace")
        if 0 <= nul < err.start:
            return _with_nul(data, text, nul)
        return Decoded(
            text.replace("\x00", "\ufffd"),
            _line_at(data, err.start),
            "this line is not valid UTF-8: the file is in another encoding (Latin-1 or "
            f"Windows-1252, perhaps); {RESAVE} (the character shows as '\ufffd' until then)",
            "bad_encoding",
        )
    if nul >= 0:
        return _with_nul(data, text, nul)
    return Decoded(text, 0, "", "")


def _with_nul(data: bytes, text: str, nul: int) -> Decoded:
    odd, even = data[1::2].count(0), data[0::2].count(0)
    if max(odd, even) * 4 >= len(data):  # NUL in every other byte: UTF-16 without its mark
        codec = "utf-16-le" if odd > even else "utf-16-be"
        return Decoded(
            data.decode(codec, errors="replace"),
            1,
            f"the file is saved as UTF-16 without a byte-order mark: {RESAVE}",
            "bad_encoding",
        )
    return Decoded(
        text.replace("\x00", "\ufffd"),
        _line_at(data, nul),
        f"the file holds a NUL byte (0x00) on this line: {RESAVE}",
        "bad_encoding",
    )


# -- the codec Sphinx reads sources with ---------------------------------------------


def _codec_decode(data: Buffer, errors: str = "strict", /) -> tuple[str, int]:
    raw = bytes(data)
    return decode(raw).text, len(raw)


class _IncrementalDecoder(codecs.BufferedIncrementalDecoder):
    # Whole files only (Path.read_text decodes in one call): buffer until the end.
    def _buffer_decode(self, data: Buffer, errors: str, final: bool) -> tuple[str, int]:
        if not final:
            return "", 0
        return _codec_decode(data, errors)


def _search(name: str) -> codecs.CodecInfo | None:
    if name.replace("-", "_") != CODEC:
        return None
    utf8 = codecs.lookup("utf-8")
    return codecs.CodecInfo(
        name=CODEC,
        encode=utf8.encode,
        decode=_codec_decode,
        incrementaldecoder=_IncrementalDecoder,
        incrementalencoder=utf8.incrementalencoder,
        streamreader=utf8.streamreader,
        streamwriter=utf8.streamwriter,
    )


@functools.cache
def register_codec() -> str:
    """Register the forgiving codec (once per process) and return its name."""
    codecs.register(_search)
    return CODEC
