"""The command line: parse arguments, call one function, map errors to exit codes."""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import gc
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeAlias

from sitegen import __version__, terminal
from sitegen.content.models import STATUSES
from sitegen.errors import ContentError, SiteError, UsageError
from sitegen.text import is_web_address
from sitegen.workers import gc_paused, join_workers

if TYPE_CHECKING:
    from sitegen.build.result import BuildResult

EXIT_ERROR = 1
EXIT_USAGE = 2
YOUNG_COLLECTION_FROM = 50_000
"""Objects made (net) between two collections of the youngest generation (Python: 700).
A build makes millions that live until it ends, and next to no cycles: at 700, a tag edit
of 10,000 papers ran ~340 collections (~30 ms of the build's process, and more in its
workers) that freed ~1,000 objects; at 50,000 it runs 9 (~6 ms)."""


DESCRIPTION = "Build a static website from a reading list of research papers."
EPILOG = """\
examples:
  sitegen new my-list --base-url https://example.org/reading/
  sitegen import daily-papers.txt refs.bib --site my-list
  sitegen add 2205.13147 --site my-list
  sitegen mark read attention-is-all-you-need --site my-list
  sitegen serve --site my-list
  sitegen build --site my-list --strict

`sitegen COMMAND --help` describes a command."""


def main(argv: Sequence[str] | None = None, *, process_ends: bool = False) -> int:
    """Run a command (`process_ends`: the process exits right after, as `run` does)."""
    parser = _parser()
    args = parser.parse_args(argv)
    args.process_ends = process_ends
    try:
        return _run(args)
    finally:
        # Scripts that time or sandbox `sitegen` see it exit with nothing of it left.
        join_workers()


def run() -> NoReturn:
    """The `sitegen` command: `main`, collecting young objects less often (see
    YOUNG_COLLECTION_FROM), then an exit that skips tearing the heap down.

    By then every file is written and closed, every worker joined and nothing is left to
    run at exit; freeing a build's objects one by one (10,000 papers: a fifth of a second)
    would only delay the prompt. mypy ends the same way. Under a profiler or a coverage
    tracer, the exit is a plain one: they write what they gathered at exit."""
    gc.set_threshold(YOUNG_COLLECTION_FROM, *gc.get_threshold()[1:])
    code = main(process_ends=True)
    if sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe (`sitegen build | head`): nothing more can be said
        code = code or EXIT_ERROR
    os._exit(code)


def _run(args: argparse.Namespace) -> int:
    """Run the command; every error becomes a message and an exit code."""
    try:
        return int(args.run(args))
    except UsageError as err:
        terminal.error(str(err))
        return EXIT_USAGE
    except ContentError as err:
        for problem in err.problems:
            terminal.problem(str(problem))
        count = len(err.problems)
        terminal.error(f"{count} error{'s' if count != 1 else ''}; nothing was written")
        return EXIT_ERROR
    except SiteError as err:
        terminal.error(str(err))
        return EXIT_ERROR
    except OSError as err:  # a disk full, a permission refused: the system's words suffice
        where = f"{err.filename}: " if err.filename else ""
        terminal.error(f"{where}{err.strerror or err}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("sitegen: interrupted", file=sys.stderr)
        return 130


class _HelpFormat(argparse.RawDescriptionHelpFormatter):
    """Each option's default after its help (not for switches, which default to off); the
    examples kept as written."""

    def _get_help_string(self, action: argparse.Action) -> str:
        shown = action.default not in (None, False, [], argparse.SUPPRESS)
        if shown and action.option_strings and action.help and "default" not in action.help:
            return f"{action.help} (default: %(default)s)"
        return action.help or ""


class _CommandParser(argparse.ArgumentParser):
    """A command's parser: an unknown option is reported with this command's usage (the
    top-level parser would show its own), and a close spelling is suggested."""

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extra = super().parse_known_args(args, namespace)
        if extra:
            options = [o for action in self._actions for o in action.option_strings]
            close = difflib.get_close_matches(extra[0].split("=")[0], options, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            self.error(f"unrecognized arguments: {' '.join(extra)}{hint}")
        return parsed, extra


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sitegen", description=DESCRIPTION, epilog=EPILOG, formatter_class=_HelpFormat
    )
    parser.add_argument("--version", action="version", version=f"sitegen {__version__}")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_CommandParser
    )
    for add_command in (
        _new_command,
        _import_command,
        _add_command,
        _remove_command,
        _mark_command,
        _build_command,
        _serve_command,
    ):
        add_command(commands)
    return parser


Commands: TypeAlias = "argparse._SubParsersAction[_CommandParser]"


def _command(commands: Commands, name: str, summary: str, example: str) -> argparse.ArgumentParser:
    """A command with its one-line help, `-q`/`-v`, and an example after its options."""
    command: argparse.ArgumentParser = commands.add_parser(
        name,
        help=summary,
        description=summary[0].upper() + summary[1:] + ".",
        epilog=f"example:\n  {example}",
        formatter_class=_HelpFormat,
    )
    noise = command.add_mutually_exclusive_group()
    noise.add_argument(
        "-q", "--quiet", action="store_true", help="print only errors and the summary"
    )
    noise.add_argument("-v", "--verbose", action="store_true", help="print more detail")
    return command


def _site_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--site", type=Path, default=Path("."), metavar="DIR", help="the site's folder"
    )


def _new_command(commands: Commands) -> None:
    new = _command(
        commands,
        "new",
        "create a new site in an empty folder",
        "sitegen new my-list --base-url https://example.org/reading/",
    )
    new.add_argument("dir", type=Path, metavar="DIR", help="the folder to create (or empty)")
    new.add_argument(
        "--base-url",
        type=_web_address,
        metavar="URL",
        help="the address the site will be published at (asked for on a terminal)",
    )
    new.set_defaults(run=_run_new)


def _import_command(commands: Commands) -> None:
    imp = _command(
        commands,
        "import",
        "import papers from Daily Papers dumps, BibTeX (.bib), RIS (.ris) or CSL-JSON (.json)",
        "sitegen import daily-papers.txt refs.bib --site my-list",
    )
    # Taken as text: Path("https://x/y") would fold the `//` and hide that it is a link.
    imp.add_argument("files", nargs="+", metavar="FILE", help="the files to import")
    _site_option(imp)
    imp.add_argument("--year", type=_year, metavar="YYYY", help="year of the dumps' dates")
    imp.add_argument("--restore", action="store_true", help="import again papers that were deleted")
    imp.set_defaults(run=_run_import)


def _add_command(commands: Commands) -> None:
    add = _command(
        commands,
        "add",
        "add papers by arXiv id, DOI, or their links",
        "sitegen add 2205.13147 doi:10.1000/xyz --tags 'vision,transformers'",
    )
    add.add_argument("ids", nargs="+", metavar="ID_OR_URL", help="arXiv ids, DOIs or their links")
    _site_option(add)
    add.add_argument(
        "--tags", action="append", default=[], metavar="TAG,TAG", help="tags for new papers"
    )
    add.add_argument("--status", choices=STATUSES, default=STATUSES[0], help="status of new papers")
    add.set_defaults(run=_run_add)


def _remove_command(commands: Commands) -> None:
    remove = _command(
        commands,
        "remove",
        "delete papers, so that importing them again does not bring them back",
        "sitegen remove attention-is-all-you-need",
    )
    remove.add_argument("slugs", nargs="+", metavar="SLUG", help="the papers' file names")
    _site_option(remove)
    remove.set_defaults(run=_run_remove)


def _mark_command(commands: Commands) -> None:
    mark = _command(
        commands,
        "mark",
        "set papers' reading status (and, for `read`, the day they were read)",
        "sitegen mark read attention-is-all-you-need matryoshka-representation-learning",
    )
    mark.add_argument("status", choices=STATUSES, help="the new status")
    mark.add_argument("slugs", nargs="+", metavar="SLUG", help="the papers' file names")
    _site_option(mark)
    mark.add_argument(
        "--date",
        type=_day,
        metavar="YYYY-MM-DD",
        help="the day they were read, for `read` (default: today, unless one is set already)",
    )
    mark.set_defaults(run=_run_mark)


def _build_command(commands: Commands) -> None:
    build = _command(
        commands,
        "build",
        "build the site into an output folder",
        "sitegen build --site my-list --out public --strict",
    )
    _site_option(build)
    build.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="the output folder (default: SITE/_site)",
    )
    build.add_argument(
        "--relayout", action="store_true", help="lay the paper map out afresh, not from its cache"
    )
    build.add_argument(
        "--strict", action="store_true", help="fail on warnings (for CI): nothing is written"
    )
    build.set_defaults(run=_run_build)


def _serve_command(commands: Commands) -> None:
    serve = _command(
        commands,
        "serve",
        "build, serve and rebuild on every save, reloading the open tabs",
        "sitegen serve --site my-list --port 8080 --open",
    )
    _site_option(serve)
    serve.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    serve.add_argument(
        "--port", type=_port, default=8000, help="the port (the next free one if taken)"
    )
    serve.add_argument("--open", action="store_true", help="open the site in a browser")
    serve.set_defaults(run=_run_serve)


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number from 1 to 65535")
    return int(text)


def _web_address(text: str) -> str:
    if not is_web_address(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not an address starting https:// or http://")
    return text


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day written YYYY-MM-DD") from None


def _year(text: str) -> int:
    if not text.isdigit() or not 1900 <= int(text) <= 2999:
        raise argparse.ArgumentTypeError(f"{text!r} is not a year such as 2025")
    return int(text)


def _run_new(args: argparse.Namespace) -> int:
    from sitegen.scaffold import create_site

    base_url = args.base_url
    if base_url is None and sys.stdin.isatty() and sys.stdout.isatty():
        base_url = _ask_base_url()
    create_site(args.dir, base_url or "")
    print(f"Created a new site in {args.dir}. Next: sitegen import FILE --site {args.dir}")
    return 0


def _ask_base_url() -> str:
    """The address the site will be published at, asked until it is one (or left blank)."""
    while True:
        answer = input("Address the site will be published at (blank: decide later): ").strip()
        if not answer or is_web_address(answer):
            return answer
        print(f"{answer!r} is not an address starting https:// or http://")


def _run_import(args: argparse.Namespace) -> int:
    from sitegen.config import load_config
    from sitegen.importers.merge import format_report, run_import

    links = [text for text in args.files if text.casefold().startswith(("http://", "https://"))]
    if links:
        raise UsageError(
            f"{links[0]} is a link, not a file: to add a paper by its arXiv or DOI link, "
            f"run `sitegen add {links[0]}`"
        )
    args.files = [Path(text) for text in args.files]
    config = load_config(args.site)
    report = run_import(config, args.files, args.year, dt.date.today(), args.restore)
    print(format_report(report))
    # A file nothing could be taken from is an error too, though the others were imported.
    listed = {name for paper in (*report.new, *report.present) for name in paper.files}
    unread = {problem.path for problem in report.failed_files}
    empty = [path for path in args.files if path.name not in listed and path not in unread]
    for path in empty:
        print(f"sitegen: nothing imported from {path} (see above)", file=sys.stderr)
    return EXIT_ERROR if report.failed_files or empty else 0


def _run_add(args: argparse.Namespace) -> int:
    from sitegen.config import load_config
    from sitegen.importers.add import add_papers
    from sitegen.importers.merge import format_report

    config = load_config(args.site)
    tags = [tag for text in args.tags for tag in text.split(",")]
    report = add_papers(config, args.ids, tags, args.status, dt.date.today(), os.environ)
    print(format_report(report))
    for paper in report.new:
        print(f"  added {config.papers_dir / paper.slug}.md: {paper.title}")
    for problem in report.failed_files:
        print(f"sitegen: {problem}", file=sys.stderr)
    return EXIT_ERROR if report.failed_files else 0


def _run_remove(args: argparse.Namespace) -> int:
    from sitegen.config import load_config
    from sitegen.importers.ledger import remove_papers

    config = load_config(args.site)
    slugs = [slug.removesuffix(".md") for slug in args.slugs]
    for paper in remove_papers(config.content_dir, slugs, dt.date.today()):
        print(f"Removed {paper.path} ({paper.title})")
    print("An import will not bring them back; `sitegen import --restore FILE...` would.")
    return 0


def _run_mark(args: argparse.Namespace) -> int:
    from sitegen.config import load_config
    from sitegen.importers.mark import mark_papers

    if args.date is not None and args.status != "read":
        raise UsageError(
            f"--date is the day papers were read: it goes with `read`, not {args.status}"
        )
    config = load_config(args.site)
    for marked in mark_papers(config, args.slugs, args.status, dt.date.today(), args.date):
        paper = marked.paper
        read = f" on {paper.read.isoformat()}" if paper.status == "read" and paper.read else ""
        if marked.changed:
            print(f"Marked {paper.path} {paper.status}{read}")
        elif not args.quiet:
            print(f"{paper.path} is {paper.status}{read} already: left as it was")
    return 0


def _run_build(args: argparse.Namespace) -> int:
    from sitegen.build import build

    console = None if args.quiet else terminal.stderr_console()
    # A one-off build: what it makes lives until it ends (10,000 papers: 20 collections
    # took 0.19 s of its process's CPU and freed 844 objects; see workers.ends_with_build).
    with gc_paused(resume=not args.process_ends):
        if console is None or not console.is_terminal:
            result = build(args.site, args.out, args.strict, relayout=args.relayout)
        else:
            with terminal.StageBars(console) as bars:
                result = build(args.site, args.out, args.strict, bars, relayout=args.relayout)
    if not args.quiet:
        for warning in result.warnings:
            terminal.warning(str(warning))
        for path in result.write.foreign:
            terminal.warning(f"{result.out / path} was not written by sitegen; kept")
    if args.verbose:
        for page in sorted(result.rendered):
            print(f"  rendered {page}")
    print(build_summary(result))
    return 0


def build_summary(result: BuildResult) -> str:
    """The one line a build ends with: what the site holds, what changed, what to look at."""
    site = f"{_count(result.papers, 'paper')}, {_count(result.tags, 'tag')}"
    if result.skipped:
        pages = f"{result.pages:,} pages"
        line = f"Nothing changed since the last build: {site}, {pages} in {result.out}"
    else:
        write = result.write
        files = write.written + write.unchanged
        changes = [f"{write.written:,} written"] if write.written else []
        changes += [f"{write.removed:,} removed"] if write.removed else []
        line = (
            f"Built {site} into {result.out} in {result.seconds:.2f} s: "
            f"{_count(files, 'file')} ({result.pages:,} pages), "
            + (", ".join(changes) if changes else "none changed")
        )
    extra = [_count(len(result.warnings), "warning")] if result.warnings else []
    return "; ".join([line, *extra, *result.notes])


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _run_serve(args: argparse.Namespace) -> int:
    from sitegen.serve import serve

    return serve(args.site, args.host, args.port, args.open)
