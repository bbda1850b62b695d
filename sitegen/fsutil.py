"""Small file-system helpers shared by the content writer and the output writer."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import unicodedata
from pathlib import Path

from sitegen.errors import ContentError, Problem

WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
)
"""Device names Windows refuses as file names, whatever the extension (`con.html` too)."""

EDITOR_TEMP_PREFIXES = (".", "#", "~")
"""Hidden files, Emacs lock and autosave files (`.#x`, `#x#`), Office lock files (`~$x`)."""
EDITOR_TEMP_SUFFIXES = ("~", ".swp", ".swx", ".swo", ".tmp", ".part", ".crdownload")
"""Backup, Vim swap, temporary and half-downloaded files."""


def is_editor_temp(name: str) -> bool:
    """Swap, backup and lock files editors leave beside the real ones: never site input."""
    return name.startswith(EDITOR_TEMP_PREFIXES) or name.endswith(EDITOR_TEMP_SUFFIXES)


def leaves_site(path: Path, root: Path) -> Path | None:
    """Where `path` really is when a symlink (it, or a folder on its way) leads out of the
    site folder `root`; None when it stays inside. The one rule for every input: sitegen
    never follows a link out of the site, so a cloned site cannot publish ~/.ssh/id_rsa."""
    real = Path(os.path.realpath(path))
    return None if real.is_relative_to(os.path.realpath(root)) else real


def path_prefix(folder: Path) -> str:
    """How the paths of the files in `folder` start, as text: `folder/`, or `""` for `.`
    (`Path("./x")` is `x`)."""
    return os.fspath(folder / "_")[:-1]


def skipped_link(path: Path, target: Path) -> Problem:
    """The warning for an input `leaves_site` kept out."""
    return Problem(path, None, f"symlink to {target} leaves the site, skipped")


def site_tree(folder: Path, root: Path) -> tuple[dict[str, Path], list[Problem]]:
    """Every regular file under `folder` by `/`-separated relative path (editor temp files
    left out), and a warning for each symlink not followed because it leaves `root`.
    Links inside the site are followed, each real folder once (a link loop ends)."""
    files: dict[str, Path] = {}
    problems: list[Problem] = []
    outside = leaves_site(folder, root)
    if outside is not None:
        return files, [skipped_link(folder, outside)]
    seen: set[str] = set()
    todo = [(folder, "")]
    while todo:
        current, prefix = todo.pop()
        if not current.is_dir() or os.path.realpath(current) in seen:
            continue
        seen.add(os.path.realpath(current))
        for entry in os.scandir(current):
            path = Path(entry.path)
            if entry.is_symlink() and (outside := leaves_site(path, root)) is not None:
                problems.append(skipped_link(path, outside))
            elif entry.is_dir():
                todo.append((path, f"{prefix}{entry.name}/"))
            elif entry.is_file() and not is_editor_temp(entry.name):
                files[prefix + entry.name] = path
    return files, problems


MAX_INPUT_BYTES = 50 * 1024 * 1024
"""The largest file sitegen reads as input (a paper, a dump, a .bib): a reading list's files
are kilobytes, so a bigger one (`/dev/zero`, a disk image) is a mistake, not a paper."""
_CHUNK = 1 << 20


def read_bounded(path: Path, limit: int = MAX_INPUT_BYTES) -> bytes:
    """A file's bytes, read in chunks; ContentError naming the file if it holds more than
    `limit` bytes (devices and pipes included, which have no size to check first)."""
    chunks: list[bytes] = []
    size = 0
    with path.open("rb") as stream:
        while size <= limit:
            chunk = stream.read(min(_CHUNK, limit + 1 - size))
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            size += len(chunk)
    megabytes = limit // (1024 * 1024)
    raise ContentError.single(
        path, None, f"is larger than {megabytes} MB: not read (is it the right file?)"
    )


def safe_slug(slug: str, source: str, fallback: str) -> str:
    """`slug` made a file name every file system accepts, and never empty.

    A name that slugifies to nothing (emoji, symbols) gets `<fallback>-<hash>` from its
    case-folded NFKC form, so distinct names stay distinct and case or Unicode-form variants
    still meet (and are reported as a collision). A Windows device name gets a trailing `-`,
    which no slugify result has, so it cannot meet another slug.
    """
    if not slug:
        key = unicodedata.normalize("NFKC", source).casefold().encode("utf-8", "surrogatepass")
        return f"{fallback}-{hashlib.blake2b(key, digest_size=4).hexdigest()}"
    return f"{slug}-" if slug in WINDOWS_RESERVED else slug


def _write_temp(path: Path, data: bytes, durable: bool = True) -> str:
    """A fully written temporary file beside `path`, fsynced if `durable`; its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write `data` to `path` so readers see the old file or the new one, never a mix.

    Not `durable`: without the fsync (after a build, it waits for the disk to take every
    file the build wrote: a quarter of a second), for a cache, which after a power cut may
    then be found damaged, and is rebuilt."""
    tmp = _write_temp(path, data, durable)
    try:
        if durable:
            os.replace(tmp, path)
        else:
            replace_unflushed(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def replace_unflushed(source: str | Path, target: Path) -> None:
    """Move `source` to `target` without the flush a rename over a file costs: on ext4 that
    rename writes the new file's data out on the spot (auto_da_alloc; the search index's
    35 MB cache at 10,000 papers waited 27 ms), so the old file is unlinked first. For a
    file nothing waits on, such as a cache: a reader may find none for that moment."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(target)
    os.rename(source, target)


def atomic_create_bytes(path: Path, data: bytes) -> None:
    """Create `path` holding `data` whole; FileExistsError if it exists (it is left alone).

    A hard link, unlike a rename, refuses to replace: a file the user made meanwhile wins.
    """
    tmp = _write_temp(path, data)
    try:
        os.link(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
