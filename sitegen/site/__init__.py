"""The site graph built from the papers: tags, authors, links, neighbours, related papers,
and every output path."""
