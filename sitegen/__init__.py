"""sitegen: a static site generator for a research-paper reading list."""

__version__ = "0.1.0"
