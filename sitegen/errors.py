"""Errors a user can fix. Each one names the file and line it is about."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class SiteError(Exception):
    """Base class of every error sitegen reports without a traceback."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the user's input, reported as `path:line: message`."""

    path: Path | None
    """The file the problem is in (None for problems with no file, e.g. arguments)."""
    line: int | None
    """1-based line number in that file, when known."""
    message: str
    """What is wrong, and where possible how to fix it."""

    def __str__(self) -> str:
        if self.path is None:
            return self.message
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


class ContentError(SiteError):
    """One or more problems in the site's input files, all reported at once."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (str(p.path or ""), p.line or 0, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[type[ContentError], tuple[list[Problem]]]:
        # Rebuilt from its problems, not its message, when it crosses from a worker process.
        return type(self), (self.problems,)

    @classmethod
    def single(cls, path: Path | None, line: int | None, message: str) -> ContentError:
        return cls([Problem(path, line, message)])


class ConfigError(ContentError):
    """Problems in site.toml."""


class UsageError(SiteError):
    """The command line asks for something that cannot be done (exit code 2)."""


class BuildLockedError(SiteError):
    """Another build is writing the same output folder."""
