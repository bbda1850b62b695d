"""`sitegen new`: a fresh site with the default topic rules and a content README."""

from __future__ import annotations

import json
from pathlib import Path

from sitegen.config import CONFIG_NAME
from sitegen.errors import UsageError

PACKAGE_DIR = Path(__file__).resolve().parent
GITIGNORE = "_site/\n.sitegen-cache/\n"


def create_site(folder: Path, base_url: str = "") -> None:
    """Create site.toml (published at `base_url`, if known), content/papers/ and README.md
    in an empty (or new) folder."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError(f"{folder} is not an empty folder: sitegen new never overwrites files")
    (folder / "content" / "papers").mkdir(parents=True)
    config = (PACKAGE_DIR / "default_site.toml").read_text(encoding="utf-8")
    # json.dumps quotes as TOML's basic strings do, for a web address's characters.
    config = config.replace('\nbase_url = ""\n', f"\nbase_url = {json.dumps(base_url)}\n", 1)
    (folder / CONFIG_NAME).write_text(config, encoding="utf-8")
    (folder / "README.md").write_text(
        (PACKAGE_DIR / "new_site_readme.md").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (folder / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
