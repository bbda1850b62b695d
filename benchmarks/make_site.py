"""Write a synthetic site of N papers (content files + site.toml) for benchmarks.

python benchmarks/make_site.py 10000 /tmp/site-10k
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sitegen.content.models import Paper  # noqa: E402
from sitegen.content.papers import paper_to_text  # noqa: E402
from tests.synthetic import synthetic_papers  # noqa: E402


def make_site(count: int, folder: Path, papers: Sequence[Paper] | None = None) -> Path:
    """A fresh site folder holding `count` deterministic synthetic papers (or `papers`)."""
    if folder.exists():
        shutil.rmtree(folder)
    papers_dir = folder / "content" / "papers"
    papers_dir.mkdir(parents=True)
    config = ROOT / "site.toml"
    if not config.is_file():
        config = ROOT / "sitegen" / "default_site.toml"
    shutil.copy(config, folder / "site.toml")
    for paper in synthetic_papers(count) if papers is None else papers:
        (papers_dir / f"{paper.slug}.md").write_text(paper_to_text(paper), encoding="utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int)
    parser.add_argument("folder", type=Path)
    args = parser.parse_args()
    make_site(args.count, args.folder)
    print(f"wrote {args.count} papers to {args.folder}")


if __name__ == "__main__":
    main()
