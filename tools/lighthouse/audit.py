"""`make audit`: Lighthouse (tools/lighthouse, pinned by its lock file) on the built site,
served by `equity-kb serve` (the service with its gzip and caching headers), in Debian's
chromium: the home page, a card, a brief, the bibliography, find, Explore and the gap
map, each on a phone (Lighthouse's mobile emulation, throttled) and on a desktop.

Prints a Markdown table of the four category scores and writes it to
``_build/audit.md``; exits 1 when a page misses a goal (accessibility, best practices and
SEO 100; performance at least 95 on a phone), naming the audits that cost points.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
LIGHTHOUSE = HERE / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROMIUM = Path(os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
PAGES = {
    "home": "index.html",
    "card": "practices/PC-001.html",
    "brief": "briefs/theory-of-change.html",
    "bibliography": "bibliography.html",
    "find": "find.html?q=equity",
    "explore": "explore.html",
    "gap map": "gap-map.html",
}
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
GOALS = {"performance": (95, "mobile"), "accessibility": (100, None)}
GOALS |= {"best-practices": (100, None), "seo": (100, None)}
FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(site: Path, port: int) -> subprocess.Popen[bytes]:
    cli = Path(sys.executable).with_name("equity-kb")
    proc = subprocess.Popen(
        [str(cli), "serve", "--site", str(site), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("equity-kb serve did not start")


def lighthouse(url: str, form: str, out: Path) -> dict[str, object]:
    args = [
        "node",
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={out}",
        f"--chrome-flags={FLAGS}",
        f"--only-categories={','.join(CATEGORIES)}",
    ]
    if form == "desktop":
        args.append("--preset=desktop")
    env = {**os.environ, "CHROME_PATH": str(CHROMIUM)}
    subprocess.run(args, check=True, env=env, timeout=240)
    report: dict[str, object] = json.loads(out.read_text(encoding="utf-8"))
    return report


def scores(report: dict[str, object]) -> dict[str, int]:
    categories = report["categories"]
    assert isinstance(categories, dict)
    return {c: round(100 * (categories[c]["score"] or 0)) for c in CATEGORIES}


def costs(report: dict[str, object], category: str) -> list[str]:
    """The audits of a category that did not pass, by title."""
    categories, audits = report["categories"], report["audits"]
    assert isinstance(categories, dict) and isinstance(audits, dict)
    out = []
    for ref in categories[category]["auditRefs"]:
        audit = audits[ref["id"]]
        if ref.get("weight") and audit.get("score") is not None and audit["score"] < 1:
            out.append(f"{audit['title']} ({audit['score']:.2f})")
    return out


def main() -> int:
    if not LIGHTHOUSE.exists():
        raise SystemExit("Lighthouse is not installed: make audit runs npm ci in tools/lighthouse")
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install -y chromium")
    site = Path(sys.argv[1] if len(sys.argv) > 1 else REPO / "_build" / "html")
    port = free_port()
    server = serve(site, port)
    rows, misses = [], []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for name, path in PAGES.items():
                for form in ("mobile", "desktop"):
                    report = lighthouse(
                        f"http://127.0.0.1:{port}/{path}", form, Path(tmp, "report.json")
                    )
                    got = scores(report)
                    rows.append(
                        f"| {name} | {form} | " + " | ".join(str(got[c]) for c in CATEGORIES) + " |"
                    )
                    for category, (goal, only) in GOALS.items():
                        if (only is None or only == form) and got[category] < goal:
                            lost = "; ".join(costs(report, category)) or "no single audit"
                            misses.append(
                                f"{name} ({form}) {category} {got[category]} < {goal}: {lost}"
                            )
                    print(rows[-1], flush=True)
    finally:
        server.terminate()
        server.wait()
    table = "\n".join(
        [
            "| page | form | performance | accessibility | best practices | SEO |",
            "| --- | --- | --- | --- | --- | --- |",
            *rows,
        ]
    )
    text = f"Lighthouse on {site}, served by equity-kb serve:\n\n{table}\n"
    if misses:
        text += "\nBelow the goals:\n" + "\n".join(f"- {m}" for m in misses) + "\n"
    Path(REPO, "_build").mkdir(exist_ok=True)
    Path(REPO, "_build", "audit.md").write_text(text, encoding="utf-8")
    print(text)
    return 1 if misses else 0


if __name__ == "__main__":
    raise SystemExit(main())
