"""``equity-kb import``: a Zotero export (Better BibTeX or Zotero's own BibTeX) merged
into the bibliography. Nothing here prints; ``cli/importing.py`` shows the plan.

Decisions, in the order an entry meets them:

- **Reading.** The export is validated by the loader (``load_bibliography``: names, dates,
  crossref), and its raw field text taken from the loader's own parse (``bibtex.cache``);
  problems in it are reported at their line, and an entry the parser cannot read never
  hides the rest.
- **Duplicates** (``duplicates.py``), in order: the same DOI (case and a ``https://doi.org/``
  or ``doi:`` prefix ignored; a doi.org ``url`` counts when there is no ``doi``); then the
  same title, year and first author's family name (case, accents, punctuation and LaTeX
  braces ignored), unless both entries have DOIs (then they differ); then the same key
  (case ignored), unless DOI, title, year or first author differ where both give one. A
  duplicate is reported as "X duplicates existing Y (by DOI)" and never written; the
  existing entry is never touched.
- **Keys.** A new entry whose key a different entry already uses gets the first free of
  key+a ... key+z, then key-2, key-3, ... (the loader's advice for a clash). ``crossref``
  and ``xdata`` keys follow their entries (to the new key, or to the duplicated entry's).
- **Where.** New entries are appended to ``imported.bib`` beside the first bibliography
  file (``bib/imported.bib`` here), or to ``--into FILE``, which the bibliography's patterns
  must match. Bytes already in the file stay as they are; no other file is written.
- **Fields.** Every field is written from the export's raw text, in its order and in the
  layout of ``core/exports.to_bibtex``, so BibLaTeX fields (``date``, ``journaltitle``,
  extended names) survive as written, except: ``file`` (paths into one person's Zotero
  storage) is left out; notes become the annotation; ``keywords`` become tags.
- **Tags.** Each Zotero tag (``keywords``) naming a tenet, focus area or level by its id,
  label or alias in the vocabulary (case and punctuation ignored) goes to ``tenets``,
  ``focus`` or ``levels``; the tags that name nothing stay in ``keywords`` as written, and
  the plan lists them.
- **Notes.** Zotero's notes (``annote`` fields, joined by the loader, or ``annotation``) are
  HTML: decoded from LaTeX by the loader, then reduced to plain text with the standard
  library's ``html.parser`` (``text.py``: entities decoded, a blank line between paragraphs,
  scripts dropped), then written back as a BibTeX value the loader decodes to that text.
- **TODO markers.** What the knowledge base still needs is written as the placeholder
  ``TODO``: ``annotation = {TODO}`` (``equity-kb check``: ``missing_annotation``),
  ``tenets = {TODO}`` (``unknown_tenet``), and each missing core field of the entry type,
  ``year = {TODO}`` (``bad_year``) or e.g. ``publisher = {TODO}``. Focus areas and levels
  are optional and left out when no tag names one.
- **Provenance.** "Imported from the export FILE with equity-kb import on DATE." (the
  export's file name and today's date, nothing more), after the export's own provenance
  if it has one.
"""

from __future__ import annotations

from .duplicates import BY_DOI, BY_KEY, BY_WORK
from .plan import TODO, Duplicate, ExportError, ImportPlan, NewEntry, plan_import, write_plan
from .target import default_target, in_bibliography

__all__ = [
    "BY_DOI",
    "BY_KEY",
    "BY_WORK",
    "TODO",
    "Duplicate",
    "ExportError",
    "ImportPlan",
    "NewEntry",
    "default_target",
    "in_bibliography",
    "plan_import",
    "write_plan",
]
