"""Write a rendered site so the output folder is one whole build: the last one or the new one.

The files whose bytes changed are staged in a sibling staging folder, and committed in one
go: into a missing output folder by one rename of the staging folder, into an existing one
file by file through a journal (see `journal`), so a build that changes a few files of a big
site touches only those. A failed build leaves the last good output untouched; a killed one
leaves it untouched or, if it was killed while committing, a mix that the next build first
finishes into the whole new output (no fsync: the page cache outlives a killed process, and
an output folder is rebuilt, not restored, after a power cut). Files sitegen did not write
survive; a build that changes nothing touches nothing.

Outside the output folder sitegen only ever makes (and removes) its hidden sibling
`.<out>.sitegen-staging`, and removes a `.<out>.sitegen-old` that an older sitegen left. It
removes one only if it holds sitegen's manifest (or nothing), and first moves any file it
does not list into the output, so a file the user dropped there is kept too.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import shutil
import stat
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sitegen.errors import BuildLockedError, SiteError, UsageError
from sitegen.fsutil import atomic_write_bytes
from sitegen.output import journal
from sitegen.output.journal import MANIFEST as MANIFEST
from sitegen.output.journal import all_safe_relative, folder_inside, remove_empty_parents
from sitegen.output.journal import is_safe_relative as is_safe_relative

PARTIAL = ".sitegen-partial"
"""In a staging folder still being filled: every file in it is the build's own."""
LOCK_WAIT_SECONDS = 30.0
"""How long a build waits for another build of the same output before giving up."""
INPUT_FOLDERS = ("content", "templates", "static")
"""The site's folders a build reads; no output folder may be inside one."""


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
    """The bytes, still to be written (in place only; otherwise they are staged at once)."""


class OutputWriter:
    """One build's output, file by file, so a build never holds every page in memory.

    By default changed files go into a sibling staging folder that `finish` commits (unchanged
    ones stay where they are); `abort` throws it away, leaving the last good output.
    `in_place` (for `serve`, where a rebuild must be quick) keeps changed bytes until `finish`
    replaces just those files, each atomically. `stage` may run in a forked worker process:
    it only touches the staging folder, and its result is `record`ed here.
    """

    def __init__(self, out: Path, *, in_place: bool = False) -> None:
        _recover(out)
        self.out = out
        self.in_place = in_place and out.is_dir()
        self.old = read_manifest(out)
        self._present: set[str] | None = None
        """The output's files as the build began (None in place: the manifest is trusted)."""
        # In place, the manifest is trusted and other files are simply left alone: a
        # rebuild of `serve` must not look at the whole output folder.
        self.foreign: list[str] = []
        if not self.in_place:
            self._present, self.foreign = _survey(out, self.old)
        self._foreign = set(self.foreign)
        self._foreign_folders = {
            f.rsplit("/", n)[0] for f in self.foreign for n in range(1, f.count("/") + 1)
        }
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
        """Whether the output already holds `path` with bytes of this digest (the manifest
        says so, and the file was there when the build began: one deleted by hand is
        written again)."""
        return self.old.get(path) == digest and (self._present is None or path in self._present)

    def held(self, path: str, digest: str) -> bytes | None:
        """The bytes of the output's `path`, if it holds them with this digest (as `has`
        says, and as read now); None otherwise. A link on the way is not followed: the
        output's files are sitegen's own, never the way to another."""
        if not self.has(path, digest) or not is_safe_relative(path):
            return None
        real_out = os.path.realpath(self.out)
        if not folder_inside(self.out, real_out, path):
            return None
        try:
            flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK  # a pipe there: no wait
            with open(os.open(os.path.join(real_out, path), flags), "rb") as file:
                if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                    return None
                data = file.read()
        except OSError:
            return None
        return data if file_digest(data) == digest else None

    def stage(self, path: str, data: bytes, digest: str | None = None) -> Staged:
        """Write one changed file into the staging folder (or keep it, when unchanged);
        `digest`: the data's (`file_digest`), when known already."""
        if not is_safe_relative(path):  # slugs are made safe upstream; the last defence
            raise SiteError(f"refusing to write {path!r}: it would not be inside {self.out}")
        digest = digest or file_digest(data)
        changed = not self.has(path, digest)
        if self.in_place:
            return Staged(path, digest, changed, data if changed else None)
        if changed:
            with open(self._staged_path(path), "wb") as file:
                file.write(data)
        return Staged(path, digest, changed)

    def record(self, staged: Staged) -> None:
        """Count a staged file as part of this build."""
        blocker = self._foreign_in_way(staged.path, staged.changed)
        if blocker is not None:
            there = "there" if blocker == staged.path else f"at {self.out / staged.path}"
            raise UsageError(
                f"{self.out / blocker} was not written by sitegen, and the build writes a "
                f"page {there}: move it away (sitegen never replaces files it did not write)"
            )
        self._add(staged.path, staged.digest)
        if staged.changed:
            self._changed.append(staged.path)
            if staged.data is not None:
                self._pending[staged.path] = staged.data

    def _add(self, path: str, digest: str) -> None:
        if path in self.hashes:
            raise SiteError(f"two files of one build write {path}")
        self.hashes[path] = digest

    def _foreign_in_way(self, path: str, changed: bool) -> str | None:
        """A file sitegen did not write that is at `path`, or (when `path` gets new bytes)
        is a folder of it or inside the folder `path` would be: any stops `path` from
        being written."""
        if path in self._foreign:
            return path
        if not changed or not self.foreign:
            return None
        parts = path.split("/")
        folders = ("/".join(parts[:n]) for n in range(1, len(parts)))
        blocker = next((f for f in folders if f in self._foreign), None)
        if blocker is None and path in self._foreign_folders:
            blocker = next(f for f in self.foreign if f.startswith(f"{path}/"))
        return blocker

    def put(self, path: str, data: bytes) -> None:
        self.record(self.stage(path, data))

    def keep(self, path: str, digest: str) -> None:
        """`path` is unchanged (see `has`, so it is sitegen's): keep the output's file."""
        self._add(path, digest)

    def _staged_path(self, path: str) -> str:
        """Where `path` goes in the staging folder, whose parent folders now exist."""
        folder, _, _ = path.rpartition("/")
        if folder not in self._folders:
            (self._staging / folder).mkdir(parents=True, exist_ok=True)
            self._folders.add(folder)
        return f"{self._staging}/{path}"

    def finish(self) -> WriteReport:
        """Make the output hold exactly the recorded files (plus any foreign files)."""
        present = self.old.keys() if self._present is None else self._present
        removed = [p for p in self.old if p not in self.hashes and p in present]
        changed = self._changed
        report = WriteReport(
            len(changed),
            len(self.hashes) - len(changed),
            len(removed),
            self.foreign,
            (*changed, *removed),
        )
        # A file deleted by hand that is no longer built only changes the manifest.
        if not changed and not removed and self.hashes == self.old and self.out.is_dir():
            self.abort()
            return report
        if self.in_place:
            _update_in_place(self.out, self._pending, changed, removed, self.hashes)
            return report
        if not self.out.exists():  # the first build: its staging folder is all of it
            (self._staging / MANIFEST).write_bytes(journal.manifest_bytes(self.hashes))
            (self._staging / PARTIAL).unlink()
            os.rename(self._staging, self.out)
            return report
        replace = [p for p in changed if p in self.old]
        create = [p for p in changed if p not in self.old]
        plan = journal.Plan(tuple(replace), tuple(create), tuple(removed))
        blocked = journal.commit(self._staging, self.out, plan, self.hashes)
        _clear_staging(self._staging, self.out)
        return _with_blocked(report, blocked)

    def abort(self) -> None:
        """Discard what was staged: the output stays as the last build left it (or, if the
        commit had begun, becomes the whole new one)."""
        if not self.in_place:
            journal.resume(self._staging, self.out)
            _clear_staging(self._staging, self.out)


def _with_blocked(report: WriteReport, blocked: list[str]) -> WriteReport:
    """`report` with the paths a user's file kept sitegen from writing as foreign files."""
    if not blocked:
        return report
    return dataclasses.replace(report, foreign=sorted({*report.foreign, *blocked}))


def write_one(out: Path, path: str, data: bytes) -> str:
    """Replace one output file in place; returns the digest of `data`. Call `record_written`
    next (the manifest must not say a file holds bytes it does not)."""
    atomic_write_bytes(out / path, data)
    return file_digest(data)


def record_written(out: Path, digests: Mapping[str, str]) -> None:
    """Record files replaced by `write_one` in the manifest, so the next write sees them done."""
    manifest = read_manifest(out)
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
        remove_empty_parents(out, (out / path).parent)
    _write_manifest(out, hashes)


def _write_manifest(folder: Path, hashes: Mapping[str, str]) -> None:
    atomic_write_bytes(folder / MANIFEST, journal.manifest_bytes(hashes))


def _staging_of(out: Path) -> Path:
    return out.parent / f".{out.name}.sitegen-staging"


def _backup_of(out: Path) -> Path:
    return out.parent / f".{out.name}.sitegen-old"


def file_digest(data: bytes) -> str:
    """The digest the manifest records of a file's bytes."""
    return hashlib.sha1(data).hexdigest()


def read_manifest(out: Path) -> dict[str, str]:
    """The files a build wrote into `out`; entries that would lead outside it are ignored."""
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    if all_safe_relative(data.keys()):
        return {k: str(v) for k, v in data.items()}  # json keys are str
    return {k: str(v) for k, v in data.items() if is_safe_relative(k)}


def _survey(out: Path, owned: Mapping[str, str]) -> tuple[set[str], list[str]]:
    """The files in `out` (a link to a folder is not one), and those sitegen did not write:
    any file, symlink or link to a folder it does not list."""
    present: set[str] = set()
    foreign: list[str] = []
    if not out.is_dir():
        return present, foreign
    for rel, kind in _walk(out):
        if kind == "file":
            present.add(rel)
        if kind != "empty" and rel not in owned and rel != MANIFEST:
            foreign.append(rel)
    return present, sorted(foreign)


def leftovers(out: Path) -> bool:
    """Whether a build killed while writing left its staging folder beside `out` (or an
    older sitegen its backup): the next build's writer clears them (see `_recover`)."""
    return any(p.exists() or p.is_symlink() for p in (_staging_of(out), _backup_of(out)))


def present_files(out: Path) -> set[str]:
    """The files in `out` by path relative to it, as a build finds them (`OutputWriter.has`):
    a link to a folder is not one."""
    return {rel for rel, kind in _walk(out) if kind == "file"}


def _walk(folder: Path) -> Iterator[tuple[str, str]]:
    """(path relative to `folder`, kind) of each file ("file", also a symlink to one),
    symlink to a folder ("link", not followed) and empty folder ("empty") under `folder`."""
    todo = [(os.fspath(folder), "")]
    while todo:
        path, prefix = todo.pop()
        empty = True
        try:
            entries = os.scandir(path)
        except OSError:
            continue  # unreadable: skipped, as os.walk does
        with entries:
            for entry in entries:
                empty = False
                if not entry.is_dir():
                    yield prefix + entry.name, "file"
                elif entry.is_symlink():
                    yield prefix + entry.name, "link"
                else:
                    todo.append((entry.path, f"{prefix}{entry.name}/"))
        if empty and prefix:
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
    owned = read_manifest(folder)
    for rel, _ in sorted(_walk(folder)):
        if rel in (MANIFEST, PARTIAL) or rel in owned:
            continue
        if (out / rel).exists() or (out / rel).is_symlink():
            continue
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        os.rename(folder / rel, out / rel)


def _recover(out: Path) -> None:
    """Finish the commit of a build killed while committing, and put back an output that an
    older sitegen, killed between the two renames of its folder swap, took away."""
    staging = _staging_of(out)
    if staging.is_dir() and not staging.is_symlink() and (staging / MANIFEST).is_file():
        journal.resume(staging, out)
    backup = _backup_of(out)
    if not out.exists() and backup.is_dir() and (backup / MANIFEST).is_file():
        os.rename(backup, out)
