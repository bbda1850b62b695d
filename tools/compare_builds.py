"""Build the repo's own site at two commits and compare every output file.

    python tools/compare_builds.py OLD [NEW]      (NEW defaults to the work tree)

Each commit is checked out into a temporary git worktree and built with its own code
(`python -m sitegen build`, PYTHONPATH pointing at that worktree), cold (no cache), into
its own folder. Prints the files only one build has and the files whose bytes differ.
Exits 1 when the builds differ.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def build_at(commit: str | None, workdir: Path, name: str) -> Path:
    """The output folder of a cold build of the repo site at `commit` (None: work tree)."""
    if commit is None:
        source = workdir / f"{name}-src"
        subprocess.run(["cp", "-r", str(REPO), str(source)], check=True)
        subprocess.run(["rm", "-rf", str(source / ".sitegen-cache"), str(source / "_site")])
    else:
        source = workdir / f"{name}-src"
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "-q", "--detach", str(source), commit],
            check=True,
        )
    out = workdir / name
    env = {**os.environ, "PYTHONPATH": str(source)}
    subprocess.run(
        [sys.executable, "-m", "sitegen", "build", "--site", str(source), "--out", str(out)],
        check=True,
        env=env,
        cwd=source,
        stdout=subprocess.DEVNULL,
    )
    return out


def files_of(folder: Path) -> set[str]:
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(".sitegen")
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old")
    parser.add_argument("new", nargs="?")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        try:
            old = build_at(args.old, work, "old")
            new = build_at(args.new, work, "new")
            old_files, new_files = files_of(old), files_of(new)
            differ = sorted(
                path
                for path in old_files & new_files
                if not filecmp.cmp(old / path, new / path, shallow=False)
            )
            for path in sorted(old_files - new_files):
                print(f"only in {args.old}: {path}")
            for path in sorted(new_files - old_files):
                print(f"only in {args.new or 'work tree'}: {path}")
            for path in differ:
                print(f"differs: {path}")
            same = len(old_files & new_files) - len(differ)
            print(f"{same} of {len(old_files | new_files)} files byte-identical")
            return 1 if differ or old_files != new_files else 0
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "prune"], check=False)


if __name__ == "__main__":
    sys.exit(main())
