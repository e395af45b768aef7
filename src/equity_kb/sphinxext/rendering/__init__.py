"""How content becomes output: the website's HTML (templates) or a book's docutils nodes,
with links from the builder; generated pages written only when they change."""
