"""RowStore: rows by key in one SQLite file, read whole, by key prefix or by keys."""

from __future__ import annotations

from pathlib import Path

from sitegen.build.rowstore import RowStore


def test_rows_are_read_by_prefix_and_by_key_under_their_stamp_only(tmp_path: Path) -> None:
    store = RowStore(tmp_path / "rows.sqlite")
    assert store.read("s1") is None and store.read_keys("s1", ["a"]) is None
    rows = {"f:a": b"1", "f:b": b"2", "f;": b"3", "g:a": b"4", "entries": b"5"}
    assert store.replace("s1", rows)
    assert store.read("s1") == rows
    assert store.read("s1", "f:") == {"f:a": b"1", "f:b": b"2"}
    assert store.read_keys("s1", ["entries", "g:a", "missing", "g:a"]) == {
        "entries": b"5",
        "g:a": b"4",
    }
    assert store.read_keys("s1", []) == {}
    assert store.read("s2", "f:") is None and store.read_keys("s2", ["f:a"]) is None
    (tmp_path / "rows.sqlite").write_bytes(b"not a database" * 100)
    assert store.read("s1", "f:") is None and store.read_keys("s1", ["f:a"]) is None
