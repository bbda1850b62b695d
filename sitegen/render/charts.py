"""Charts drawn at build time as inline SVG: the browser needs no chart library, and the
colours come from the stylesheet's classes, so both themes read them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from sitegen.content.models import STATUSES, Paper

WIDTH, HEIGHT = 720, 180
"""The chart's drawing box; it scales to the page's width."""
AXIS = 20
"""Room under the bars for the year labels."""


@dataclass(frozen=True, slots=True)
class MonthCounts:
    """Papers added in one month, by status."""

    month: str
    """`YYYY-MM`."""
    counts: tuple[int, ...]
    """Papers of each of STATUSES, in that order."""

    @property
    def total(self) -> int:
        return sum(self.counts)


def months_added(papers: Sequence[Paper]) -> tuple[MonthCounts, ...]:
    """Every month from the first paper's to the last's (empty months too), oldest first."""
    if not papers:
        return ()
    counts = Counter((p.date.year, p.date.month, p.status) for p in papers)
    first = min(p.date for p in papers)
    last = max(p.date for p in papers)
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        row = tuple(counts.get((year, month, status), 0) for status in STATUSES)
        months.append(MonthCounts(f"{year:04d}-{month:02d}", row))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(months)


def timeline_svg(months: Sequence[MonthCounts], label: str) -> Markup:
    """Stacked bars, one per month, with the year under each January; `label` names it
    for screen readers (the page's table is the text equivalent)."""
    if not months:
        return Markup("")
    peak = max(m.total for m in months) or 1
    step = WIDTH / len(months)
    bar = max(step * 0.8, 1.0)
    parts = [
        f'<svg class="timeline" viewBox="0 0 {WIDTH} {HEIGHT + AXIS}" role="img" '
        f'aria-label="{escape(label)}">'
    ]
    for i, month in enumerate(months):
        x = i * step
        top = float(HEIGHT)
        for status, count in zip(STATUSES, month.counts, strict=True):
            if not count:
                continue
            height = count / peak * (HEIGHT - 4)
            top -= height
            parts.append(
                f'<rect class="bar-{status}" x="{x:.1f}" y="{top:.1f}" '
                f'width="{bar:.1f}" height="{height:.1f}"><title>{month.month}: '
                f"{count} {status.replace('-', ' ')}</title></rect>"
            )
        if month.month.endswith("-01") or i == 0:
            parts.append(f'<text x="{x:.1f}" y="{HEIGHT + AXIS - 5}">{month.month[:4]}</text>')
    parts.append(f'<line x1="0" y1="{HEIGHT}" x2="{WIDTH}" y2="{HEIGHT}"/></svg>')
    return Markup("".join(parts))
