"""``itaku check`` and ``itaku rules``: glue between the CLI, the pipeline and the reports.

Exit statuses (SPEC.md "Command line"): 0 when every rule of every case is ``ok`` or
``not_applicable`` and every document was read; 1 when any check is ``missing``,
``violation`` or ``needs_review`` (accepted findings excepted) or a document could not be
read; 2 for a usage error (a path that does not exist, an unknown profile or rule, a
report that cannot be written) or when nothing could be read at all.
"""
from __future__ import annotations

import sys
from pathlib import Path

from checker.cli import EXIT_FLAGGED, EXIT_OK, EXIT_USAGE, UsageError


def exit_status(results) -> int:
    """SPEC.md: 0 all ok/n.a. and all read; 1 anything flagged or unreadable; 2 nothing read.

    A case without any document (an empty folder) counts as a document not read.
    """
    docs = [d for r in results for d in r.documents]
    if not docs or all(d.error for d in docs):
        return EXIT_USAGE
    if any(r.exit_flagged or not r.documents for r in results):
        return EXIT_FLAGGED
    return EXIT_OK


def _load_profile(name):
    """The active profile; a profile that cannot be found or loaded is a usage error."""
    from checker.profile import load_profile

    try:
        return load_profile(name)
    except (ValueError, OSError) as exc:  # RulebookError is a ValueError; its message names file:line
        raise UsageError(str(exc)) from None


def _check_paths(paths: list[str], out: str | None) -> None:
    for p in paths:
        if not Path(p).exists():
            raise UsageError(f"{p}: ファイル又はフォルダが見つかりません。パスを確認してください。")
    if out:
        o = Path(out)
        if o.is_dir():
            raise UsageError(f"--out {out}: フォルダです。書き出すファイルの名前を指定してください。")
        if any(o.resolve() == Path(p).resolve() for p in paths):
            raise UsageError(f"--out {out}: チェックする文書と同じファイルです。別のファイル名を指定してください。")


def _warn(msg: str) -> None:
    print(f"itaku: {msg}", file=sys.stderr)


def run_check(args) -> int:
    from checker.api import check_case, load_case
    from checker.report import ReportError, render

    _check_paths(args.paths, args.out)
    profile = _load_profile(args.profile)
    from checker.read.guard import reader_session

    # one guarded reader child for all the documents of this command (limits still per
    # document; a document that kills it is re-read alone), not a fresh child per PDF
    with reader_session():
        results = [check_case(load_case(Path(p)), args.as_of, profile) for p in args.paths]
    try:
        out = render(results, args.format, as_of=args.as_of, redact=args.redact, profile=profile)
    except ReportError as exc:
        raise UsageError(str(exc)) from None

    for r in results:
        if not r.documents:
            _warn(f"{r.case}: 読み込める文書がありません。フォルダの中身を確認してください。")
    status = exit_status(results)
    if status == EXIT_USAGE:
        _warn("読み込めた文書が一つもありません。各文書の読めない理由はレポートを見てください"
              "（テキスト付きのPDF、DOCX又はテキストファイルで用意してください）。")

    if args.out:
        from checker.atomic import write_text_atomic

        try:
            write_text_atomic(Path(args.out), out if out.endswith("\n") else out + "\n")
        except OSError as exc:
            raise UsageError(f"--out {args.out}: レポートを書き出せませんでした（{exc.strerror or exc}）。"
                             f"書き込める場所を指定してください。") from None
    else:
        sys.stdout.write(out)
        if not out.endswith("\n"):
            sys.stdout.write("\n")
        sys.stdout.flush()
    return status


def run_rules(args) -> int:
    from checker.report import ReportError, render_rules

    profile = _load_profile(args.profile)
    try:
        text = render_rules(profile, args.id, fmt=args.format)
    except ReportError as exc:
        raise UsageError(str(exc)) from None
    sys.stdout.write(text)
    return EXIT_OK
