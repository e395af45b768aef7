"""The bibliography and citations: references loaded and paged, the cite roles, reading
lists, citation previews, exports, and link checking of URLs and DOIs."""
