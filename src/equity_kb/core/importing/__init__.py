"""``equity-kb import``: a Zotero export (Better BibTeX or Zotero's own BibTeX) or a
hand-kept ``.bib`` file merged into the bibliography. Nothing here prints;
``cli/importing.py`` shows the plan.

Every block of the export is accounted for, one item each (``plan.py``): a new entry, a
duplicate with its evidence, an entry skipped with its reason, or a block that is no entry
(@string, @preamble, @comment); entries = new + duplicates + skipped. Decisions, in the
order an entry meets them:

- **Blocks** (``blocks.py``): the export cut into blocks by bibtexparser, the loader's own
  parser, each found by its text (its line, where its key and crossref/xdata keys stand).
- **Keys** (``keys.py``), before anything else, so that the loader keeps every entry: as
  Better BibTeX makes them, the first entry with a key keeps it and later ones get key+a,
  b, ... z, aa, ...; taken are the bibliography's keys, keys kept before, and every key
  the export writes (case ignored, as in BibTeX). An entry with no key (Mendeley writes
  some) gets one from its first author and year (okafor2022). A crossref or xdata key
  that several entries of the export share names the nearest before the child, else the
  first after it (a note says which). Keys depend only on the export and the
  bibliography's keys, not on which entries turn out duplicates, so a rerun gives the
  same keys.
- **Reading** (``reading.py``): the export, with those keys, read by the loader after the
  bibliography's files (``load_bibliography``: names, dates, crossref and xdata parents,
  @string macros, repeated note fields joined), from a copy of the same name in a
  temporary folder; its problems are reported at their lines in the export, and an entry
  the parser cannot read never hides the rest. An entry with bytes that are not UTF-8
  (read as U+FFFD) is skipped: written, it would print the replacement character.
- **Duplicates** (``duplicates.py``), only with evidence: the same DOI (case, a
  ``https://doi.org/`` or ``doi:`` prefix ignored; a doi.org ``url`` when there is no
  ``doi``) and a matching title (the same, or one the other's main title); or the same
  title, year and first author's family name (case, accents, punctuation and LaTeX braces
  ignored) unless both give DOIs that differ; or the same type and every field (what a
  re-import of our own export is, even for an entry without title or year). The
  bibliography is checked first, then the entries this import adds. A duplicate is never
  written; the existing entry is never touched. What falls short of evidence is a note
  on the new entry: the same DOI with another title (the papers of a proceedings volume
  carry the volume's DOI), the same title, year and author with another DOI, the same key
  with nothing that differs.
- **Where** (``target.py``): new entries are appended to ``imported.bib`` beside the first
  bibliography file (``bib/imported.bib`` here), or to ``--into FILE``, which the
  bibliography's patterns must match. Bytes already in the file stay as they are.
- **Fields** (``fields.py``): every field as the loader gives its raw text (macros
  resolved), in its order, in the layout of ``core/exports.to_bibtex``, so BibLaTeX fields
  (``date``, ``journaltitle``, extended names) survive as written, except: ``file`` (paths
  into one person's Zotero storage) is left out; notes become the annotation; ``keywords``
  become tags; crossref and xdata keys follow their entries (to the new key, or to the
  key of the entry a duplicate is); a resolved xdata parent's fields are written in.
- **What is missing is left out.** A core field of the entry type that the export lacks,
  a value that is a placeholder (TODO, TBD, ...), an annotation or tenets that no note or
  tag gives: none is written, so no page or download can show a placeholder, and each is
  an error ``equity-kb check`` reports at the entry's line (``missing_field``,
  ``missing_annotation``, ``missing_tenets``), so a pull request cannot merge it silently.
- **Tags** (``tags.py``): each Zotero tag (``keywords``) naming a tenet, focus area or
  level by its id, label or alias in the vocabulary (case and punctuation ignored) goes to
  ``tenets``, ``focus`` or ``levels``; the tags that name nothing stay in ``keywords`` as
  written, and the plan lists them.
- **Notes** (``text.py``): Zotero's notes (``annote`` or ``annotation`` fields, one per
  note, joined by the loader) are HTML: decoded from LaTeX by the loader, reduced to plain
  text with the standard library's ``html.parser`` (entities decoded, a blank line between
  paragraphs, scripts dropped), then written back as a BibTeX value the loader decodes to
  that text.
- **Provenance.** "Imported from the export FILE with equity-kb import on DATE." (the
  export's file name and today's date), after the export's own provenance if it has one;
  but not on an entry that lacks a core field: a provenance tells ``check`` that the gap is
  known (a note instead of an error), which the import cannot know.
"""

from __future__ import annotations

from .plan import (
    Duplicate,
    ImportPlan,
    NewEntry,
    Note,
    OtherBlock,
    Place,
    Skipped,
    plan_import,
    write_plan,
)
from .reading import ExportError
from .target import default_target, in_bibliography

__all__ = [
    "Duplicate",
    "ExportError",
    "ImportPlan",
    "NewEntry",
    "Note",
    "OtherBlock",
    "Place",
    "Skipped",
    "default_target",
    "in_bibliography",
    "plan_import",
    "write_plan",
]
