"""Fingerprints: of values (equal fingerprints, equal output), of files (by name, size and
modification time) and of sitegen's own code (caches made by other code are not trusted)."""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

from sitegen.fsutil import leaves_site, path_prefix
from sitegen.theme import PACKAGE_DIR


def digest(value: object) -> str:
    """Fingerprint of a value made of strings, numbers, dates, tuples and frozen dataclasses
    (their repr is stable and shows every field)."""
    return hashlib.blake2b(repr(value).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def add_file_stamps(
    hasher: hashlib.blake2b,
    folder: Path,
    stats: dict[str, os.stat_result] | None = None,
    inside: Path | None = None,
) -> None:
    """Each file under `folder`, by name, size and modification time; each file's stat is
    also put in `stats` by path, if given (for whoever reads the files next). Links to
    folders inside `inside` are followed (see file_stats), and its files are named from
    it: the stamp is the same whether the site is `.` or a path to it."""
    found = sorted(_files(folder, inside))
    prefix = path_prefix(inside) if inside is not None else ""
    lines = [
        f"{path.removeprefix(prefix)}\0{stat.st_size}\0{stat.st_mtime_ns}\n" for path, stat in found
    ]
    hasher.update("".join(lines).encode())  # one update, not one a file
    if stats is not None:
        stats.update(found)


def _files(folder: Path, inside: Path | None) -> list[tuple[str, os.stat_result]]:
    return file_stats(os.fspath(folder), skip=("__pycache__", "theme"), inside=inside)


def file_stats(
    folder: str, skip: tuple[str, ...] = (), inside: Path | None = None
) -> list[tuple[str, os.stat_result]]:
    """(path, stat) of each file under `folder` (as os.walk finds them: folders named in
    `skip` left out; a file gone meanwhile left out). A link to a folder is followed only if
    it stays inside the site folder `inside` (fsutil.leaves_site), each real folder once: a
    site's build reads its folders through links that stay inside it, so its stamp must
    see them. DirEntry paths and stats: os.walk plus a join and stat per file took 20%
    longer."""
    found = []
    folders = [folder]
    followed: set[str] = set()
    while folders:
        try:
            entries = os.scandir(folders.pop())
        except OSError:  # as os.walk: a folder that cannot be listed is passed over
            continue
        with entries:
            for entry in entries:
                if entry.is_dir():
                    if entry.name in skip:
                        continue
                    own = not entry.is_symlink()
                    if own or (inside is not None and _leads_inside(entry.path, inside, followed)):
                        folders.append(entry.path)
                    continue
                try:
                    found.append((entry.path, entry.stat()))
                except OSError:
                    continue
    return found


def _leads_inside(link: str, root: Path, followed: set[str]) -> bool:
    """Whether the folder `link` leads to stays inside the site `root` and was not followed
    yet (its real path is then noted as followed)."""
    real = os.path.realpath(link)
    if real in followed or leaves_site(Path(link), root) is not None:
        return False
    followed.add(real)
    return True


@functools.cache
def code_fingerprint() -> str:
    """Fingerprint of sitegen's own code: caches made by other code are not trusted."""
    hasher = hashlib.blake2b(digest_size=16)
    add_file_stamps(hasher, PACKAGE_DIR)
    return hasher.hexdigest()
