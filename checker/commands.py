"""``itaku check`` and ``itaku rules``: glue between the CLI, the pipeline and the reports."""
from __future__ import annotations

import sys
from pathlib import Path

from checker.cli import EXIT_FLAGGED, EXIT_OK, EXIT_USAGE, UsageError


def exit_status(results) -> int:
    """SPEC.md: 0 all ok/n.a. and all read; 1 anything flagged or unreadable; 2 nothing read."""
    docs = [d for r in results for d in r.documents]
    if not docs or all(d.error for d in docs):
        return EXIT_USAGE
    return EXIT_FLAGGED if any(r.exit_flagged for r in results) else EXIT_OK


def run_check(args) -> int:
    from checker.api import check_case, load_case
    from checker.profile import load_profile
    from checker.report import render

    for p in args.paths:
        if not Path(p).exists():
            raise UsageError(f"{p}: ファイル又はフォルダが見つかりません。パスを確認してください。")
    profile = load_profile(args.profile)
    results = [check_case(load_case(Path(p)), args.as_of, profile) for p in args.paths]
    out = render(results, args.format, as_of=args.as_of, redact=args.redact, profile=profile)
    if args.out:
        from checker.atomic import write_text_atomic

        write_text_atomic(Path(args.out), out)
    else:
        sys.stdout.write(out)
        if not out.endswith("\n"):
            sys.stdout.write("\n")
    return exit_status(results)


def run_rules(args) -> int:
    from checker.profile import load_profile
    from checker.report import render_rules

    profile = load_profile(args.profile)
    sys.stdout.write(render_rules(profile, args.id, fmt=args.format))
    return EXIT_OK
