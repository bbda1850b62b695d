"""The theme's listing items kept between runs (see `Renderer._stock_item`), in one file per
output folder: a pickle of every item, then a pickle of the items each later run added,
appended. A tag edit adds an item or two to 10,000: it appends them (a few KB), where
writing the whole file again (11 MB) cost the run ~30 ms. Each pickle says what its items
were rendered under; a run reads those of its own context, up to the first damaged or cut
one (a run killed while appending), and starts the file afresh when it holds too many.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Callable, Iterable
from pathlib import Path

from sitegen.fsutil import atomic_write_bytes


class KeptItems:
    """Listing key -> the theme's item of a paper with that key (see `Renderer._stock_item`),
    as this or an earlier run rendered it under one context (the pages' and the item
    template's)."""

    def __init__(self, file: Path | None) -> None:
        self.file = file
        self.context = ""
        self._items: dict[str, str] | None = None
        """None: not read yet under `context`."""
        self._added: dict[str, str] = {}
        """The items rendered since the file was read or written."""
        self._in_file = False
        """Whether the file holds `_items` but `_added`, under `context`."""

    def use(self, context: str) -> None:
        """Keep the items of `context` from now on (those of another are forgotten)."""
        if context != self.context:
            self.context, self._items, self._added = context, None, {}

    def items(self) -> dict[str, str]:
        """The items kept, read once a process (and only by a run that renders a listing)."""
        if self._items is None:
            self._items, self._in_file = self._read()
        return self._items

    def add(self, key: str, html: str) -> None:
        self.items()[key] = html
        self._added[key] = html

    def take_added(self) -> dict[str, str]:
        """The items added since the file was read or written, no longer to be saved here
        (a forked worker's, which the build's process adds to its own)."""
        added, self._added = self._added, {}
        return added

    def save(self, papers: int, listed: Callable[[], Iterable[str]]) -> None:
        """Keep the items added in the file (a cache: failing only costs time). Once it holds
        over twice as many as the `papers` (now and then, not every retag: `listed`, the
        listing keys of the papers of the last render, cost ~70 ms at 10,000 papers), it
        is started afresh with theirs alone."""
        items = self._items
        if self.file is None or items is None or not self._added:
            return
        added, self._added = self._added, {}
        try:
            if len(items) > 2 * papers + 100:
                self._items = items = {key: items[key] for key in listed() if key in items}
            elif self._in_file:
                with open(self.file, "ab") as file:
                    file.write(self._pickled(added))
                return
            self._in_file = False
            atomic_write_bytes(self.file, self._pickled(items), durable=False)
            self._in_file = True
        except (OSError, pickle.PicklingError):
            self._in_file = False

    def _pickled(self, items: dict[str, str]) -> bytes:
        return pickle.dumps({"context": self.context, "items": items}, pickle.HIGHEST_PROTOCOL)

    def _read(self) -> tuple[dict[str, str], bool]:
        """The items of this context the file holds, and whether it is this context's (its
        first pickle is): none if unknown."""
        try:
            data = self.file.read_bytes() if self.file is not None else b""
        except OSError:
            return {}, False
        found: dict[str, str] = {}
        ours = False
        stream = io.BytesIO(data)
        while stream.tell() < len(data):
            try:
                chunk = pickle.load(stream)
                items = chunk["items"] if chunk["context"] == self.context else None
                if items is not None:
                    if not all(type(text) is str for text in (*items, *items.values())):
                        raise TypeError("an item or its key is not text")
                    found.update(items)
            except Exception:  # damaged or cut short: neither it nor what follows is trusted
                return found, False  # (and the file is written afresh, not appended to)
            if items is None and not ours:
                return {}, False  # another context's file: started afresh
            ours = True
        return found, ours
