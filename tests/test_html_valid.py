"""The Nu HTML Checker (vnu.jar, the W3C's validator, from npm) over every page of the
built site: no error. A plain Sphinx + furo + MyST build has none, so each one is ours."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

VNU = Path(__file__).resolve().parents[1] / "tools/vnu/node_modules/vnu-jar/build/dist/vnu.jar"


@pytest.mark.skipif(
    not VNU.exists() or shutil.which("java") is None,
    reason="needs vnu.jar (make test runs npm ci in tools/vnu) and Java (.ci/run installs it)",
)
def test_every_page_of_the_site_is_valid_html(shipped_site: Path) -> None:
    pages = [p for p in shipped_site.rglob("*.html") if "_static" not in p.parts]
    assert len(pages) > 100
    run = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "gnu", "--skip-non-html",
         str(shipped_site)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )  # fmt: skip
    errors = [line for line in run.stderr.splitlines() if ": error:" in line]
    assert errors == [], "\n".join(errors[:40])
    assert run.returncode == 0, run.stderr[-2000:]
