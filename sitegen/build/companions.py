"""Feeds, sitemap, robots.txt and BibTeX files that go with the pages, made in a side job of
the render. Each feed and BibTeX entry is kept in `.sitegen-cache/` between runs, so a build
after a few edits remakes only those that show an edited paper."""

from __future__ import annotations

import contextlib
import pickle
from collections.abc import Callable, Iterable
from pathlib import Path

from sitegen.config import SiteConfig
from sitegen.content.markdown import MarkdownTexts
from sitegen.content.models import Paper
from sitegen.fingerprint import code_fingerprint
from sitegen.fsutil import atomic_write_bytes
from sitegen.render.bibtex import EntryCache, bib_files
from sitegen.render.feeds import FeedCache, feed_files
from sitegen.site.graph import SiteGraph
from sitegen.urls import NOT_FOUND

CACHE_VERSION = "companions-v1"


class CompanionCache:
    """The feeds and BibTeX entries of the last build, read from and written to a file.

    The job runs in a forked worker, whose memory the builder never sees: the file carries
    the entries from one build to the next, in `serve` as in one-off builds."""

    def __init__(self, cache_file: Path | None, key_of: Callable[[Paper], object]) -> None:
        self._file = cache_file
        self.feeds = FeedCache(key_of)
        self.bib = EntryCache(key_of)

    def files(
        self, config: SiteConfig, graph: SiteGraph, texts: MarkdownTexts, pages: Iterable[str]
    ) -> dict[str, bytes]:
        """Feeds, sitemap, robots.txt and BibTeX files for `pages`, as a cold build makes them."""
        self._read()
        before = (self.feeds.kept().keys(), self.bib.kept().keys())
        listed = sorted(p for p in pages if p.endswith(".html") and p != NOT_FOUND)
        files = feed_files(config, graph, extra_pages=listed, texts=texts, cache=self.feeds)
        files.update(bib_files(graph.papers, graph.tags, self.bib))
        if before != (self.feeds.kept().keys(), self.bib.kept().keys()):
            self._write()
        return files

    def _read(self) -> None:
        # The cache is sitegen's own file inside the site's folder, as trusted as the site.
        if self._file is None:
            return
        try:
            version, code, feeds, entries = pickle.loads(self._file.read_bytes())
        except Exception:
            return
        if version == CACHE_VERSION and code == code_fingerprint():
            self.feeds.keep(feeds)
            self.bib.keep(entries)

    def _write(self) -> None:
        """A cache: failing to write it only costs time."""
        if self._file is None:
            return
        data = (CACHE_VERSION, code_fingerprint(), self.feeds.kept(), self.bib.kept())
        with contextlib.suppress(OSError, pickle.PicklingError):
            atomic_write_bytes(self._file, pickle.dumps(data, pickle.HIGHEST_PROTOCOL))
