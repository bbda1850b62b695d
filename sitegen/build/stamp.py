"""Skip a build whose inputs have not changed since the last one into the same folder.

The stamp covers every file a build reads (papers, templates, static files, site.toml,
and sitegen's own code) by name, size and modification time. It is checked before
anything heavy is imported, so an unchanged site "builds" in a blink.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from sitegen.config import cache_folder
from sitegen.fingerprint import add_file_stamps, code_fingerprint
from sitegen.fsutil import atomic_write_bytes, leaves_site
from sitegen.output.writer import MANIFEST, leftovers, present_files
from sitegen.theme import theme_dir

STAMP_FILE = "last-build.json"


@dataclass(frozen=True, slots=True)
class BuildSummary:
    """What the last build made, repeated when it is skipped."""

    out: str
    stamp: str
    papers: int
    tags: int
    pages: int
    warnings: list[str]
    output: str = ""
    """Fingerprint of the output as that build left it (see output_fingerprint)."""
    notes: list[str] = field(default_factory=list)
    """The summary line's remarks (e.g. no base_url yet)."""


def input_stamp(site_root: Path, out: Path, stats: dict[str, os.stat_result] | None = None) -> str:
    """Fingerprint of every input of a build into `out` (a resolved path); the stat of each
    file it covers goes into `stats`, if given, by path (see PaperCache)."""
    digest = hashlib.blake2b(str(out).encode(), digest_size=20)
    # A site folder linked out of the site is not read (`static -> /` is not walked).
    own = [site_root / name for name in ("content", "templates", "static")]
    folders = [f for f in own if leaves_site(f, site_root) is None]
    for folder in dict.fromkeys([*folders, theme_dir() / "templates", theme_dir() / "static"]):
        add_file_stamps(digest, folder, stats, inside=site_root)
    digest.update(code_fingerprint().encode())
    config = site_root / "site.toml"
    if config.is_file():
        digest.update(config.read_bytes())
    return digest.hexdigest()


def output_fingerprint(out: Path) -> str | None:
    """Fingerprint of the output folder as a build sees it: its manifest, every file it lists
    being there. None when the output is missing or damaged, lacks a file it lists, or a
    killed build left its staging folder beside it. The files' bytes and times are not
    looked at: a build keeps the files the manifest lists without reading them (see
    OutputWriter.has), so one changed by hand is left as it is whether or not the build
    runs (stat-ing every file cost each build ~60 ms at 10,000 papers, a listing ~15)."""
    try:
        manifest = (out / MANIFEST).read_bytes()
        written = json.loads(manifest)
    except (OSError, ValueError):
        return None
    if not isinstance(written, dict) or not written.keys() <= present_files(out):
        return None  # e.g. someone removed an output file: build again
    if leftovers(out):
        return None  # a killed build's: the next one clears them
    return _manifest_digest(manifest)


def _manifest_digest(manifest: bytes) -> str:
    return hashlib.blake2b(manifest, digest_size=20).hexdigest()


def unchanged_build(site_root: Path, out: Path, stamp: str) -> BuildSummary | None:
    """The last build's summary if its inputs equal `stamp` and its output (`out`, a
    resolved path) is untouched."""
    try:
        data = json.loads((cache_folder(site_root) / STAMP_FILE).read_text(encoding="utf-8"))
        summary = BuildSummary(**data)
    except (OSError, ValueError, TypeError):
        return None
    if summary.stamp != stamp or summary.out != str(out) or not summary.output:
        return None
    return summary if output_fingerprint(out) == summary.output else None


def record_build(site_root: Path, summary: BuildSummary) -> None:
    """Remember a successful build (a cache: failing to write it only costs time). Its
    output's fingerprint is its manifest's digest: the build just wrote every file the
    manifest lists, and the next build checks they are all still there (output_fingerprint)
    before it skips, so listing the output here too would only cost time."""
    with contextlib.suppress(OSError):
        manifest = (Path(summary.out) / MANIFEST).read_bytes()
        summary = replace(summary, output=_manifest_digest(manifest))
    with contextlib.suppress(OSError):
        data = json.dumps(asdict(summary)).encode()
        atomic_write_bytes(cache_folder(site_root) / STAMP_FILE, data, durable=False)
