"""Sphinx configuration for the Equity KB site (content in docs/, bibliography in bib/)."""

import os

project = "Equity KB"
author = "Partnering for Racial Equity"
copyright = "2026, the Equity KB contributors"

extensions = ["equity_kb"]

# Where the site is published; permalinks and "cite this card" use it. `make serve`
# serves at this address; a deployment sets KB_BASE_URL to its public address.
html_baseurl = os.environ.get("KB_BASE_URL", "http://127.0.0.1:8000/")

kb_vocabulary = "docs/vocabulary.yml"
kb_bibliography = ["bib/*.bib"]

exclude_patterns = ["_build", "vocabulary.yml"]
myst_title_to_header = True
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# furo: maintained, accessible (WCAG-minded contrast, skip link, keyboard navigation),
# good on phones, and it prints cleanly. Entry pages are kept out of the sidebar
# toctree (see equity_kb.sphinxext.reading), so its full-tree navigation stays small.
html_theme = "furo"
html_title = "Equity KB"
html_static_path: list[str] = []
html_last_updated_fmt = None
html_copy_source = False
html_show_sourcelink = False
