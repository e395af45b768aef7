"""Sphinx configuration for the Equity KB site (content in docs/, bibliography in bib/)."""

import os

project = "Equity KB"
author = "Partnering for Racial Equity"
copyright = "2026, the Equity KB contributors"

extensions = ["equity_kb"]

# The edition a book names (EPUB's version, the PDF's title page): a publisher sets
# KB_EDITION (say "2026-12"); any other build is a draft. Kept stable between builds,
# since a changed version makes Sphinx read every page again.
version = release = os.environ.get("KB_EDITION", "draft")

# Where the site is published; canonical links, permalinks and "Cite this card" use it.
# `make serve` serves at this local default; a deployment sets KB_BASE_URL to its public
# address, ending in "/" (.github/workflows/pages.yml takes it from the Pages URL).
# A build for publishing warns (so `make check`, with -W, fails) while the address is
# still local (localhost, 127.x, ::1 or empty). "For publishing" means KB_PUBLISH=1 (or
# true/yes/on); when KB_PUBLISH is unset, a GitHub Actions build of refs/heads/main also
# counts. KB_PUBLISH=0 marks a build that is not published (ci.yml's review builds).
# A developer's ordinary local build never warns.
html_baseurl = os.environ.get("KB_BASE_URL", "http://127.0.0.1:8000/")

# The search service the search page asks (else, or when it does not answer, the site's
# static index): KB_SEARCH_API="https://search.example.org/api/search" for a service on
# another host, "" for static search only (pages.yml: GitHub Pages has no service).
kb_search_api = os.environ.get("KB_SEARCH_API", "/api/search")

# Each card's and brief's "Change history" link: {path} is the file's path in the
# repository, e.g. KB_HISTORY_URL="https://github.com/ORG/REPO/commits/main/{path}"
# (.github/workflows/pages.yml sets it); unset, the pages show their dates without a link.
kb_history_url = os.environ.get("KB_HISTORY_URL", "")

kb_vocabulary = "docs/vocabulary.yml"
kb_bibliography = ["bib/*.bib"]

exclude_patterns = ["_build", "vocabulary.yml"]
myst_title_to_header = True
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# furo: maintained, accessible (WCAG-minded contrast, skip link, keyboard navigation),
# good on phones, and it prints cleanly. Entry pages are kept out of the sidebar
# toctree (see equity_kb.sphinxext.entries.reading), so its full-tree navigation stays small.
html_theme = "furo"
html_title = "Equity KB"
html_static_path: list[str] = []
html_last_updated_fmt = None
html_copy_source = False
html_show_sourcelink = False

# The PDF (make pdf): xelatex, which sets any Unicode a reference may hold (pdflatex
# stops on Greek or Cyrillic); fonts from Debian's fonts-freefont-otf.
latex_engine = "xelatex"
latex_documents = [("index", "equity-kb.tex", "Equity KB", author, "manual")]
