"""Jinja rendering of the site graph: page views, pages, feeds, meta tags, BibTeX export,
static files."""
