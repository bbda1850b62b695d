"""How fast the file system under a folder creates files: in a fresh folder, then again right
after deleting as many (what every cold run of bench_scale.py does, deleting the last output).

    python benchmarks/fs_create.py /tmp/fs-check --files 12000

On some file systems (ext4 without a journal checks each free inode it could reuse for a
recent deletion) the second pass is ten times slower: a cold build's figures there depend
on what was deleted before it, not on the generator alone (see README, bench_scale.py).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

PAGE = b"x" * 10_000
"""About a paper page's size."""


def create(folder: Path, count: int) -> tuple[float, float]:
    """Write `count` files into a new `folder`: (wall seconds, system CPU seconds)."""
    folder.mkdir(parents=True)
    started, before = time.perf_counter(), os.times()
    for number in range(count):
        (folder / f"page-{number}.html").write_bytes(PAGE)
    return time.perf_counter() - started, os.times().system - before.system


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="a folder to create (removed afterwards)")
    parser.add_argument("--files", type=int, default=12_000)
    args = parser.parse_args(argv)
    if args.folder.exists():
        print(f"error: {args.folder} exists; give a new folder", file=sys.stderr)
        return 2
    try:
        for label in ("fresh", "after deleting as many"):
            wall, system = create(args.folder / "files", args.files)
            print(
                f"{label}: {args.files:,} files in {wall:.2f} s ({system:.2f} s system CPU), "
                f"{wall / args.files * 1e6:.0f} µs a file",
                flush=True,
            )
            shutil.rmtree(args.folder / "files")
    finally:
        shutil.rmtree(args.folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
