"""The command line: parse arguments, call one function, map errors to exit codes."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from sitegen import __version__
from sitegen.content.models import STATUSES
from sitegen.errors import ContentError, SiteError, UsageError

EXIT_ERROR = 1
EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except UsageError as err:
        print(f"sitegen: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except ContentError as err:
        for problem in err.problems:
            print(problem, file=sys.stderr)
        count = len(err.problems)
        print(
            f"sitegen: {count} error{'s' if count != 1 else ''}; nothing was written",
            file=sys.stderr,
        )
        return EXIT_ERROR
    except SiteError as err:
        print(f"sitegen: error: {err}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as err:  # a disk full, a permission refused: the system's words suffice
        where = f"{err.filename}: " if err.filename else ""
        print(f"sitegen: error: {where}{err.strerror or err}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("sitegen: interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sitegen", description=__doc__)
    parser.add_argument("--version", action="version", version=f"sitegen {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    new = commands.add_parser("new", help="create a new site in an empty folder")
    new.add_argument("dir", type=Path, metavar="DIR")
    new.set_defaults(run=_run_new)

    imp = commands.add_parser(
        "import",
        help="import papers from Daily Papers dumps, BibTeX (.bib), RIS (.ris) or CSL-JSON (.json)",
    )
    # Taken as text: Path("https://x/y") would fold the `//` and hide that it is a link.
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--site", type=Path, default=Path("."), metavar="DIR")
    imp.add_argument("--year", type=_year, metavar="YYYY", help="year of the dumps' dates")
    imp.add_argument("--restore", action="store_true", help="import again papers that were deleted")
    imp.set_defaults(run=_run_import)

    add = commands.add_parser("add", help="add papers by arXiv id, DOI, or their links")
    add.add_argument("ids", nargs="+", metavar="ID_OR_URL")
    add.add_argument("--site", type=Path, default=Path("."), metavar="DIR")
    add.add_argument(
        "--tags", action="append", default=[], metavar="TAG,TAG", help="tags for new papers"
    )
    add.add_argument("--status", choices=STATUSES, default=STATUSES[0])
    add.set_defaults(run=_run_add)
    remove = commands.add_parser(
        "remove", help="delete papers, so that importing them again does not bring them back"
    )
    remove.add_argument("slugs", nargs="+", metavar="SLUG")
    remove.add_argument("--site", type=Path, default=Path("."), metavar="DIR")
    remove.set_defaults(run=_run_remove)

    build = commands.add_parser("build", help="build the site into an output folder")
    build.add_argument("--site", type=Path, default=Path("."), metavar="DIR")
    build.add_argument("--out", type=Path, default=None, metavar="DIR", help="default: SITE/_site")
    build.add_argument(
        "--relayout", action="store_true", help="lay the paper map out afresh, not from its cache"
    )
    build.set_defaults(run=_run_build)

    serve = commands.add_parser("serve", help="build, serve and rebuild on every save")
    serve.add_argument("--site", type=Path, default=Path("."), metavar="DIR")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--open", action="store_true", help="open the site in a browser")
    serve.set_defaults(run=_run_serve)
    return parser


def _year(text: str) -> int:
    if not text.isdigit() or not 1900 <= int(text) <= 2999:
        raise argparse.ArgumentTypeError(f"{text!r} is not a year such as 2025")
    return int(text)


def _run_new(args: argparse.Namespace) -> int:
    from sitegen.scaffold import create_site

    create_site(args.dir)
    print(f"Created a new site in {args.dir}. Next: sitegen import FILE --site {args.dir}")
    return 0


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


def _run_build(args: argparse.Namespace) -> int:
    from sitegen.build import build

    result = build(args.site, args.out, relayout=args.relayout)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for path in result.write.foreign:
        print(f"warning: {result.out / path} was not written by sitegen; kept", file=sys.stderr)
    if result.skipped:
        print(
            f"Nothing changed since the last build: {result.papers} papers, {result.tags} "
            f"tags, {result.pages} pages in {result.out}"
        )
        return 0
    print(
        f"Built {result.papers} papers, {result.tags} tags, {result.pages} pages into "
        f"{result.out} in {result.seconds:.2f} s "
        f"({result.write.written} written, {result.write.unchanged} unchanged, "
        f"{result.write.removed} removed)"
    )
    return 0


def _run_serve(args: argparse.Namespace) -> int:
    from sitegen.serve import serve

    return serve(args.site, args.host, args.port, args.open)
