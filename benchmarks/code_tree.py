"""The environment a benchmark runs a sitegen tree in, as a user's install would run it."""

from __future__ import annotations

import compileall
import os
from pathlib import Path


def code_env(code: Path | None) -> dict[str, str]:
    """This process's environment, importing sitegen from `code` (None: as installed), with
    bytecode written and the tree compiled first. A pip install leaves .pyc files behind;
    without them (PYTHONDONTWRITEBYTECODE, set on some machines) every run would compile
    sitegen again, ~0.2 s of CPU that a user's build never pays."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    if code is not None:
        compileall.compile_dir(code / "sitegen", quiet=1)
        env["PYTHONPATH"] = str(code.resolve())
    return env
