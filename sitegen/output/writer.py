"""Write a rendered site so the output folder is always one whole build.

The new site is assembled in a sibling staging folder (unchanged files are hard-linked
from the current output, so this is cheap) and swapped in with one atomic rename.
A killed build leaves the previous complete output (no fsync: the page cache outlives
a killed process, and an output folder is rebuilt, not restored, after a power cut);
files sitegen did not write survive; a build that changes nothing touches nothing.

Outside the output folder sitegen only ever makes (and removes) its two hidden siblings,
`.<out>.sitegen-staging` and, where the system cannot swap folders atomically,
`.<out>.sitegen-old`. It removes one only if it holds sitegen's manifest (or nothing), and
first moves any file it does not list into the output, so a file the user dropped into the
output while a build ran is kept too.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sitegen.errors import BuildLockedError, SiteError, UsageError
from sitegen.fsutil import atomic_write_bytes

MANIFEST = ".sitegen-manifest.json"
PARTIAL = ".sitegen-partial"
"""In a staging folder still being filled: every file in it is the build's own."""
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
LOCK_WAIT_SECONDS = 30.0
"""How long a build waits for another build of the same output before giving up."""
INPUT_FOLDERS = ("content", "templates", "static")
"""The site's folders a build reads; no output folder may be inside one."""
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True, slots=True)
class WriteReport:
    """What a write changed in the output folder."""

    written: int
    """Files whose bytes are new."""
    unchanged: int
    """Files kept as they were."""
    removed: int
    """Files of an earlier build that no longer exist."""
    foreign: list[str] = field(default_factory=list)
    """Files in the output that sitegen did not write (kept, with a warning)."""
    changed_paths: tuple[str, ...] = ()
    """Paths written or removed by this write."""


def check_output_folder(out: Path, site_root: Path) -> None:
    """Refuse an output folder that holds or is the user's own files."""
    out, site = out.resolve(), site_root.resolve()
    if out == site or out in site.parents:
        raise UsageError(
            f"output folder {out} is the site folder or holds it: choose e.g. {site / '_site'}"
        )
    # A build inside an input folder would read itself back (static/static/...) or shadow
    # the theme (templates/index.html).
    for name in INPUT_FOLDERS:
        folder = (site / name).resolve()
        if out == folder or folder in out.parents or out in folder.parents:
            raise UsageError(
                f"output folder {out} is inside or holds {name}/: choose another --out"
            )
    if out.exists() and not out.is_dir():
        raise UsageError(f"output path {out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise UsageError(
            f"output folder {out} is not empty and was not written by sitegen: "
            "empty it or choose another --out (sitegen never deletes files it did not write)"
        )


@contextlib.contextmanager
def output_lock(out: Path, wait_seconds: float | None = None) -> Iterator[None]:
    """Hold an exclusive lock on the output folder's parent while building into it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out.parent, os.O_RDONLY)
    wait = LOCK_WAIT_SECONDS if wait_seconds is None else wait_seconds
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise BuildLockedError(
                        f"another sitegen build (or serve) has been writing {out} for "
                        f"{wait:.0f} s; try again when it is done"
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)


@dataclass(frozen=True, slots=True)
class Staged:
    """One file handed to an OutputWriter (possibly by a worker process)."""

    path: str
    digest: str
    """sha1 of its bytes, as the manifest records it."""
    changed: bool
    """Its bytes differ from what the output holds."""
    data: bytes | None = None
    """The bytes, still to be written (in place only; a swap writes them at once)."""


class OutputWriter:
    """One build's output, file by file, so a build never holds every page in memory.

    By default files go into a sibling staging folder (unchanged ones hard-linked from the
    current output) that `finish` swaps in whole; `abort` throws it away, leaving the last
    good output. `in_place` (for `serve`, where a rebuild must be quick) keeps changed bytes
    until `finish` replaces just those files, each atomically. `stage` may run in a forked
    worker process: it only touches the staging folder, and its result is `record`ed here.
    """

    def __init__(self, out: Path, *, in_place: bool = False) -> None:
        _recover(out)
        self.out = out
        self.in_place = in_place and out.is_dir()
        self.old = _read_manifest(out)
        # In place, the manifest is trusted and other files are simply left alone: a
        # rebuild of `serve` must not stat the whole output folder.
        self.foreign = [] if self.in_place else _foreign_files(out, self.old)
        self._foreign = set(self.foreign)
        self.hashes: dict[str, str] = {}
        self._changed: list[str] = []
        self._pending: dict[str, bytes] = {}
        self._staging = _staging_of(out)
        self._folders = {""}
        """Folders made in the staging folder so far (in this process)."""
        if not self.in_place:  # a killed build's leftovers go even when there is nothing to write
            _clear_staging(self._staging, out)
            _clear_staging(_backup_of(out), out)
            self._staging.mkdir(parents=True)
            # Marks the folder as sitegen's should this build be killed; PARTIAL says none
            # of its files is the user's (the manifest does not list them yet).
            (self._staging / MANIFEST).write_text("{}")
            (self._staging / PARTIAL).write_text("")

    def has(self, path: str, digest: str) -> bool:
        """Whether the output already holds `path` with bytes of this digest."""
        return self.old.get(path) == digest and (self.in_place or (self.out / path).is_file())

    def stage(self, path: str, data: bytes) -> Staged:
        """Write (or link, when unchanged) one file into the staging folder."""
        if not is_safe_relative(path):  # slugs are made safe upstream; the last defence
            raise SiteError(f"refusing to write {path!r}: it would not be inside {self.out}")
        digest = hashlib.sha1(data).hexdigest()
        changed = not self.has(path, digest)
        if self.in_place:
            return Staged(path, digest, changed, data if changed else None)
        target = self._staged_path(path)
        if changed:
            with open(target, "wb") as file:
                file.write(data)
        else:
            _link(f"{self.out}/{path}", target)
        return Staged(path, digest, changed)

    def record(self, staged: Staged) -> None:
        """Count a staged file as part of this build."""
        if staged.path in self._foreign:
            raise UsageError(
                f"{self.out / staged.path} was not written by sitegen, and the build writes a "
                "page there: move it away (sitegen never replaces files it did not write)"
            )
        if staged.path in self.hashes:
            raise SiteError(f"two files of one build write {staged.path}")
        self.hashes[staged.path] = staged.digest
        if staged.changed:
            self._changed.append(staged.path)
            if staged.data is not None:
                self._pending[staged.path] = staged.data

    def put(self, path: str, data: bytes) -> None:
        self.record(self.stage(path, data))

    def keep(self, path: str, digest: str) -> None:
        """`path` is unchanged (see `has`): keep the output's file."""
        if not self.in_place:
            _link(f"{self.out}/{path}", self._staged_path(path))
        self.record(Staged(path, digest, False))

    def _staged_path(self, path: str) -> str:
        """Where `path` goes in the staging folder, whose parent folders now exist."""
        folder, _, _ = path.rpartition("/")
        if folder not in self._folders:
            (self._staging / folder).mkdir(parents=True, exist_ok=True)
            self._folders.add(folder)
        return f"{self._staging}/{path}"

    def finish(self) -> WriteReport:
        """Make the output hold exactly the recorded files (plus any foreign files)."""
        removed = [
            p
            for p in self.old
            if p not in self.hashes and (self.in_place or (self.out / p).exists())
        ]
        changed = self._changed
        report = WriteReport(
            len(changed),
            len(self.hashes) - len(changed),
            len(removed),
            self.foreign,
            (*changed, *removed),
        )
        if not changed and not removed and self.out.is_dir():
            self.abort()
            return report
        if self.in_place:
            _update_in_place(self.out, self._pending, changed, removed, self.hashes)
            return report
        for path in self.foreign:
            (self._staging / path).parent.mkdir(parents=True, exist_ok=True)
            os.link(self.out / path, self._staging / path, follow_symlinks=False)
        _write_manifest(self._staging, self.hashes)
        (self._staging / PARTIAL).unlink()
        _swap_in(self._staging, self.out)
        return report

    def abort(self) -> None:
        """Discard what was staged: the output stays as the last build left it."""
        if not self.in_place:
            _clear_staging(self._staging, self.out)


def _link(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except FileExistsError:  # staged again after a worker died
        os.unlink(target)
        os.link(source, target)


def write_one(out: Path, path: str, data: bytes) -> str:
    """Replace one output file in place; returns the digest of `data`. Call `record_written`
    next (the manifest must not say a file holds bytes it does not)."""
    atomic_write_bytes(out / path, data)
    return hashlib.sha1(data).hexdigest()


def record_written(out: Path, digests: Mapping[str, str]) -> None:
    """Record files replaced by `write_one` in the manifest, so the next write sees them done."""
    manifest = _read_manifest(out)
    manifest.update(digests)
    _write_manifest(out, manifest)


def _update_in_place(
    out: Path,
    files: Mapping[str, bytes],
    changed: list[str],
    removed: list[str],
    hashes: Mapping[str, str],
) -> None:
    for path in changed:
        atomic_write_bytes(out / path, files[path])
    for path in removed:
        (out / path).unlink(missing_ok=True)
        _remove_empty_parents(out, (out / path).parent)
    _write_manifest(out, hashes)


def _write_manifest(folder: Path, hashes: Mapping[str, str]) -> None:
    atomic_write_bytes(folder / MANIFEST, json.dumps(hashes, sort_keys=True, indent=0).encode())


def _remove_empty_parents(out: Path, folder: Path) -> None:
    while folder != out and out in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _staging_of(out: Path) -> Path:
    return out.parent / f".{out.name}.sitegen-staging"


def _backup_of(out: Path) -> Path:
    return out.parent / f".{out.name}.sitegen-old"


def is_safe_relative(path: str) -> bool:
    """A `/`-separated path that stays inside the folder it is joined to, on any system."""
    parts = path.split("/")
    return (
        bool(path)
        and "\\" not in path
        and "\x00" not in path
        and not _DRIVE.match(path)
        and all(part not in ("", ".", "..") for part in parts)
    )


def _read_manifest(out: Path) -> dict[str, str]:
    """The files a build wrote into `out`; entries that would lead outside it are ignored."""
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): str(v) for k, v in data.items() if is_safe_relative(str(k))}


def _foreign_files(out: Path, owned: Mapping[str, str]) -> list[str]:
    if not out.is_dir():
        return []
    return sorted(
        rel for rel, kind in _walk(out) if kind != "empty" and rel != MANIFEST and rel not in owned
    )


def _walk(folder: Path) -> Iterator[tuple[str, str]]:
    """(path relative to `folder`, kind) of each file ("file"), symlink ("link", also to a
    folder, which is not followed) and empty folder ("empty") under `folder`."""
    root = os.fspath(folder)
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        for name in dirnames:
            if os.path.islink(os.path.join(dirpath, name)):
                yield prefix + name, "link"
        for name in filenames:
            yield prefix + name, "file"
        if prefix and not dirnames and not filenames:
            yield prefix[:-1], "empty"


def _clear_staging(staging: Path, out: Path) -> None:
    """Remove a sibling folder a killed or finished build left, keeping foreign files."""
    if not staging.exists() and not staging.is_symlink():
        return
    if staging.is_symlink() or not staging.is_dir():
        raise UsageError(f"{staging} is in the way of the build: remove it")
    if any(staging.iterdir()) and not (staging / MANIFEST).is_file():
        raise UsageError(f"{staging} was not made by sitegen and is in the way: move it")
    _rescue_foreign(staging, out)
    # The markers go last: a build killed while removing leaves a folder still marked.
    for child in staging.iterdir():
        if child.name in (MANIFEST, PARTIAL):
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    (staging / PARTIAL).unlink(missing_ok=True)
    (staging / MANIFEST).unlink(missing_ok=True)
    staging.rmdir()


def _rescue_foreign(folder: Path, out: Path) -> None:
    """Move into `out` each file of `folder` its manifest does not list and `out` lacks."""
    if (folder / PARTIAL).exists():
        return  # a killed build's half-filled staging: every file there is its own
    owned = _read_manifest(folder)
    for rel, _ in sorted(_walk(folder)):
        if rel in (MANIFEST, PARTIAL) or rel in owned:
            continue
        if (out / rel).exists() or (out / rel).is_symlink():
            continue
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        os.rename(folder / rel, out / rel)


def _recover(out: Path) -> None:
    """Put back the output a build killed between two renames took away (no renameat2)."""
    backup = _backup_of(out)
    if not out.exists() and backup.is_dir() and (backup / MANIFEST).is_file():
        os.rename(backup, out)


def _swap_in(staging: Path, out: Path) -> None:
    if not out.exists():
        os.rename(staging, out)
        return
    if not _exchange(staging, out):
        # No atomic exchange on this system: two renames, with a tiny window that
        # _recover closes on the next build.
        backup = _backup_of(out)
        _clear_staging(backup, out)
        os.rename(out, backup)
        os.rename(staging, out)
        staging = backup
    _clear_staging(staging, out)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))
