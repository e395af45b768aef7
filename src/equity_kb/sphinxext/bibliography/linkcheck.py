"""Link rot in the knowledge base: ``-b linkcheck`` (``make linkcheck``) checks the
external URLs and DOIs of the references, briefs and cards, and only those, and says of
each answer which entry and which field it concerns.

Sphinx's linkcheck reads links from the pages; a reference's URL and DOI are fields of
a ``.bib`` entry, so they are handed to it as links of the bibliography's page (the
root page where there is none). Links on pages that are not entries are left out:
they are not the bibliography's. Citation links are internal and never checked. The
report, ``entries.txt`` beside Sphinx's ``output.json``, has a line per entry and field,
located at the entry's file and line; a broken link is also a located warning.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.nodes import get_node_line

from equity_kb.core.model import Reference

from ..entries.domain import KBDomain, kb_domain

logger = logging.getLogger(__name__)

REPORT = "entries.txt"


def setup_linkcheck(app: Sphinx) -> None:
    app.add_post_transform(EntryLinksOnly)
    app.connect("build-finished", write_report)


@dataclass(frozen=True)
class Source:
    """Where a link comes from: an entry's file and line, its key and field."""

    path: str
    line: int
    key: str
    field: str


def reference_links(ref: Reference) -> list[tuple[str, str]]:
    """(field, URL) of a reference's links: its DOI, as a doi.org address, and its URL."""
    out = []
    if ref.fields.get("doi"):
        out.append(("doi", f"https://doi.org/{ref.fields['doi']}"))
    if ref.fields.get("url"):
        out.append(("url", ref.fields["url"]))
    return out


def external(uri: str) -> bool:
    return uri.startswith(("http://", "https://"))


class EntryLinksOnly(SphinxPostTransform):
    """Before Sphinx's collector (800): the references' links join the bibliography's
    page; a page that is not an entry keeps its links as text, unchecked."""

    builders = ("linkcheck",)
    default_priority = 790

    def run(self, **kwargs: Any) -> None:
        domain = kb_domain(self.env)
        docname = self.env.docname
        if docname == (domain.bibliography_doc() or self.config.root_doc):
            holder = nodes.paragraph()
            for ref in domain.references.values():
                for _, uri in reference_links(ref):
                    holder += nodes.reference(uri, uri, refuri=uri)
            self.document += holder
            return
        entry = domain.entry_for(docname)
        if entry is not None:
            found = body_links(self.app)
            path = _shown(self.app, str(self.env.doc2path(docname)))
            for node in self.document.findall(nodes.reference):
                uri = node.get("refuri", "")
                if external(uri):
                    try:
                        line = get_node_line(node)
                    except ValueError:  # a node with no line, nor any parent with one
                        line = 0
                    found.setdefault(uri, []).append(Source(path, line, entry.key, "body"))
            return
        for node in list(self.document.findall(nodes.reference)):
            if external(node.get("refuri", "")):
                node.replace_self(nodes.inline(node.rawsource, "", *node.children))


def body_links(app: Sphinx) -> dict[str, list[Source]]:
    """URI -> the cards and briefs whose text links to it, gathered as pages are checked."""
    found: dict[str, list[Source]] = app.builder.__dict__.setdefault("kb_body_links", {})
    return found


def sources(app: Sphinx, domain: KBDomain) -> dict[str, list[Source]]:
    """URI -> the entries and fields it comes from (a URI two entries share, both)."""
    out: dict[str, list[Source]] = {uri: list(found) for uri, found in body_links(app).items()}
    for ref in domain.references.values():
        for field, uri in reference_links(ref):
            line = ref.field_lines.get(field, ref.line)
            out.setdefault(uri, []).append(Source(_shown(app, ref.source), line, ref.key, field))
    return out


def _shown(app: Sphinx, path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path(app.confdir).resolve()))
    except ValueError:
        return path


def write_report(app: Sphinx, exception: BaseException | None) -> None:
    if exception is not None or app.builder.name != "linkcheck":
        return
    output = Path(app.outdir, "output.json")
    if not output.exists():
        return
    domain = kb_domain(app.env)
    by_uri = sources(app, domain)
    lines = []
    for raw in output.read_text(encoding="utf-8").splitlines():
        result = json.loads(raw)
        uri, status = result["uri"], result["status"]
        if not external(uri):
            continue
        found = by_uri.get(uri, [])
        answer = f"{status} {result.get('code') or ''}".strip()
        info = str(result.get("info") or "")
        for src in found:
            lines.append(
                "\t".join((f"{src.path}:{src.line}", src.key, src.field, answer, uri, info))
            )
            if status == "broken":
                logger.warning(
                    f"{src.key}: its {src.field} {uri} is broken ({info or answer})",
                    location=(src.path, src.line),
                    type="kb",
                    subtype="link-broken",
                )
            elif status == "redirected":
                logger.info(
                    f"{src.path}:{src.line}: {src.key}: its {src.field} {uri} redirects to {info}"
                )
    header = "where\tentry\tfield\tanswer\turi\tinfo"
    Path(app.outdir, REPORT).write_text(
        "\n".join([header, *sorted(lines)]) + "\n", encoding="utf-8"
    )
    logger.info(f"link report by entry and field: {Path(app.outdir, REPORT)}")
