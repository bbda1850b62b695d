"""Importers: source text -> candidate papers (daily_papers), then merged into content (merge)."""
