"""Charts drawn at build time as inline SVG: the browser needs no chart library, and the
colours come from the stylesheet's classes, so both themes read them."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from sitegen.content.models import STATUSES, Paper

WIDTH, HEIGHT = 720, 180
"""The chart's drawing box; it scales to the page's width."""
AXIS = 20
"""Room under the bars for the year labels."""
WIDEST_BAR = 40
"""A bar's width at most: a timeline of a few months keeps narrow bars."""


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
    """Papers added each month, by status: every month from the first paper's to the last's
    (empty months too), oldest first."""
    return _by_month((p.date, p.status) for p in papers)


@dataclass(frozen=True, slots=True)
class ReadMonths:
    """Papers read each month, from their `read:` dates."""

    months: tuple[MonthCounts, ...]
    """Every month from the first read date to the last, oldest first (only `read` counts)."""
    undated: int
    """Read papers without a read date, which no month can count."""


def months_read(papers: Sequence[Paper]) -> ReadMonths:
    read = [p for p in papers if p.status == "read"]
    months = _by_month((p.read, p.status) for p in read if p.read is not None)
    return ReadMonths(months, sum(1 for p in read if p.read is None))


def _by_month(days: Iterable[tuple[dt.date, str]]) -> tuple[MonthCounts, ...]:
    counts = Counter((day.year, day.month, status) for day, status in days)
    if not counts:
        return ()
    year, month, _ = min(counts)
    last = max(counts)[:2]
    months = []
    while (year, month) <= last:
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
    bar = min(max(step * 0.8, 1.0), WIDEST_BAR)
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
                f'<rect class="bar-{status}" x="{x + (step - bar) / 2:.1f}" y="{top:.1f}" '
                f'width="{bar:.1f}" height="{height:.1f}"><title>{month.month}: '
                f"{count} {status.replace('-', ' ')}</title></rect>"
            )
        if month.month.endswith("-01") or i == 0:
            left = x + (step - bar) / 2
            parts.append(f'<text x="{left:.1f}" y="{HEIGHT + AXIS - 5}">{month.month[:4]}</text>')
    parts.append(f'<line x1="0" y1="{HEIGHT}" x2="{WIDTH}" y2="{HEIGHT}"/></svg>')
    return Markup("".join(parts))
