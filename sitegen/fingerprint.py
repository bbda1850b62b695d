"""Fingerprints: of values (equal fingerprints, equal output), of files (by name, size and
modification time) and of sitegen's own code (caches made by other code are not trusted)."""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

from sitegen.theme import PACKAGE_DIR


def digest(value: object) -> str:
    """Fingerprint of a value made of strings, numbers, dates, tuples and frozen dataclasses
    (their repr is stable and shows every field)."""
    return hashlib.blake2b(repr(value).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def add_file_stamps(
    hasher: hashlib.blake2b, folder: Path, stats: dict[str, os.stat_result] | None = None
) -> None:
    """Each file under `folder`, by name, size and modification time; each file's stat is
    also put in `stats` by path, if given (for whoever reads the files next)."""
    found = sorted(_files(folder))
    for path, stat in found:
        hasher.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    if stats is not None:
        stats.update(found)


def _files(folder: Path) -> list[tuple[str, os.stat_result]]:
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if d not in ("__pycache__", "theme")]
        for name in filenames:
            path = os.path.join(dirpath, name)
            try:
                found.append((path, os.stat(path)))
            except OSError:
                continue
    return found


@functools.cache
def code_fingerprint() -> str:
    """Fingerprint of sitegen's own code: caches made by other code are not trusted."""
    hasher = hashlib.blake2b(digest_size=16)
    add_file_stamps(hasher, PACKAGE_DIR)
    return hasher.hexdigest()
