"""Rows of bytes by key in one SQLite file, stamped with the code that wrote them.

A build reads every row and writes back only the rows that changed, in one transaction, so
an edit of one paper costs one row, not the whole file (SQLite keeps the file whole through
a crash, and two processes writing at once each see the other's rows). A cache: a file that
is missing, damaged or stamped by other code reads as nothing, and failing to write only
costs time.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

_DAMAGED = (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT)
"""Errors of a file that is not a database, or a damaged one: it is started afresh."""
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS stamp (stamp TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS rows (key TEXT PRIMARY KEY, value BLOB NOT NULL)",
)


class RowStore:
    """One SQLite file of rows: read all of them, update a few or replace them all."""

    def __init__(self, file: Path) -> None:
        self.file = file

    def read(self, stamp: str, prefix: str = "") -> dict[str, bytes] | None:
        """Every row (whose key starts with `prefix`); None if the file is missing, damaged
        or written under another stamp."""
        if not prefix:
            return self._select(stamp, "SELECT key, value FROM rows", ())
        # Keys from the prefix up to the next prefix: a range of the primary key's index.
        end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        query = "SELECT key, value FROM rows WHERE key >= ? AND key < ?"
        return self._select(stamp, query, (prefix, end))

    def read_keys(self, stamp: str, keys: Iterable[str]) -> dict[str, bytes] | None:
        """The rows of `keys` that the file holds; None as for `read`."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        # One query: the keys as a JSON array, read by SQLite's json_each.
        query = "SELECT key, value FROM rows WHERE key IN (SELECT value FROM json_each(?))"
        return self._select(stamp, query, (json.dumps(wanted),))

    def _select(self, stamp: str, query: str, args: tuple[str, ...]) -> dict[str, bytes] | None:
        if not self.file.is_file():  # connecting would create it
            return None
        try:
            with self._transaction("BEGIN") as db:
                if _stamp(db) != stamp:
                    return None
                return dict(db.execute(query, args))
        except sqlite3.Error:
            return None

    def update(self, stamp: str, rows: Mapping[str, bytes], removed: Iterable[str]) -> bool:
        """Write `rows` and delete the `removed` keys; False (nothing written) unless the
        file holds rows of this stamp."""
        try:
            with self._transaction("BEGIN IMMEDIATE") as db:
                if _stamp(db) != stamp:
                    return False
                db.executemany("DELETE FROM rows WHERE key = ?", ((key,) for key in removed))
                db.executemany("INSERT OR REPLACE INTO rows VALUES (?, ?)", rows.items())
        except (sqlite3.Error, OSError):
            return False
        return True

    def replace(self, stamp: str, rows: Mapping[str, bytes]) -> bool:
        """Make `rows` the only rows of the file, stamped `stamp`; a damaged file is
        started afresh."""
        for attempt in range(2):
            try:
                self.file.parent.mkdir(parents=True, exist_ok=True)
                with self._transaction("BEGIN IMMEDIATE") as db:
                    for statement in _SCHEMA:
                        db.execute(statement)
                    db.execute("DELETE FROM stamp")
                    db.execute("INSERT INTO stamp VALUES (?)", (stamp,))
                    db.execute("DELETE FROM rows")
                    db.executemany("INSERT INTO rows VALUES (?, ?)", rows.items())
                return True
            except sqlite3.Error as err:
                if attempt or err.sqlite_errorcode not in _DAMAGED:  # e.g. locked: let be
                    return False
                with contextlib.suppress(OSError):
                    self.file.unlink()
            except OSError:
                return False
        return False

    @contextlib.contextmanager
    def _transaction(self, begin: str) -> Iterator[sqlite3.Connection]:
        """A connection inside one transaction: committed if the block ends normally
        (also by `return`), rolled back on an exception."""
        db = sqlite3.connect(self.file, isolation_level=None)
        try:
            # No fsync: a killed build still leaves the file whole (the rollback journal is
            # written all the same), and after a power cut a damaged cache is started afresh
            # (each fsync of an edit's commit cost 1-3 ms).
            db.execute("PRAGMA synchronous = OFF")
            db.execute(begin)
            try:
                yield db
            except BaseException:
                with contextlib.suppress(sqlite3.Error):  # SQLite may have rolled back
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()


def _stamp(db: sqlite3.Connection) -> str | None:
    try:
        row = db.execute("SELECT stamp FROM stamp").fetchone()
    except sqlite3.OperationalError:  # no such table: a new file
        return None
    return str(row[0]) if row is not None else None
