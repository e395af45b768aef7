"""Build sphinxcontrib-bibtex's own test roots with it and with this extension, and compare.

sphinxcontrib-bibtex's sdist ships its test suite's Sphinx projects (``test/roots/test-*``).
A project moves here by changing ``"sphinxcontrib.bibtex"`` to ``"equity_kb"`` in its
``conf.py``'s ``extensions``. For every root that loads sphinxcontrib.bibtex this module
builds the root both ways, with the builder sphinxcontrib-bibtex's tests use for it, and
compares the two builds (:func:`compare`).

Run it as ``python tests/scbibtex_roots.py [--only NAME] [--cache DIR]``; the test in
``tests/test_scbibtex_roots.py`` and benchmarks import it. It needs a package index (to
download the sdist, once per cache folder) and, for ``test-autodoc_cython``, a C compiler.
"""

from __future__ import annotations

import argparse
import ast
import codecs
import contextlib
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast
from urllib.parse import unquote, urlsplit

VERSION = "2.7.0"
SHA256 = "fee700f7aae29bb8f654c62913f00d34ac44fc0b8ca0fa67ac922ff4453addee"
SDIST = f"sphinxcontrib_bibtex-{VERSION}.tar.gz"
OLD, NEW = "sphinxcontrib.bibtex", "equity_kb"
TIMEOUT = 90  # seconds, for one build
WORKERS = 2
# A root that builds only with what its test overrides: test_bibfiles_absolute_path points
# bibtex_bibfiles at another root's file by its absolute path. Both builds get it, as a line
# added at the end of conf.py (-D cannot set a list whose default is None).
OVERRIDES = {
    "test-bibfiles_absolute_path": ("bibtex_bibfiles", "test-debug_minimal_example/refs.bib")
}

Which = Literal["reference", "ours"]


class SdistError(RuntimeError):
    """The sdist could not be downloaded, or is not the pinned one."""


# ---------------------------------------------------------------------------- the sdist


def fetch_sdist(dest: Path) -> Path:
    """Download (once) and extract sphinxcontrib-bibtex's pinned sdist into ``dest``.

    Returns the folder of its test roots (``.../test/roots``).
    """
    dest.mkdir(parents=True, exist_ok=True)
    tarball = dest / SDIST
    if not tarball.exists() or _sha256(tarball) != SHA256:
        tarball.unlink(missing_ok=True)
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
            + ["--disable-pip-version-check", f"sphinxcontrib-bibtex=={VERSION}", "-d", dest],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0 or not tarball.exists():
            raise SdistError(
                f"pip download of sphinxcontrib-bibtex=={VERSION} failed "
                f"(exit {done.returncode}):\n{done.stderr.strip()[-2000:]}"
            )
    actual = _sha256(tarball)
    if actual != SHA256:
        raise SdistError(f"{tarball}: sha256 is {actual}, expected {SHA256} (the pinned sdist)")
    top = dest / SDIST.removesuffix(".tar.gz")
    if not (top / "test" / "roots").is_dir():
        with tempfile.TemporaryDirectory(dir=dest) as tmp:
            with tarfile.open(tarball) as tar:
                tar.extractall(tmp, filter="data")
            shutil.rmtree(top, ignore_errors=True)
            (Path(tmp) / top.name).rename(top)
    return top / "test" / "roots"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def roots(folder: Path) -> list[Path]:
    """The roots in ``folder`` whose conf.py names sphinxcontrib.bibtex in ``extensions``."""
    return sorted(
        conf.parent
        for conf in folder.glob("test-*/conf.py")
        if _extensions_lines(conf.read_text(encoding="utf-8"))
    )


def _extensions_lines(conf: str) -> range | None:
    """The lines (0-based) of the ``extensions = [...]`` that names sphinxcontrib.bibtex."""
    for node in ast.walk(ast.parse(conf)):
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "extensions" for t in node.targets)
            and isinstance(node.value, ast.List | ast.Tuple)
            and any(isinstance(e, ast.Constant) and e.value == OLD for e in node.value.elts)
        ):
            return range(node.lineno - 1, (node.end_lineno or node.lineno))
    return None


def builders(folder: Path) -> dict[str, str]:
    """Each root's builder in sphinxcontrib-bibtex's tests (``test_*.py`` beside ``roots``).

    html where a test builds the root with html, else the builder its tests use (latex for
    ``test-latex_*``, rinoh for ``test-citation_rinoh*``, text or pseudoxml for some).
    """
    seen: dict[str, list[str]] = {}
    for test in sorted(folder.parent.glob("test_*.py")):
        for node in ast.walk(ast.parse(test.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and ast.unparse(node.func) == "pytest.mark.sphinx"):
                continue
            kw = {k.arg: k.value for k in node.keywords}
            name = kw.get("buildername", node.args[0] if node.args else None)
            root = kw.get("testroot")
            if isinstance(root, ast.Constant) and isinstance(root.value, str):
                builder = name.value if isinstance(name, ast.Constant) else "html"
                seen.setdefault("test-" + root.value, []).append(str(builder))
    return {root: "html" if "html" in used else used[0] for root, used in seen.items()}


def build_cython_module(roots_folder: Path) -> Path:
    """Build ``test/some_cython_module`` (for ``test-autodoc_cython``) into a folder; return it.

    pip builds it in an isolated environment (setuptools and Cython from the index), and a
    C compiler compiles it. Built once per extracted sdist.
    """
    test = roots_folder.parent
    site = _cython_site(test.parent)
    if not (site / "some_cython_module").is_dir():
        done = subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--no-deps"]
            + ["--disable-pip-version-check", "--target", site, test / "some_cython_module"],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            shutil.rmtree(site, ignore_errors=True)
            raise SdistError(f"could not build some_cython_module:\n{done.stderr[-2000:]}")
    return site


def _cython_site(sdist: Path) -> Path:
    return sdist / f"_cython_site-{sys.implementation.cache_tag}"


# ---------------------------------------------------------------------------- one build


@dataclass
class BuildResult:
    root: str
    which: Which
    builder: str
    exit: int | None  # None: timed out
    warnings: list[str]
    outdir: Path
    srcdir: Path
    stderr: str = ""
    bibs: list[Path] = field(default_factory=list)  # the root's .bib files


def moved_conf(conf: str) -> str:
    """``conf`` with sphinxcontrib.bibtex renamed equity_kb on its extensions line(s) only."""
    lines = conf.splitlines(keepends=True)
    span = _extensions_lines(conf)
    if span is None:
        raise ValueError("conf.py names no sphinxcontrib.bibtex in extensions")
    for i in span:
        for quote in "\"'":
            lines[i] = lines[i].replace(f"{quote}{OLD}{quote}", f"{quote}{NEW}{quote}")
    return "".join(lines)


def build(root: Path, which: Which, out: Path, builder: str | None = None) -> BuildResult:
    """Copy ``root`` into ``out``, move it here when ``which == "ours"``, and build it.

    With the builder sphinxcontrib-bibtex's tests use for the root, unless ``builder`` says.
    """
    if builder is None:
        builder = builders(root.parent).get(root.name, "html")
    src = out / "src" / root.name
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(root, src)
    conf = src / "conf.py"
    text = conf.read_text(encoding="utf-8")
    if which == "ours":
        text = moved_conf(text)
    bibs = sorted(src.rglob("*.bib"))
    if root.name in OVERRIDES:
        name, value = OVERRIDES[root.name]
        text += f"\n{name} = [{str(root.parent / value)!r}]  # as its test overrides it\n"
        bibs.append(root.parent / value)
    conf.write_text(text, encoding="utf-8")
    outdir = out / "build" / builder
    sdist = root.parents[2]
    # sphinxcontrib-bibtex's tests run from its sdist: autodoc imports test.some_module.
    path = [str(sdist), str(_cython_site(sdist))]
    tmp = out / "tmp"  # where Sphinx leaves the traceback of a crash
    tmp.mkdir()
    env = dict(os.environ, NO_COLOR="1", TMPDIR=str(tmp), PYTHONPATH=os.pathsep.join(path))
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] += os.pathsep + os.environ["PYTHONPATH"]
    command = [sys.executable, "-m", "sphinx", "-b", builder, "-E", "-q", str(src), str(outdir)]
    # A session of its own, so that a build that times out ends with what it started.
    with subprocess.Popen(
        command,
        cwd=out,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as proc:
        code: int | None
        try:
            stderr = proc.communicate(timeout=TIMEOUT)[1]
            code = proc.returncode
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            stderr = proc.communicate()[1]
            code = None
    warnings = [line for line in stderr.splitlines() if "WARNING" in line or "ERROR" in line]
    return BuildResult(root.name, which, builder, code, warnings, outdir, src, stderr, bibs)


# ---------------------------------------------------------------------------- comparing


@dataclass
class Match:
    matched: bool
    reason: str = ""
    excluded: bool = False  # the reference build itself failed
    details: list[str] = field(default_factory=list)


UNKNOWN = re.compile(r"Unknown (interpreted text role|directive type)|Unknown (role|directive)")
LOCATED = re.compile(r":\d+: (WARNING|ERROR)")  # path:line: WARNING
PROBLEM = ('class="problematic"', 'class="system-message"', "<problematic", "<system_message")


def compare(ref: BuildResult, ours: BuildResult) -> Match:
    """Whether ``ours`` does what the reference does, as far as this harness can tell.

    Where the reference builds with no warning: ours exits 0 with no warning, no unknown
    role or directive, every relative link of its HTML lands on an id that exists, and each
    page lists the same bib entries. Where the reference warns (on purpose: a bad key, a bad
    option...), ours exits 0 with at least one located ("file:line:") warning of its own.
    The reason is the first problem found; ``details`` has them all.
    """
    if ref.exit != 0:
        why = "timed out" if ref.exit is None else f"exit {ref.exit}"
        return Match(False, f"reference build failed ({why}): {_failure(ref.stderr)}", True)
    problems: list[str] = []
    if ours.exit != 0:
        why = "timed out" if ours.exit is None else f"exit {ours.exit}"
        problems.append(f"ours failed ({why}): {_failure(ours.stderr)}")
    unknown = sorted({_short(w) for w in ours.warnings if UNKNOWN.search(w)})
    problems += [f"unknown role/directive: {w}" for w in unknown]
    if ref.warnings:
        own = [w for w in ours.warnings if LOCATED.search(w) and not UNKNOWN.search(w)]
        if not own:
            problems.append(
                f"no located warning of ours where the reference warns: {_short(ref.warnings[0])}"
            )
    else:
        problems += [f"warning: {_short(w)}" for w in ours.warnings if not UNKNOWN.search(w)]
        bad = [p for p in _outputs(ours) if any(s in _read(p) for s in PROBLEM)]
        problems += [f"problematic node in {p.relative_to(ours.outdir)}" for p in bad]
        if ours.exit == 0 and ours.builder == "html":
            known = set(_broken_links(ref.outdir))  # a link of the root's own, broken there too
            problems += [f"broken link: {x}" for x in _broken_links(ours.outdir) if x not in known]
        if ours.exit == 0:
            entries = _bib_entries(ref.bibs)
            theirs, mine = _listed(ref, entries), _listed(ours, entries)
            pages = {_page(ref, path) for path in _outputs(ref)}  # not ours' own extra pages
            problems += [
                f"different references on {page}: reference {theirs.get(page, [])}, "
                f"ours {mine.get(page, [])}"
                for page in sorted(pages)
                if theirs.get(page, []) != mine.get(page, [])
            ]
    if not problems:
        return Match(True)
    return Match(False, problems[0], details=problems)


def _failure(stderr: str) -> str:
    """The gist of a failed build's stderr: Sphinx's exception, else its last line."""
    head = re.search(r"^(Extension error.*?)!?$", stderr, re.M)
    trace = re.search(r"^Traceback\n=+\n(.*?)\n\s*\nThe full traceback", stderr, re.M | re.S)
    if trace:
        last = trace.group(1).strip().splitlines()[-1].strip()
        last = re.sub(r" at 0x[0-9a-f]+", "", last.removeprefix("sphinx.errors."))
        return _short(f"{head.group(1)}: {last}" if head else last)
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    errors = [line for line in lines if "ERROR" in line]
    return _short((errors or lines or ["(no message)"])[-1])


def _short(line: str, width: int = 160) -> str:
    line = re.sub(r"\S*/src/test-[^/:\s]+/", "", line.strip())  # the temp folder's path
    return line if len(line) <= width else line[: width - 1] + "…"


def _read(path: Path) -> str:
    if path.suffix == ".pdf":  # rinoh's
        from pypdf import PdfReader

        return "\n\n".join(page.extract_text() for page in PdfReader(path).pages)
    return path.read_text(encoding="utf-8", errors="replace")


SUFFIX = {
    "html": ".html",
    "latex": ".tex",
    "text": ".txt",
    "pseudoxml": ".pseudoxml",
    "rinoh": ".pdf",
}


def _outputs(result: BuildResult) -> list[Path]:
    suffix = SUFFIX.get(result.builder)
    if suffix is None:
        return []
    files = result.outdir.rglob(f"*{suffix}")
    return sorted(p for p in files if "_sources" not in p.parts and "_static" not in p.parts)


# ---- links


def _broken_links(outdir: Path) -> Iterator[str]:
    """Every relative ``<a href>`` whose file is missing or whose fragment is no id in it."""
    from bs4 import BeautifulSoup

    ids: dict[Path, set[str]] = {}

    def ids_of(page: Path) -> set[str]:
        if page not in ids:
            soup = BeautifulSoup(_read(page), "html.parser")
            ids[page] = {str(t["id"]) for t in soup.select("[id]")}
            ids[page] |= {str(t["name"]) for t in soup.select("a[name]")}
        return ids[page]

    for page in sorted(outdir.rglob("*.html")):
        if "_sources" in page.parts or "_static" in page.parts:
            continue
        soup = BeautifulSoup(_read(page), "html.parser")
        for a in soup.select("a[href]"):
            href = str(a["href"])
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("/", "mailto:")):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            name = page.relative_to(outdir)
            if parts.path and target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                yield f"{name}: {href} (no such file)"
            elif (
                parts.fragment
                and target.suffix == ".html"
                and unquote(parts.fragment) not in ids_of(target)
            ):
                yield f"{name}: {href} (no such id)"


# ---- bib entries and the references each page lists


@dataclass
class Entry:
    key: str
    title: list[str]  # normalised words
    words: set[str]  # of every field, the names and the key
    who: set[str]  # the words of its authors' and editors' last names, and of its year


def _from_latex(text: str) -> str:
    import latexcodec  # noqa: F401  (pybtex's; registers the "ulatex" codec)

    # latexcodec's decoder takes str too (typeshed says bytes).
    decode = cast(Callable[[str], tuple[str, int]], codecs.getdecoder("ulatex"))
    return decode(text)[0]


def _words(text: str, latex: bool = False) -> list[str]:
    """Lower-case ASCII words of ``text`` (a .bib value when ``latex``), accents dropped."""
    if latex:
        with contextlib.suppress(Exception):  # LaTeX that latexcodec cannot read
            text = _from_latex(text)
        text = re.sub(r"\\[a-zA-Z]+", " ", text)  # \emph, \textbf... that are left
        text = text.replace("{", "").replace("}", "")  # {K}alman is Kalman
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.findall(r"[a-z0-9]+", text)


def _bib_entries(bibs: Iterable[Path]) -> list[Entry]:
    """The entries of the .bib files, read leniently with pybtex."""
    import pybtex.errors
    from pybtex.database import parse_file

    entries: dict[str, Entry] = {}
    for bib in bibs:
        with pybtex.errors.capture():  # not raised, nor printed: the builds tell them
            try:
                data = parse_file(str(bib), bib_format="bibtex")
            except Exception:  # noqa: BLE001  (a deliberately broken or non-UTF-8 file)
                try:
                    data = parse_file(str(bib), bib_format="bibtex", encoding="latin-1")
                except Exception:  # noqa: BLE001
                    continue
        for key, entry in data.entries.items():
            words = set(_words(key))
            who = set(_words(str(entry.fields.get("year", ""))))
            for value in entry.fields.values():
                words.update(_words(str(value), latex=True))
            for people in entry.persons.values():
                for person in people:
                    words.update(_words(str(person), latex=True))
                    who.update(_words(" ".join(person.last_names), latex=True))
            title = _words(str(entry.fields.get("title", "")), latex=True)
            entries.setdefault(key, Entry(key, title, words, who))
    return list(entries.values())


def _identify(text: str, entries: Sequence[Entry]) -> str | None:
    """The key of the entry a listed item shows: its title in full, a last name or its year
    (if it has any), and most of its words."""
    found = _words(text)
    have = set(found)
    joined = " " + " ".join(found) + " "
    best: tuple[float, str] | None = None
    for entry in entries:
        if entry.title and f" {' '.join(entry.title)} " not in joined:
            continue
        if entry.who and not entry.who & have:
            continue
        shared = len(entry.words & have)
        if not shared:
            continue
        score = 2 * shared / (len(entry.words) + len(have))
        if best is None or score > best[0]:
            best = (score, entry.key)
    return best[1] if best else None


BIBLIOGRAPHY = "div.citation, [role=doc-biblioentry], aside.footnote, [role=doc-footnote]"


def _items(result: BuildResult) -> Iterator[tuple[str, str, bool]]:
    """(page, text, sure) of each reference listed, found by the output's structure.

    HTML: citations and footnotes (``div.citation``, ``[role=doc-biblioentry]``,
    ``aside.footnote``), in either build, their labels left out; the items of
    sphinxcontrib-bibtex's ``:list:`` bibliographies (any ``li`` that holds no list); ours'
    ``li[id^=reading-]`` items of ``ul.kb-reference-list`` and ``.kb-apa`` paragraphs, which
    are ``sure`` to be references. Other builders: each paragraph (blank-line separated) of
    each output file.
    """
    from bs4 import BeautifulSoup

    for path in _outputs(result):
        page = _page(result, path)
        text = _read(path)
        if result.builder != "html":
            for para in re.split(r"\n\s*\n", text):
                yield page, para, False
            continue
        soup = BeautifulSoup(text, "html.parser")
        body = soup.select_one("div.body, [role=main]") or soup
        for label in body.select(".label, .backrefs"):  # [Test] is a label, not a title
            label.decompose()
        ours = result.which == "ours"
        lists = "ul.kb-reference-list li[id^=reading-], .kb-apa" if ours else "ul > li, ol > li"
        seen: set[int] = set()
        for tag in body.select(f"{BIBLIOGRAPHY}, {lists}"):
            apa = "kb-apa" in (tag.get("class") or [])
            inner = (
                tag.find_parent(class_=["citation", "footnote", "kb-apa"]) is not None
                or (tag.name == "li" and tag.find("li") is not None)
                or (apa and tag.find_parent("li", id=True) is not None)
            )
            if inner or id(tag) in seen:
                continue
            seen.add(id(tag))
            sure = ours and (tag.name == "li" or apa)
            yield page, tag.get_text(" "), sure


def _page(result: BuildResult, path: Path) -> str:
    return str(path.relative_to(result.outdir).with_suffix(""))


def _listed(result: BuildResult, entries: Sequence[Entry]) -> dict[str, list[str]]:
    """Per page, the sorted keys of the bib entries it lists.

    An item of ours' reference lists that matches no entry counts as ``?its first words``.
    Other items that match none are left out: the page's own footnotes, citations and lists,
    and other builders' paragraphs, are mostly no reference.
    """
    listed: dict[str, list[str]] = {}
    for page, text, sure in _items(result):
        key = _identify(text, entries)
        if key is None:
            if not sure:
                continue
            key = "?" + " ".join(text.split()[:6])
        listed.setdefault(page, []).append(key)
    if result.builder != "html":  # a title may show in more than one paragraph
        return {page: sorted(set(keys)) for page, keys in listed.items()}
    return {page: sorted(keys) for page, keys in listed.items()}


# ---------------------------------------------------------------------------- the whole run


@dataclass
class Row:
    root: str
    builder: str
    ref: BuildResult
    ours: BuildResult
    match: Match


def _one(job: tuple[Path, str, Path]) -> Row:
    root, builder, work = job
    ref = build(root, "reference", work / "reference", builder)
    ours = build(root, "ours", work / "ours", builder)
    return Row(root.name, builder, ref, ours, compare(ref, ours))


def run_all(folder: Path, work: Path, only: Iterable[str] = ()) -> list[Row]:
    """Build every root (or those named in ``only``) both ways in a pool of 2 processes."""
    picked = roots(folder)
    wanted = {n if n.startswith("test-") else f"test-{n}" for n in only}
    if wanted:
        picked = [r for r in picked if r.name in wanted]
        if missing := wanted - {r.name for r in picked}:
            raise SystemExit(f"no such root loading sphinxcontrib.bibtex: {sorted(missing)}")
    if any(r.name == "test-autodoc_cython" for r in picked):
        try:
            build_cython_module(folder)
        except SdistError as error:  # the reference then fails, and says so
            print(error, file=sys.stderr)
    kind = builders(folder)
    jobs = [(r, kind.get(r.name, "html"), work / r.name) for r in picked]
    with ProcessPoolExecutor(WORKERS) as pool:
        return list(pool.map(_one, jobs))


def _result(result: BuildResult) -> str:
    return f"{'timeout' if result.exit is None else result.exit}/{len(result.warnings)}"


def table(rows: Sequence[Row], failing_only: bool = False) -> str:
    """A plain-text table of the rows (those that do not match), then the count matched."""
    width = max([len(r.root) for r in rows] + [4])
    lines = [f"{'root':{width}}  builder    ref(exit/warn) ours(exit/warn) match  reason"]
    for r in rows:
        if failing_only and r.match.matched:
            continue
        flag = "excl" if r.match.excluded else ("yes" if r.match.matched else "NO")
        lines.append(
            f"{r.root:{width}}  {r.builder:9}  {_result(r.ref):14} {_result(r.ours):15} "
            f"{flag:5}  {r.match.reason}"
        )
    lines.append(summary(rows))
    return "\n".join(lines)


def summary(rows: Sequence[Row]) -> str:
    counted = [r for r in rows if not r.match.excluded]
    matched = sum(r.match.matched for r in counted)
    excluded = [r.root for r in rows if r.match.excluded]
    note = f" ({len(excluded)} excluded, the reference fails: {', '.join(excluded)})"
    return f"matched {matched}/{len(counted)}" + (note if excluded else "")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[], metavar="NAME")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "scbibtex")
    parser.add_argument("--keep", type=Path, help="build here, and keep the builds")
    parser.add_argument("-v", "--verbose", action="store_true", help="print the details")
    args = parser.parse_args(argv)
    folder = fetch_sdist(args.cache)
    with tempfile.TemporaryDirectory(prefix="scbibtex-") as tmp:
        rows = run_all(folder, args.keep or Path(tmp), args.only)
        print(table(rows))
        if args.verbose:
            for r in rows:
                if not r.match.matched:
                    print(f"\n== {r.root}\n" + "\n".join(r.match.details or [r.match.reason]))
                    print("reference:", *r.ref.warnings, sep="\n  ")
                    print("ours:", *r.ours.warnings, sep="\n  ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
