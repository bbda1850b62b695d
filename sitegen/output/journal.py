"""Commit a build's few changed files into the output folder, through a journal.

The build staged only the files whose bytes changed, in the sibling staging folder. `commit`
writes the new manifest and the plan (a journal) there: once the journal is in place the
build is committed. It then removes the files that went away, moves each staged file in with
one rename, and replaces the manifest last. A build killed before the journal leaves the
output untouched; one killed after leaves a mix that the next run's `resume` finishes from
the journal, so the output is then the whole new one. Every step can be done twice: a step
already done is skipped, so a run killed while resuming is resumed again.

Nothing is written through a symlink that leads out of the output, and a new file never
replaces anything: a file the user made at that path meanwhile wins, and the path is left
out of the manifest (the next build reports it as not sitegen's).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from sitegen.fsutil import replace_unflushed

MANIFEST = ".sitegen-manifest.json"
JOURNAL = ".sitegen-commit.json"
"""In a staging folder: the plan of a commit under way (its presence means committed)."""
NEXT_MANIFEST = ".sitegen-manifest.next.json"
"""In a staging folder: the manifest the output gets when the commit is done."""
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True, slots=True)
class Plan:
    """What a commit changes in the output folder, path by path."""

    replace: tuple[str, ...]
    """Files of the last build that get new bytes."""
    create: tuple[str, ...]
    """Files the output lacks: made without replacing anything."""
    remove: tuple[str, ...]
    """Files of the last build that the new one lacks."""


def is_safe_relative(path: str) -> bool:
    """A `/`-separated path that stays inside the folder it is joined to, on any system:
    no part of it empty, `.` or `..`, no backslash, NUL or drive letter."""
    wrapped = f"/{path}/"
    return not (
        "//" in wrapped
        or "/./" in wrapped
        or "/../" in wrapped
        or "\\" in path
        or "\x00" in path
        or _DRIVE.match(path)
    )


def all_safe_relative(paths: Collection[str]) -> bool:
    """Whether every one of `paths` is `is_safe_relative`: told of them all joined at once
    when none is unsafe (a manifest's 12,000 paths one by one took a build 11 ms)."""
    wrapped = "/" + "/\n/".join(paths) + "/"
    # Each path stands in `wrapped` between slashes, as `is_safe_relative` wraps it.
    if any(bad in wrapped for bad in ("//", "/./", "/../", "\\", "\x00", ":")):
        return all(map(is_safe_relative, paths))
    return True


def manifest_bytes(hashes: Mapping[str, str]) -> bytes:
    """The manifest's text: sorted, one entry a line (json's `indent=0`, by its C encoder)."""
    if not hashes:
        return b"{}"
    text = json.dumps(dict(sorted(hashes.items())), separators=(",\n", ": "))
    return f"{{\n{text[1:-1]}\n}}".encode()


def commit(staging: Path, out: Path, plan: Plan, hashes: Mapping[str, str]) -> list[str]:
    """Make `out` hold the staged build whose manifest is `hashes`; the paths left out
    because something not sitegen's was in their way."""
    (staging / NEXT_MANIFEST).write_bytes(manifest_bytes(hashes))
    data = {"replace": plan.replace, "create": plan.create, "remove": plan.remove}
    _write_whole(staging / JOURNAL, json.dumps(data).encode())  # the commit point
    return resume(staging, out)


def resume(staging: Path, out: Path) -> list[str]:
    """Finish the commit a journal in `staging` describes, if there is one; the paths left out
    (as `commit`). Afterwards `staging` holds no file the output needs."""
    plan = _read_journal(staging)
    next_manifest = staging / NEXT_MANIFEST
    if plan is None or not next_manifest.exists():
        return []  # none, or done up to the manifest
    blocked = _apply(staging, out, plan)
    if blocked:
        hashes = json.loads(next_manifest.read_bytes())
        for path in blocked:
            hashes.pop(path, None)
        _write_whole(next_manifest, manifest_bytes(hashes))
    replace_unflushed(next_manifest, out / MANIFEST)  # only sitegen reads it
    os.unlink(staging / JOURNAL)
    return blocked


def _write_whole(path: Path, data: bytes) -> None:
    """Write `path` so it is found whole or not at all (no fsync: see output.writer)."""
    temporary = path.with_name(f"{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _read_journal(staging: Path) -> Plan | None:
    """The journal's plan; None when there is none (or it is unreadable: the rename that
    puts it in place is atomic, so a damaged one was never the commit point)."""
    try:
        data = json.loads((staging / JOURNAL).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    lists = [data.get(key) for key in ("replace", "create", "remove")]
    return Plan(*(_safe_paths(listed) for listed in lists))


def _safe_paths(listed: object) -> tuple[str, ...]:
    """The paths of a journal's list that stay inside the output (none if it is no list)."""
    if not isinstance(listed, list):
        return ()
    return tuple(p for p in listed if isinstance(p, str) and is_safe_relative(p))


def _apply(staging: Path, out: Path, plan: Plan) -> list[str]:
    folders = _Folders(out)
    for path in plan.remove:  # first: a removed file may be in the way of a new folder
        if not folders.inside(path):
            continue
        _unlink_file(f"{out}/{path}")
        remove_empty_parents(out, (out / path).parent)
    blocked = []
    replaced = set(plan.replace)
    for path in (*plan.replace, *plan.create):
        source = f"{staging}/{path}"
        if not os.path.lexists(source):
            continue  # moved in by an earlier try
        if not (folders.ready(path) and _move_in(source, f"{out}/{path}", path in replaced)):
            blocked.append(path)
    return blocked


def _move_in(source: str, target: str, replace: bool) -> bool:
    """Put the staged file `source` at `target`; False if something is in the way.

    A file replaced is unlinked first, not renamed over: on ext4, a rename over a file
    writes the new one's data out on the spot (auto_da_alloc), which made the commit of a
    10,000-paper tag edit wait ~50 ms for 52 files (14 ms for papers.bib alone). The path
    is missing for that moment, as a commit's output is part old, part new: a build killed
    in between leaves the file staged, and `resume` puts it in."""
    try:
        if replace:
            _unlink_file(target)
        os.link(source, target)  # unlike a rename, never replaces what is there
    except FileExistsError:
        if not _same_file(source, target):
            return False  # made by the user meanwhile
    except (IsADirectoryError, NotADirectoryError):
        return False
    os.unlink(source)  # linked in by this or an earlier try
    return True


def _unlink_file(target: str) -> None:
    """Remove the file at `target` if there is one: a folder there stays (a file linked in
    next is refused by it)."""
    try:
        os.unlink(target)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        pass
    except PermissionError:
        if not os.path.isdir(target):  # macOS says EPERM of a folder
            raise


def _same_file(a: str, b: str) -> bool:
    try:
        first, second = os.lstat(a), os.lstat(b)
    except OSError:
        return False
    return (first.st_dev, first.st_ino) == (second.st_dev, second.st_ino)


class _Folders:
    """The output's folders, each looked at once: whether it is really inside the output
    (no symlink on the way out), and made if a file goes there."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.real = os.path.realpath(out)
        self.checked: dict[str, bool] = {"": True}
        self.made = {""}

    def inside(self, path: str) -> bool:
        """Whether the folder of `path` is inside the output."""
        folder = path.rpartition("/")[0]
        if folder not in self.checked:
            self.checked[folder] = folder_inside(self.out, self.real, path)
        return self.checked[folder]

    def ready(self, path: str) -> bool:
        """Whether a file can go at `path`: its folder is inside the output, and exists."""
        folder = path.rpartition("/")[0]
        if folder in self.made:
            return True
        if not self.inside(path):
            return False
        try:
            os.makedirs(f"{self.out}/{folder}", exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            return False  # a file where a folder goes
        self.made.add(folder)
        return True


def folder_inside(out: Path, real_out: str, path: str) -> bool:
    """Whether the folder of `path` really is inside the output `out` (whose real path is
    `real_out`): no symlink on the way out of it."""
    folder = path.rpartition("/")[0]
    return not folder or os.path.realpath(f"{out}/{folder}") == f"{real_out}/{folder}"


def remove_empty_parents(out: Path, folder: Path) -> None:
    """Remove `folder` and its parents up to `out`, as long as they are empty."""
    while folder != out and out in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
