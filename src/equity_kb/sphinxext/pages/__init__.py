"""The pages and listings: directives, tag pages, paged listings, the gap map, an entry's
header and evidence box, what's new and its feed, retired IDs and the 404 page."""
