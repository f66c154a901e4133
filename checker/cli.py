"""The ``itaku`` command. Parsing only; each subcommand's work lives in its own module,
imported when the subcommand runs (so ``itaku --help`` never imports spaCy)."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

EXIT_OK, EXIT_FLAGGED, EXIT_USAGE = 0, 1, 2


def _date(s: str) -> dt.date:
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日付は YYYY-MM-DD の形で指定してください（{s!r}）")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as-of", type=_date, default=None, metavar="YYYY-MM-DD",
                   help="reference date for validity periods (default: today)")
    p.add_argument("--profile", default=None, metavar="NAME|FILE",
                   help="a bundled profile name or a profile TOML file")
    p.add_argument("--redact", action="store_true",
                   help="mask personal data (names, phone numbers, addresses, e-mail, My Number) in quoted evidence")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="itaku",
        description="委託チェッカー: checks outsourcing consultations and contracts for personal-information safeguards.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("check", help="check cases (a directory is one case, a file a case of one document)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--format", choices=["text", "json", "html", "md"], default="text")
    p.add_argument("--out", default=None, metavar="FILE", help="write the report to FILE instead of standard output")
    _common(p)

    p = sub.add_parser("extract", help="show what was read from a file: kind, parties, articles, fields, dates")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--format", choices=["text", "json"], default="text")

    p = sub.add_parser("batch", help="check every subdirectory of DIR as a case and write checklists")
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--out", required=True, metavar="REPORT_DIR")
    p.add_argument("--workers", type=int, default=None, metavar="N")
    p.add_argument("--no-cache", action="store_true")
    p.add_argument("--cache-dir", default=None, metavar="PATH")
    _common(p)

    p = sub.add_parser("rules", help="list the rules, or show one with its checks and examples")
    p.add_argument("id", nargs="?", metavar="ID")
    p.add_argument("--format", choices=["text", "md"], default="text")
    _common(p)

    p = sub.add_parser("serve", help="start the local web page (127.0.0.1 by default)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--db", default=None, metavar="PATH", help="case history database (SQLite file)")
    _common(p)

    p = sub.add_parser("history", help="the case history: list, show or export")
    p.add_argument("action", choices=["list", "show", "export"])
    p.add_argument("ref", nargs="?", metavar="RUN_ID")
    p.add_argument("--db", required=True, metavar="PATH")
    p.add_argument("--format", choices=["text", "json", "csv"], default="text")
    p.add_argument("--out", default=None, metavar="FILE")
    return parser


def _version() -> str:
    from checker import __version__

    return __version__


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    if getattr(args, "as_of", "absent") is None:
        args.as_of = dt.date.today()
    try:
        if args.command == "check":
            from checker.commands import run_check

            return run_check(args)
        if args.command == "extract":
            from checker.extract import run_extract

            return run_extract(args)
        if args.command == "batch":
            from checker.batch import run_batch

            return run_batch(args)
        if args.command == "rules":
            from checker.commands import run_rules

            return run_rules(args)
        if args.command == "serve":
            from checker.web.app import run_serve

            return run_serve(args)
        if args.command == "history":
            from checker.history import run_history

            return run_history(args)
    except UsageError as exc:
        print(f"itaku: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    parser.error(f"unknown command {args.command}")
    return EXIT_USAGE


class UsageError(Exception):
    """A mistake in how the command was called (exit status 2); the message says what to do."""


if __name__ == "__main__":  # pragma: no cover - ``python -m checker.cli``
    # Run the imported module's main, not this __main__ copy's: the subcommands import
    # UsageError from checker.cli, and a second class would escape as a traceback.
    from checker.cli import main as _main

    sys.exit(_main())
