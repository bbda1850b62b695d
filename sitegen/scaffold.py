"""`sitegen new`: a fresh site with the default topic rules and a content README."""

from __future__ import annotations

from pathlib import Path

from sitegen.config import CONFIG_NAME
from sitegen.errors import UsageError

PACKAGE_DIR = Path(__file__).resolve().parent
GITIGNORE = "_site/\n.sitegen-cache/\n"


def create_site(folder: Path) -> None:
    """Create site.toml, content/papers/ and README.md in an empty (or new) folder."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError(f"{folder} is not an empty folder: sitegen new never overwrites files")
    (folder / "content" / "papers").mkdir(parents=True)
    (folder / CONFIG_NAME).write_text(
        (PACKAGE_DIR / "default_site.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (folder / "README.md").write_text(
        (PACKAGE_DIR / "new_site_readme.md").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (folder / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
