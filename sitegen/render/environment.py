"""The Jinja environment of a site: strict, autoescaping, the site's templates over the
theme's, and never a template through a symlink that leaves the site."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import shutil
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
from jinja2.bccache import Bucket
from jinja2.compiler import CodeGenerator, Frame
from jinja2.nodes import Expr

from sitegen import urls
from sitegen.fingerprint import code_fingerprint, digest
from sitegen.fsutil import leaves_site
from sitegen.theme import theme_dir


class SiteTemplateLoader(jinja2.FileSystemLoader):
    """The site's templates/, where a template whose file a symlink puts outside the site
    is not there (the theme's is used; the build warns, see `Renderer.skipped_templates`)."""

    def __init__(self, site_root: Path) -> None:
        super().__init__(str(site_root / "templates"))
        self.site_root = site_root

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        if leaves_site(Path(filename), self.site_root) is not None:
            raise jinja2.TemplateNotFound(template)
        return source, filename, uptodate


def _replace_escape(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace(">", "&gt;")
        .replace("<", "&lt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


_escape_text: Callable[[str], str] = getattr(markupsafe, "_escape_inner", _replace_escape)
"""markupsafe's escaping of a str (its C code), without the Markup made around it."""


def escape_output(value: object) -> object:
    """What markupsafe's `escape` makes of a value a template outputs, as text: the page is
    joined into one str, so a str needs no Markup around it (its __new__ is a Python call,
    and a page outputs hundreds of values)."""
    kind = type(value)
    if kind is str:
        return _escape_text(value)  # type: ignore[arg-type]
    if kind is int or kind is float:
        return str(value)  # (no character to escape: a map's coordinates, counts)
    if kind is markupsafe.Markup:
        return value
    return markupsafe.escape(value)


class _CodeGenerator(CodeGenerator):
    """Jinja's code generator, outputting values through `escape_output` where it would
    call `escape` (a template always autoescaping: no `{% autoescape %}` block)."""

    def _output_child_pre(
        self, node: Expr, frame: Frame, finalize: CodeGenerator._FinalizeInfo
    ) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile and finalize.src is None:
            self.write("environment.escape_output(")
        else:
            super()._output_child_pre(node, frame, finalize)


class SiteEnvironment(jinja2.Environment):
    """A Jinja environment whose templates output values through `escape_output`."""

    code_generator_class = _CodeGenerator
    escape_output = staticmethod(escape_output)

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        """A template's globals as one dict: Jinja's ChainMap over the environment's is
        walked whole for every template rendered or imported (a page renders several).
        The environment's globals are all set before any template loads."""
        return {**self.globals, **(d or {})}


class CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Templates compiled by an earlier run, kept in the site's cache folder: compiling the
    theme's took ~0.1 s of every build, an edit's too. Jinja keys each by its file and checks
    its source's checksum; the folder is named for sitegen's code and Jinja's version (the
    code generator is sitegen's own). A cache: what cannot be read or written is compiled."""

    PREFIX = "templates-"

    def __init__(self, cache_dir: Path) -> None:
        folder = cache_dir / f"{self.PREFIX}{digest((code_fingerprint(), jinja2.__version__))}"
        if not folder.is_dir():
            _remove_others(cache_dir, self.PREFIX)  # made by other code: never read again
            with contextlib.suppress(OSError):
                folder.mkdir(parents=True)
        super().__init__(str(folder))

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # a damaged file (a cache, as trusted as the site): compiled anew
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _remove_others(cache_dir: Path, prefix: str) -> None:
    with contextlib.suppress(OSError):
        for old in cache_dir.glob(f"{prefix}*"):
            shutil.rmtree(old, ignore_errors=True)


def make_environment(site_root: Path, cache_dir: Path | None = None) -> jinja2.Environment:
    """Autoescaping, strict Jinja; the site's own templates/ override the theme file by file.
    With `cache_dir`, compiled templates are kept there between runs."""
    loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(str(theme_dir() / "templates"))]
    if (site_root / "templates").is_dir():
        loaders.insert(0, SiteTemplateLoader(site_root))
    env = SiteEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        auto_reload=True,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=CompiledTemplates(cache_dir) if cache_dir is not None else None,
    )
    env.filters["isodate"] = _isodate
    env.filters["longdate"] = _longdate
    env.globals["urls"] = urls  # templates name output paths as urls.SEARCH_INDEX etc.
    return env


# Cached: a listing shows every paper's date, and strftime is slow; dates repeat.
@functools.lru_cache(maxsize=1 << 14)
def _isodate(day: dt.date) -> str:
    return day.isoformat()


@functools.lru_cache(maxsize=1 << 14)
def _longdate(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"
