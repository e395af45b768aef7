"""APA's year suffixes ("2021a", "n.d.-a") decided once for the whole bibliography and
the same wherever a reference appears in a built site: its bibliography page, every
citation of it, a brief's reference list and the citation previews."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup
from conftest import ROOTS

# Made-up works: one author, one year, two titles ("The" is not sorted on); one
# organisation with two undated works.
BIB = """
@book{quill2021zebra,
  author = {Quill, Aster}, title = {The zebra crossing}, publisher = {Test Press}, year = {2021},
  annotation = {A made-up book.}, tenets = {practice},
}
@book{quill2021apples,
  author = {Quill, Aster}, title = {Apples in class}, publisher = {Test Press}, year = {2021},
  annotation = {Another made-up book.}, tenets = {practice},
}
@misc{fern-b,
  author = {{Fernvale Board}}, title = {Student placement}, url = {https://example.org/b},
  annotation = {A made-up policy.}, tenets = {data}, provenance = {A made-up test page.},
}
@misc{fern-a,
  author = {{Fernvale Board}}, title = {Community voice}, url = {https://example.org/a},
  annotation = {Another made-up policy.}, tenets = {data},
  provenance = {A made-up test page.},
}
"""
BRIEF = """---
title: Suffixes
authors: [Test Author]
date: 2025-05-01
tenets: [practice]
focus: [family-engagement]
levels: [school]
summary: Two works of one year.
status: published
---

## What

Both {cite:p}`quill2021zebra, quill2021apples` and {cite:t}`fern-b` say so, as do
{cite:p}`{see}quill2021apples, fern-a, fern-b{p. 2}`.
"""


def _site(tmp_path: Path, kb_build):
    import shutil

    src = tmp_path / "kb"
    shutil.copytree(ROOTS / "test-kb", src)
    (src / "refs" / "suffixes.bib").write_text(BIB, encoding="utf-8")
    (src / "briefs" / "suffixes.md").write_text(BRIEF, encoding="utf-8")
    return kb_build(src=src)


def _text(path: Path) -> str:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    return " ".join(soup.get_text(" ").split())


def test_suffixes_agree_on_every_page(tmp_path: Path, kb_build) -> None:
    app = _site(tmp_path, kb_build)
    out = Path(app.outdir)
    warnings = [w for w in app.warning.getvalue().splitlines() if "WARNING" in w]
    assert not warnings, warnings
    q = _text(out / "bibliography" / "q.html")
    assert "Quill, A. (2021a). Apples in class . Test Press." in q
    assert "Quill, A. (2021b). The zebra crossing . Test Press." in q
    f = _text(out / "bibliography" / "f.html")
    assert "Fernvale Board. (n.d.-a). Community voice ." in f
    assert "Fernvale Board. (n.d.-b). Student placement ." in f
    brief = (out / "briefs" / "suffixes.html").read_text(encoding="utf-8")
    text = _text(out / "briefs" / "suffixes.html")
    # One parenthesis for both works, as APA 7 (8.12) and citeproc-js write it.
    assert "(Quill, 2021b, 2021a)" in re.sub(r"\s+(?=[;,)])|(?<=\()\s+", "", text)
    assert "Fernvale Board (n.d.-b)" in text
    # In the order of the reference list: the board before Quill, its works collapsed.
    assert "(Fernvale Board, n.d.-a, n.d.-b, p. 2; see Quill, 2021a)" in re.sub(
        r"\s+(?=[;,)])|(?<=\()\s+", "", text
    )
    # The brief's own reference list and its previews say the same.
    soup = BeautifulSoup(brief, "html.parser")
    for part in (".kb-reference-list", ".kb-cite-previews"):
        listed = " ".join(p.get_text(" ") for p in soup.select(part))
        assert "(2021a)" in listed and "(2021b)" in listed and "(n.d.-b)" in listed, part
