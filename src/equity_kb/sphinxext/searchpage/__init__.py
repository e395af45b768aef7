"""The search page: one search box, and both indexes written at the end of a build."""
