"""Every Sphinx builder on the shipped docs: a clean build each (``-E``), strict (``-W``),
in a fresh subprocess, side by side in one run; then the PDF (latexmk with xelatex, when
TeX Live is installed) and epubcheck on the EPUB (when Debian's epubcheck is). linkcheck
is left out: it measures the network, not the build.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from workdirs import scratch  # noqa: E402

BUILDERS = ("html", "dirhtml", "singlehtml", "epub", "latex", "text", "gettext", "man")
EPUBCHECK = Path("/usr/share/java/epubcheck.jar")


def timed(args: list[str]) -> tuple[float, int, str]:
    start = time.perf_counter()
    run = subprocess.run(args, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, run.returncode, run.stdout + run.stderr


def run() -> str:
    lines = [
        "## Every builder on the shipped docs (clean build, -W)",
        "",
        "| builder | time (s) | exit | warnings |",
        "| --- | --- | --- | --- |",
    ]
    with scratch() as tmp:
        work = Path(tmp)
        for builder in BUILDERS:
            seconds, code, output = timed(
                [sys.executable, "-m", "sphinx", "-b", builder, "-E", "-W", "--keep-going",
                 "-q", "-d", str(work / f"{builder}-doctrees"), "-c", str(ROOT),
                 str(ROOT / "docs"), str(work / builder)]
            )  # fmt: skip
            warnings = output.count("WARNING")
            lines.append(f"| {builder} | {seconds:.1f} | {code} | {warnings} |")
        if shutil.which("xelatex") and shutil.which("latexmk"):
            seconds, code, _ = timed(
                ["make", "-C", str(work / "latex"), "all-pdf", "LATEXMKOPTS=-quiet"]
            )
            pdf = work / "latex" / "equity-kb.pdf"
            size = f", {pdf.stat().st_size / 1024:.0f} KB" if pdf.exists() else ""
            lines.append(f"| PDF (latexmk, xelatex{size}) | {seconds:.1f} | {code} | |")
        if EPUBCHECK.exists() and shutil.which("java"):
            epub = next((work / "epub").glob("*.epub"))
            seconds, code, output = timed(["java", "-jar", str(EPUBCHECK), str(epub)])
            found = next((x for x in output.splitlines() if x.startswith("Messages:")), "")
            lines.append(
                f"| epubcheck ({found.removeprefix('Messages: ')}) | {seconds:.1f} | {code} | |"
            )
    return "\n".join(lines) + "\n"
