project = "Search box test"
extensions = ["equity_kb"]
html_theme = "furo"
html_baseurl = "https://kb.example.org/"
myst_title_to_header = True
kb_vocabulary = "vocabulary.yml"
kb_bibliography = []
exclude_patterns = ["_build"]
