"""Which Pagefind binary writes the static index.

In this order: the one ``PAGEFIND_BINARY_PATH`` names (as the pagefind library itself
does); in a checkout, the one ``tools/pagefind`` holds (the npm build, pinned in its
``package-lock.json``, installed by the Makefile); else the pip one (``pagefind[bin]``,
or a ``pagefind`` on the PATH), found as the library finds it.
"""

from __future__ import annotations

import functools
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

from pagefind.service import get_executable

ENV = "PAGEFIND_BINARY_PATH"
# The repository's root when this module runs from a checkout (src/equity_kb/search/).
_ROOT = Path(__file__).resolve().parents[3]
TOOL = _ROOT / "tools" / "pagefind"
# npm's names for the platform packages (@pagefind/linux-x64 and the like).
_OS = {"win32": "windows", "darwin": "darwin", "linux": "linux"}
_CPU = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}


class PagefindBinary(NamedTuple):
    path: Path
    version: str  # "1.6.0"; "" if the binary did not say
    source: str  # "PAGEFIND_BINARY_PATH", "tools/pagefind" or "pip"


def pagefind_binary() -> PagefindBinary:
    """The Pagefind binary to run, and its version. Raises FileNotFoundError if there
    is none."""
    path, source = _find()
    if not path.is_file():
        raise FileNotFoundError(f"no Pagefind binary at {path} ({source})")
    return PagefindBinary(path, _version(str(path), path.stat().st_mtime_ns), source)


def tool_binary() -> Path | None:
    """The binary ``tools/pagefind`` holds, if this is a checkout with it installed."""
    system = "freebsd" if sys.platform.startswith("freebsd") else _OS.get(sys.platform)
    cpu = _CPU.get(platform.machine().lower())
    if not (_ROOT / "pyproject.toml").is_file() or system is None or cpu is None:
        return None
    folder = TOOL / "node_modules" / "@pagefind" / f"{system}-{cpu}" / "bin"
    exe = ".exe" if system == "windows" else ""
    for name in ("pagefind_extended", "pagefind"):  # the npm wrapper's own order
        if (folder / (name + exe)).is_file():
            return folder / (name + exe)
    return None


def _find() -> tuple[Path, str]:
    if os.environ.get(ENV):
        return Path(os.environ[ENV]), ENV
    tool = tool_binary()
    if tool is not None:
        return tool, "tools/pagefind"
    pip = get_executable()
    if pip is None:
        raise FileNotFoundError(
            "no Pagefind binary: `make html` installs tools/pagefind, or pip 'pagefind[bin]'"
        )
    return pip, "pip"


@functools.lru_cache(maxsize=8)
def _version(path: str, mtime_ns: int) -> str:
    """``pagefind --version`` ("pagefind 1.6.0"), once a binary (and its mtime)."""
    try:
        out = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.split()[-1] if out.split() else ""
