# A small project written for sphinxcontrib-bibtex, as a reading group might keep one.
# tests/test_sphinxcontrib_bibtex_move.py builds it with sphinxcontrib-bibtex, then with
# the one-line change to extensions that moves it to equity_kb.
project = "Reading group notes"
extensions = ["myst_parser", "sphinxcontrib.bibtex"]
bibtex_bibfiles = ["refs.bib"]
bibtex_reference_style = "author_year"
exclude_patterns = ["_build"]
