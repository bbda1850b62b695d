"""Where the default theme lives (kept free of heavy imports: the CLI asks early)."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def theme_dir() -> Path:
    """The default theme: inside the installed wheel, else the source checkout's root."""
    packaged = PACKAGE_DIR / "theme"
    return packaged if (packaged / "templates").is_dir() else PACKAGE_DIR.parent
