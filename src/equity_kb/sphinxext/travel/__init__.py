"""What leaves the site with a reader: printed cards and meeting packs, Zotero's metadata,
link previews in chats."""
