"""`-b linkcheck` on the knowledge base: the references' URLs and DOIs and the links in
cards and briefs are checked, and only those, against a local HTTP server (a good link,
a 404 and a redirect; no network), each answer reported by entry and field."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOTS = Path(__file__).parent / "roots"

SERVER = """
import http.server, sys

class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self, body):
        if self.path == "/good":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            if body:
                self.wfile.write(b"<html><body>fine</body></html>")
        elif self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/good")
            self.end_headers()
        else:
            self.send_error(404, "Not Found")

    def do_HEAD(self):
        self.answer(False)

    def do_GET(self):
        self.answer(True)

    def log_message(self, *args):
        pass

http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port)])
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait()


def test_linkcheck_reports_each_entrys_links_by_entry_and_field(tmp_path, server):
    src = tmp_path / "kb"
    shutil.copytree(ROOTS / "test-kb", src)
    (src / "refs" / "links.bib").write_text(
        textwrap.dedent(
            f"""\
            @misc{{goodlink2020,
              author = {{Alpha, A.}},
              title = {{A page that answers}},
              year = {{2020}},
              url = {{{server}/good}},
              tenets = {{data}},
              provenance = {{Test fixture.}},
            }}

            @misc{{gonelink2020,
              author = {{Beta, B.}},
              title = {{A page that is gone}},
              year = {{2020}},
              url = {{{server}/missing}},
              tenets = {{data}},
              provenance = {{Test fixture.}},
            }}

            @misc{{movedlink2020,
              author = {{Gamma, G.}},
              title = {{A page that moved}},
              year = {{2020}},
              url = {{{server}/moved}},
              tenets = {{data}},
              provenance = {{Test fixture.}},
            }}
            """
        ),
        encoding="utf-8",
    )
    card = src / "practices" / "PC-001.md"
    card.write_text(
        card.read_text(encoding="utf-8") + f"\n\nSee [the district's page]({server}/missing).\n",
        encoding="utf-8",
    )
    # A page that is not an entry: its links are not the bibliography's.
    home = src / "index.md"
    home.write_text(
        home.read_text(encoding="utf-8") + f"\n\n[Elsewhere]({server}/not-an-entry)\n",
        encoding="utf-8",
    )
    out = tmp_path / "linkcheck"
    run = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "linkcheck", "-q", str(src), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1, run.stderr  # Sphinx's own verdict: a link is broken
    rows = [line.split("\t") for line in (out / "entries.txt").read_text().splitlines()[1:]]
    by_key = {(r[1], r[2]): r for r in rows}
    good = by_key[("goodlink2020", "url")]
    assert good[0].startswith("refs/links.bib:") and good[3].startswith("working")
    gone = by_key[("gonelink2020", "url")]
    assert gone[3] == "broken" and "404" in gone[5]
    moved = by_key[("movedlink2020", "url")]
    assert moved[3].startswith("redirected") and moved[5] == f"{server}/good"
    body = by_key[("PC-001", "body")]
    assert body[0].startswith("practices/PC-001.md:") and body[3] == "broken"
    # Only the entries' external links: no citation, no page that is not an entry.
    checked = (out / "output.json").read_text()
    assert "not-an-entry" not in checked
    assert "#ref-" not in checked and '"status": "broken"' in checked
    # A broken link is a warning at the entry's own line.
    assert "refs/links.bib:" in run.stderr and "gonelink2020: its url" in run.stderr
