project = "KB bad input"
extensions = ["equity_kb"]
html_theme = "basic"
myst_title_to_header = True
kb_vocabulary = "vocabulary.yml"
kb_bibliography = ["*.bib"]
exclude_patterns = ["_build"]
