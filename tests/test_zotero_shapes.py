"""The metadata in the shapes Zotero's own translators read (checked against their code:
Embedded Metadata.js and COinS.js, with zotero/utilities' openurl.js):

- an organisation stays one name: a Highwire ``citation_author`` ending in a comma is read
  as a family name alone, and COinS's ``rft.aucorp`` is an institution;
- a card is a web page (``og:type`` website, no ``citation_technical_report_institution``,
  which makes a report), with the site's name; a brief is a report of the site;
- a web page reference keeps its site (``rft.source``), an edited work its editors
  (``rft.contributor``: OpenURL has no editor), an untitled work is still offered, with
  what is known in brackets (COinS.js drops an item with no title);
- the bibliography's landing page offers every reference, not only itself."""

from __future__ import annotations

import html as htmllib
import re
from urllib.parse import parse_qsl

from bs4 import BeautifulSoup
from conftest import BuildFn, html

from equity_kb.sphinxext.travel.zotero_meta import coins_kev


def kev(item: dict, untitled: str = "") -> list[tuple[str, str]]:
    return parse_qsl(coins_kev(item, untitled))


def test_coins_keep_organisations_sites_and_editors_and_offer_untitled_works() -> None:
    page = kev(
        {
            "type": "webpage",
            "title": "Being antiracist",
            "author": [{"literal": "National Museum of African American History and Culture"}],
            "publisher": "Smithsonian",
            "issued": {"date-parts": [[2020]]},
        }
    )
    assert ("rft.aucorp", "National Museum of African American History and Culture") in page
    assert ("rft.source", "Smithsonian") in page  # Zotero's Website Title
    assert not [k for k, _ in page if k in ("rft.au", "rft.creator")]
    book = kev(
        {
            "type": "book",
            "title": "Edited volume",
            "editor": [{"family": "Honig", "given": "Meredith I."}],
            "publisher": "Press",
        }
    )
    assert ("rft.contributor", "Honig, Meredith I.") in book
    untitled = kev({"type": "document", "author": [{"literal": "Brayboy"}]}, "Brayboy (2007)")
    assert ("rft.title", "[Brayboy (2007)]") in untitled
    assert ("rft.creator", "Brayboy") in untitled  # one word: an author, kept in order


def test_pages_carry_the_shapes_zoteros_translators_read(kb_build: BuildFn) -> None:
    app = kb_build()
    card = BeautifulSoup(html(app, "practices/PC-001"), "html.parser")
    metas = {m.get("name") or m.get("property"): m.get("content") for m in card.select("meta")}
    assert metas["og:type"] == "website" and metas["og:site_name"] == "KB test"
    assert metas["citation_author"] == "KB test,"
    assert "citation_technical_report_institution" not in metas
    assert "citation_journal_title" not in metas  # would make it a journal article
    brief = BeautifulSoup(html(app, "briefs/families"), "html.parser")
    names = {m["name"] for m in brief.select("meta[name]")}
    assert "citation_technical_report_institution" in names  # a report of the site
    landing = html(app, "bibliography")
    refs = app.env.get_domain("kb").data["references"]
    spans = re.findall(r'<span class="Z3988" title="([^"]*)"', landing)
    assert len(spans) == len(refs)  # every reference, not only the page itself
    titles = [v for s in spans for k, v in parse_qsl(htmllib.unescape(s)) if k.endswith("title")]
    assert any(t.startswith("[") and "title not known" in t for t in titles)
