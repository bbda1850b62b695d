"""Test-only helpers on top of sitegen's API (the benchmarks use them too)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from lunr import get_default_builder
from lunr.builder import Builder

from sitegen.errors import SiteError
from sitegen.output.writer import OutputWriter, WriteReport, is_safe_relative
from sitegen.search.fastlunr import REF, FieldSpec


def stock_builder(fields: Sequence[FieldSpec]) -> Builder:
    """lunr.py's default builder (`lunr.get_default_builder()`), fields declared: what the
    fast builder must match byte for byte."""
    builder = get_default_builder()
    builder.ref(REF)
    for spec in fields:
        builder.field(spec.name, boost=spec.boost)
    return builder


def write_site(out: Path, files: Mapping[str, bytes], *, in_place: bool = False) -> WriteReport:
    """Make `out` hold exactly `files` (plus any foreign files), swapped in whole by default."""
    unsafe = [path for path in files if not is_safe_relative(path)]
    if unsafe:  # slugs are made safe upstream; this is the last line of defence
        raise SiteError(f"refusing to write {unsafe[0]!r}: it would not be inside {out}")
    writer = OutputWriter(out, in_place=in_place)
    try:
        for path, data in files.items():
            writer.put(path, data)
        return writer.finish()
    except BaseException:
        writer.abort()
        raise
