"""Hypothesis strategies for realistic but hostile input, shared by the fuzz targets.

Each starts from something valid (a front matter, a BibTeX entry, a query, a query
string) and mutates it with the pieces that break readers: odd Unicode, control
characters, syntax of the format itself, numbers too large to print, deep nesting.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator

import fuzz_profiles  # noqa: F401 - registers and loads the Hypothesis profiles
from hypothesis import strategies as st

# One example slower than this is a hang (Hypothesis's deadline only judges an example
# once it has finished, and an exponential one never does).
EXAMPLE_SECONDS = float(os.environ.get("FUZZ_EXAMPLE_SECONDS", "5"))


class Hang(Exception):
    """An example ran past ``EXAMPLE_SECONDS``."""


@contextlib.contextmanager
def time_limit(seconds: float = EXAMPLE_SECONDS) -> Iterator[None]:
    """Raise :class:`Hang` in the code under test once ``seconds`` have passed (Unix,
    main thread: where pytest runs tests)."""

    def expired(signum: int, frame: object) -> None:
        raise Hang(f"one example took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# Odd Unicode and control characters (a lone surrogate only where a str is taken:
# it cannot come out of a UTF-8 file).
ODD_CHARS = [
    "\x00",
    "\x07",
    "\x1b",
    "\x7f",
    "\x85",
    "\ufeff",
    "\u200b",
    "\u200d",
    "\u202e",
    "\u2028",
    "\u0301",
    "\ufffd",
    "\U0001f600",
    "\U000e0001",
    "ǅ",
    "ß",
    "İ",
    "\r",
    "\r\n",
    "\t",
    "\x0b",
    "\x0c",
]
HUGE_NUMBERS = [
    "9" * 5000,
    "-" + "9" * 4400,
    "0x" + "f" * 5000,
    "0b" + "1" * 15000,
    "1e999",
    "-1e-999",
    ".inf",
    "-.inf",
    ".nan",
    "1_000_000",
    "99999999999999999999",
    "٣",
    "２０２０",
]
# Pieces of YAML that construct something unexpected, or fail late (in the constructor).
YAML_PIECES = [
    ": ",
    "- ",
    "? ",
    "#",
    "'",
    '"',
    "|",
    ">-",
    "&a ",
    "*a",
    "*nowhere",
    "&x [*x]",
    "!!python/object/apply:os.system ['true']",
    "!!binary aGVsbG8=",
    "!!timestamp 2020-02-30",
    "!!int 0x" + "f" * 5000,
    "!!set {a, b}",
    "!!omap [a: 1]",
    "!foo bar",
    "!<tag:example.org,2000:x> y",
    "<<: {title: merged}",
    "<<: *a",
    "%YAML 1.1",
    "{",
    "}",
    "[",
    "]",
    ",",
    "[" * 60 + "]" * 60,
    "{a: " * 40 + "b" + "}" * 40,
    "2020-13-45",
    "0000-01-01",
    "2020-01-01t10:00:00+99:00",
    "2020-02-30 25:61:61",
    "1:20:30",
    "~",
    "null",
    "yes",
    "---",
    "...",
]


def pieces(extra: list[str]) -> st.SearchStrategy[str]:
    """A short run of hostile pieces and arbitrary text."""
    table = ODD_CHARS + HUGE_NUMBERS + extra
    # Drawn by index: a strategy's repr holds its elements, and these run to 15 kB.
    piece = st.one_of(st.integers(0, len(table) - 1).map(lambda i: table[i]), st.text(max_size=12))
    return st.lists(piece, min_size=1, max_size=6).map("".join)


@st.composite
def mutate_lines(draw: st.DrawFn, text: str, junk: st.SearchStrategy[str]) -> str:
    """``text`` with a few of its lines replaced, split, duplicated, deleted, or given
    a piece of ``junk`` at some column."""
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 5))):
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        op = draw(st.sampled_from(["insert", "replace", "splice", "delete", "duplicate"]))
        line = lines[i] if lines else ""
        if op == "insert":
            lines.insert(i, draw(junk))
        elif op == "replace" and lines:
            lines[i] = draw(junk)
        elif op == "splice":
            col = draw(st.integers(0, len(line)))
            lines[i : i + 1] = [line[:col] + draw(junk) + line[col:]]
        elif op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, line)
    return "\n".join(lines)


def laughs(depth: int) -> str:
    """YAML whose last anchor stands for 9**depth strings through aliases (small here;
    a reader that expands it, say into a message, blows up at a depth of ten)."""
    out = ["l0: &l0 [ha, ha, ha, ha, ha, ha, ha, ha, ha]"]
    for i in range(1, depth + 1):
        out.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(out)
