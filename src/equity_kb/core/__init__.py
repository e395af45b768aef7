"""The core: the entry model, the vocabulary, reading and validating front matter and
BibTeX, cross-checks, APA and exports, tenet suggestions, scaffolds and the checks behind
``equity-kb check``. Nothing here imports Sphinx or docutils (a contract in
pyproject.toml), so the checks and their unit tests run without a build."""
