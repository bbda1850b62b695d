"""Papers as files: models, front matter, reading and writing, Markdown, wikilinks, topics, TeX."""
