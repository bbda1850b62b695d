"""Parse a "Daily Papers" page dump (the page's text, copied) into titles and abstracts.

Pure: text in, entries and skip reasons with line numbers out. A dump is blank-line separated
blocks: a page header, a listing date without a year ("Mar 17"), then title and abstract blocks
alternating. Headers, page chrome and footers differ between dumps, so no block is recognised by
its position: the date line by its pattern, titles and abstracts by their shape.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from sitegen.content.frontmatter import normalise_newlines
from sitegen.errors import ContentError, Problem

KIND = "daily-papers"
"""The `kind` of the Source entries this importer writes."""

_MONTH_NAMES = (
    ("jan", "january"),
    ("feb", "february"),
    ("mar", "march"),
    ("apr", "april"),
    ("may",),
    ("jun", "june"),
    ("jul", "july"),
    ("aug", "august"),
    ("sep", "sept", "september"),
    ("oct", "october"),
    ("nov", "november"),
    ("dec", "december"),
)
MONTHS = {name: number for number, names in enumerate(_MONTH_NAMES, 1) for name in names}

_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_DATE_LINE = re.compile(
    r"^(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"  # an optional weekday
    rf"(?:([a-z]+)\.?\s+{_DAY}|{_DAY}\s+([a-z]+)\.?)"  # "Mar 17", "March 17th", "17 Mar"
    r"(?:,?\s+(\d{4}))?$",  # an optional year
    re.IGNORECASE,
)
# Page chrome that is not part of any paper: vote counts ("▲ 12", "12 upvotes"), bylines of the
# listing, per-paper "Published on" dates, navigation and footers.
_CHROME = re.compile(
    r"^(?:[^\w]*\d[\d\W]*(?:\s*(?:up)?votes?|\s*comments?|\s*likes?|\s*points?)?"
    r"|(?:submitted|posted)\s+by\b.{0,80}|published\s+on\b.{0,40}"
    r"|upvote|paper page|view arxiv page|load more|show more|previous|next|more papers"
    r"|page\s+\d+(?:\s+of\s+\d+)?|(?:©|copyright\b).{0,120}|(?:terms|privacy)\b.{0,40})$",
    re.IGNORECASE,
)
_QUOTES = "\"'\u201c\u201d\u2018\u2019"  # straight and curly quotes
_SENTENCE_BREAK = re.compile(rf"[.!?][{_QUOTES})\]]?\s+[{_QUOTES}(]?[A-Z]")
_URL_AT_END = re.compile(r"(?:https?://|www\.)\S+$")
_FINISHED_ENDINGS = (".", "!", "?", ")", "]", "}", "\u2026", *_QUOTES)
_NAME_WORD = re.compile(r"^(?:[A-Z][\w'\u2019.-]*|[a-z]{1,3}|[A-Z]\.)$")  # "Ana", "de", "J."


@dataclass(frozen=True, slots=True)
class ListingDate:
    """A date line of the dump, as written."""

    month: int
    """1-12."""
    day: int
    """Day of the month."""
    year: int | None
    """The year, when the line gives one (Daily Papers pages usually do not)."""
    line: int
    """1-based line of the date in the dump."""
    text: str
    """The date as written (e.g. `Mar 17`)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One paper of the dump: a title block followed by its abstract block."""

    title: str
    """The title, whitespace collapsed."""
    abstract: str
    """The abstract exactly as in the dump (lines of a wrapped block joined by spaces)."""
    title_line: int
    """1-based line of the title."""
    abstract_line: int
    """1-based line where the abstract starts."""
    listed: ListingDate
    """The date line the paper is listed under."""
    authors: tuple[str, ...] = ()
    """Author names, when the dump has a byline between title and abstract."""


@dataclass(frozen=True, slots=True)
class DailyPapersDump:
    """What a dump holds: its papers, and every block that could not be used and why."""

    path: Path
    """The dump file."""
    entries: tuple[Entry, ...]
    """Papers, in the order of the dump."""
    skipped: tuple[Problem, ...]
    """Blocks or papers left out, each as `path:line: reason`."""


@dataclass(frozen=True, slots=True)
class _Block:
    line: int
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.lines)


def decode_dump(path: Path, raw: bytes) -> str:
    """A dump's bytes as text; ContentError (with the line) if binary or not UTF-8."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ContentError.single(path, 1, "is UTF-16 text: save the dump as UTF-8")
    if b"\x00" in raw:
        line = raw.count(b"\n", 0, raw.index(b"\x00")) + 1
        raise ContentError.single(path, line, "contains a NUL byte: is this a binary file?")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise ContentError.single(
            path, line, f"not valid UTF-8 (byte 0x{raw[err.start]:02x}): save the dump as UTF-8"
        ) from None


NOT_A_DUMP = (
    "not a file sitegen imports: read as a Daily Papers page dump (its name does not end "
    ".bib, .ris or .json), it has no listing date; "
    'sitegen imports Daily Papers dumps (a date line such as "Mar 17", then titles and '
    "abstracts), BibTeX (.bib), RIS (.ris) and CSL-JSON (.json)"
)
"""What a file that is no dump at all (site.toml, a log) is told."""
DUMP_SUFFIXES = ("", ".txt", ".text")
"""How a saved Daily Papers page is named: any other file without a date line is no dump."""


def parse_daily_papers(path: Path, text: str) -> DailyPapersDump:
    """Find the date line(s) and the title/abstract pairs of a dump."""
    blocks = _split_blocks(normalise_newlines(text))
    if not blocks:
        return DailyPapersDump(path, (), (Problem(path, None, "empty file: nothing to import"),))
    first = next((i for i, b in enumerate(blocks) if _date_match(b)), None)
    if first is None:
        count = sum(_looks_like_abstract(b.text) for b in blocks)
        message = (
            f'no listing date found (a line such as "Mar 17" after the page header): '
            f"{count} paper{'s' if count != 1 else ''} not imported; add the date line"
            if count and path.suffix.casefold() in DUMP_SUFFIXES
            else NOT_A_DUMP
        )
        return DailyPapersDump(path, (), (Problem(path, 1, message),))
    reader = _Reader(path)
    for block in blocks[:first]:
        if _looks_like_abstract(block.text):
            reader.skip(block, f"text before the date line {blocks[first].line} is not imported")
    for block in blocks[first:]:
        reader.feed(block)
    reader.finish()
    return DailyPapersDump(path, tuple(reader.entries), tuple(reader.skipped))


def resolve_date(listed: ListingDate, year: int | None, today: dt.date) -> dt.date | None:
    """The full date of a listing: its own year, else `year`, else the most recent year that
    does not put it after `today`. None when that day does not exist (Feb 29 of 2025)."""
    given = listed.year or year
    candidates = [given] if given else range(today.year, today.year - 9, -1)
    for candidate in candidates:
        try:
            day = dt.date(candidate, listed.month, listed.day)
        except ValueError:
            continue
        if given or day <= today:
            return day
    return None


def _split_blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if stripped and not current:
            start = number
        if stripped:
            current.append(stripped)
        elif current:
            blocks.append(_Block(start, tuple(current)))
            current = []
    if current:
        blocks.append(_Block(start, tuple(current)))
    return blocks


def _date_match(block: _Block) -> re.Match[str] | None:
    if len(block.lines) != 1:
        return None
    match = _DATE_LINE.match(block.lines[0])
    if match is None or (match.group(1) or match.group(4)).casefold() not in MONTHS:
        return None
    return match


def _listing_date(block: _Block, match: re.Match[str]) -> ListingDate | None:
    month = MONTHS[(match.group(1) or match.group(4)).casefold()]
    day = int(match.group(2) or match.group(3))
    year = int(match.group(5)) if match.group(5) else None
    try:  # 2000 is a leap year, so only days that exist in no year are refused here
        dt.date(year or 2000, month, day)
    except ValueError:
        return None
    return ListingDate(month, day, year, block.line, block.lines[0])


def _words(text: str) -> int:
    return len(text.split())


def _looks_like_abstract(text: str) -> bool:
    """Long prose: many words, ending like a sentence or made of several sentences."""
    words = _words(text)
    breaks = len(_SENTENCE_BREAK.findall(text))
    return words >= 60 or (words >= 25 and (text.endswith(".") or breaks >= 2))


def _looks_like_title(text: str) -> bool:
    """One short line with no final period (a final `?` or `!` is fine)."""
    return (
        len(text) <= 300
        and _words(text) <= 40
        and not text.endswith(".")
        and not _looks_like_abstract(text)
    )


def _continues_as_abstract(text: str) -> bool:
    """Right after a title, shorter prose is taken as its abstract too."""
    if _looks_like_abstract(text):
        return True
    return _words(text) >= 6 and (text.endswith(".") or bool(_SENTENCE_BREAK.search(text)))


def _names(text: str) -> tuple[str, ...]:
    """The names of a byline ("Ana Lima, Bo Chen and J. Doe"), or () if it is not one."""
    text = re.sub(r"^(?:authors?|by)\s*:?\s+", "", text, flags=re.IGNORECASE)
    names = [n.strip() for n in re.split(r",|;|\s+and\s+|\s+&\s+", text) if n.strip()]
    if len(names) < 2:
        return ()
    for name in names:
        words = name.split()
        if not 2 <= len(words) <= 5 or not all(_NAME_WORD.match(w) for w in words):
            return ()
        if not words[0][0].isupper():
            return ()
    return tuple(names)


def _finished(abstract: str) -> bool:
    """Whether an abstract ends like a whole text, not cut off mid-sentence."""
    return abstract.endswith(_FINISHED_ENDINGS) or bool(_URL_AT_END.search(abstract))


def _excerpt(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


class _Reader:
    """Pairs titles with the abstracts after them, recording why anything else is skipped."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: list[Entry] = []
        self.skipped: list[Problem] = []
        self.date: ListingDate | None = None
        self.title: _Block | None = None
        self.authors: tuple[str, ...] = ()

    def skip(self, block: _Block, reason: str) -> None:
        self.skipped.append(Problem(self.path, block.line, reason))

    def feed(self, block: _Block) -> None:
        text = block.text
        match = _date_match(block)
        if match:
            self._drop_title("has no abstract before the next date line")
            self.date = _listing_date(block, match)
            if self.date is None:
                self.skip(block, f"{text!r} is not a real date: papers under it are skipped")
            return
        if _CHROME.match(text):
            return
        if self.title is not None:
            self._feed_after_title(block)
        elif len(block.lines) > 1 and self._split_title(block):
            return
        elif _looks_like_title(text):
            self.title = block
        elif _looks_like_abstract(text):
            self.skip(block, f"abstract {_excerpt(text)} has no title before it")
        else:
            self.skip(block, f"block looks like neither a title nor an abstract: {_excerpt(text)}")

    def finish(self) -> None:
        self._drop_title("has no abstract after it: is the dump cut off?")
        if self.entries and not _finished(self.entries[-1].abstract):
            last = self.entries.pop()
            self.skipped.append(
                Problem(
                    self.path,
                    last.abstract_line,
                    f"the abstract of {_excerpt(last.title)} ends mid-sentence "
                    f"({_excerpt(last.abstract[-30:])}): is the dump cut off? Paper skipped",
                )
            )

    def _feed_after_title(self, block: _Block) -> None:
        text = block.text
        names = () if self.authors else _names(text)
        if names:
            self.authors = names
        elif _continues_as_abstract(text):
            self._emit(block.text, block.line)
        elif len(block.lines) > 1 and self._split_title(block):
            return
        else:
            self._drop_title("is followed by another title, not an abstract")
            self.feed(block)

    def _split_title(self, block: _Block) -> bool:
        """A block holding a title line and its abstract with no blank line between."""
        head, rest = block.lines[0], " ".join(block.lines[1:])
        if not (
            _looks_like_title(head)
            and block.lines[1][:1].isupper()
            and _continues_as_abstract(rest)
        ):
            return False
        self._drop_title("is followed by another title, not an abstract")
        self.title = _Block(block.line, (head,))
        self._emit(rest, block.line + 1)
        return True

    def _emit(self, abstract: str, line: int) -> None:
        assert self.title is not None
        title = " ".join(self.title.text.split())
        if self.date is None:
            self.skip(self.title, f"paper {_excerpt(title)} has no valid listing date above it")
        else:
            self.entries.append(
                Entry(title, abstract, self.title.line, line, self.date, self.authors)
            )
        self.title, self.authors = None, ()

    def _drop_title(self, reason: str) -> None:
        if self.title is not None:
            self.skip(self.title, f"title {_excerpt(self.title.text)} {reason}")
        self.title, self.authors = None, ()
