"""``lcdkb denials import | reasons | report``: the arguments, and the runners. This module imports only argparse
at parser-building time; DuckDB, pyarrow, pyx12 and matplotlib load inside the runners that need them."""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

_HTTPS = re.compile(r"https://[^\s\x00-\x1f\x7f<>\"'`]+")


def add_denials_commands(commands, common: argparse.ArgumentParser, data_option, date_type) -> None:
    denials = commands.add_parser("denials", help="track denials from 835 remits: import, reasons, weekly report")
    actions = denials.add_subparsers(dest="denials_command", metavar="ACTION")
    actions.required = True

    importing = actions.add_parser(
        "import",
        parents=[common],
        help="import 835 remittance files or a denial CSV into the denial database",
        description="Read ASC X12 5010 835 files (or denial CSV exports) into the denial database. Each file is "
        "added in one transaction; a file already imported (same content) adds nothing; a bad file adds nothing "
        "and its problem is named with the segment or line. Exit 1 when any file failed.",
    )
    importing.add_argument("files", nargs="+", type=Path, metavar="FILE")
    _db_option(importing)
    importing.add_argument("--payer", metavar="ID", help="the payer ID for every file (instead of the name in it)")
    importing.add_argument(
        "--strict",
        action="store_true",
        help="also validate each 835 against the whole 5010 guide with pyx12 (about 12,000 segments a second)",
    )
    importing.add_argument("--format", choices=["text", "json"], default="text")
    data_option(importing)
    importing.set_defaults(run=run_import)

    reasons = actions.add_parser(
        "reasons",
        parents=[common],
        help="show the CARC/RARC crosswalk to reason groups",
        description="The crosswalk from claim adjustment reason codes and remark codes to lcdkb's reason groups, "
        "with its sources and the date it was checked.",
    )
    reasons.add_argument("--format", choices=["text", "json"], default="text")
    data_option(reasons)
    reasons.set_defaults(run=run_reasons)

    report = actions.add_parser(
        "report",
        parents=[common],
        help="weekly denials by payer x code x reason, spikes, patterns and the rules that explain them",
        description="Weekly denial counts and amounts, spikes against each trend's own baseline, recurring "
        "patterns, and for each the lcdkb rule that explains it and what to do.",
    )
    _db_option(report)
    report.add_argument("--weeks", type=int, default=12, help="weeks in the window, latest last (default 12)")
    report.add_argument("--until", type=date_type, metavar="YYYY-MM-DD", help="the latest week: the week of this day")
    report.add_argument("--payer", metavar="ID", help="only this payer")
    report.add_argument("--code", metavar="CODE", help="only this code")
    report.add_argument("--claims", type=Path, metavar="FILE.csv", help="the claims CSV of 'lcdkb check'")
    report.add_argument(
        "--site-url",
        metavar="URL",
        help="https address of the lcdkb site, for rule links (default: $LCDKB_SITE_URL, else page paths only)",
    )
    report.add_argument("--format", choices=["text", "json", "html"], default="text")
    report.add_argument("--out", type=Path, metavar="FILE", help="write the report here instead of standard output")
    data_option(report)
    report.set_defaults(run=run_report)


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        type=Path,
        metavar="PATH",
        help="the denial database (default: $LCDKB_DENIALS_DB, else denials.duckdb in the user data folder)",
    )


def _require(*modules: str) -> None:
    """A usage error, not a traceback, when the denials extra is not installed."""
    import importlib.util

    missing = [name for name in modules if importlib.util.find_spec(name) is None]
    if missing:
        raise _usage(
            f"lcdkb denials needs {', '.join(missing)}: install the denials extra "
            '(in a clone: pip install -c constraints.txt -e ".[denials]"; a wheel: pip install "WHEEL[denials]")'
        )


def _usage(message: str):
    from lcdkb.cli import UsageError

    return UsageError(message)


def _db_path(args) -> Path:
    from lcdkb.denials.store import default_path

    return args.db or default_path()


def run_import(args) -> int:
    from lcdkb import envelope
    from lcdkb.cli import _data_dir, _load_model
    from lcdkb.denials.importer import describe, import_file
    from lcdkb.denials.store import Store, StoreError
    from lcdkb.terminal import safe

    _require("duckdb", "pyarrow", *(["pyx12"] if args.strict else []))
    kb = _load_model(args, cached=True)
    if kb is None:
        return 1
    if args.payer and args.payer not in kb.payers:
        raise _usage(f"--payer {args.payer}: not a payer ID; 'lcdkb lookup --list-payers' lists them")
    try:
        with Store(_db_path(args)) as store:
            results = [import_file(kb, store, path, args.payer, args.strict) for path in args.files]
    except StoreError as exc:
        raise _usage(str(exc)) from None
    if args.format == "json":
        data = {"database": str(_db_path(args)), "files": [r.as_data() for r in results]}
        sys.stdout.write(envelope.dumps("denials-import", _data_dir(args), data))
    for result in results:
        if result.status == "failed":
            print(f"lcdkb: error: {describe(result)}", file=sys.stderr)
        elif not args.quiet and args.format == "text":
            print(describe(result))
    added = sum(r.lines_added for r in results)
    if not args.quiet and args.format == "text":
        print(f"{added} service line(s) added to {safe(_db_path(args))}")
    return 1 if any(r.status == "failed" for r in results) else 0


def run_reasons(args) -> int:
    from lcdkb import envelope
    from lcdkb.cli import _data_dir
    from lcdkb.denials.reasons import GROUP_ORDER, CrosswalkError, load
    from lcdkb.terminal import safe_lines

    try:
        crosswalk = load()
    except CrosswalkError as exc:
        raise _usage(str(exc)) from None
    if args.format == "json":
        sys.stdout.write(envelope.dumps("denials-reasons", _data_dir(args), crosswalk.as_data()))
        return 0
    data = crosswalk.as_data()
    out = [f"Reason groups (crosswalk checked {data['checked']}):"]
    out += [f"  {g:<20} {crosswalk.groups[g]}" for g in GROUP_ORDER]
    out += ["", f"Routine adjustments, not denials: CARC {', '.join(data['routine'])}", "", "CARC:"]
    out += [f"  {e['code']:<5} {e['group']:<20} {e['confidence']:<7} {e['label']}" for e in data["carc"]]
    out += ["", "RARC:"]
    out += [f"  {e['code']:<5} {e['group']:<20} {e['confidence']:<7} {e['label']}" for e in data["rarc"]]
    out += ["", "Sources (the code lists are X12's; the labels are lcdkb's own):"]
    out += [f"  {s['url']}: {s['note']}" for s in data["sources"]]
    sys.stdout.write(safe_lines("\n".join(out)) + "\n")
    return 0


def _site_url(args) -> str | None:
    url = args.site_url or os.environ.get("LCDKB_SITE_URL") or None
    if url and not _HTTPS.fullmatch(url):
        raise _usage("--site-url must be an https:// address without spaces or quotes")
    return url


def run_report(args) -> int:
    from lcdkb import envelope
    from lcdkb.claims.lines import MAX_FILE_BYTES
    from lcdkb.cli import _data_dir, _load_model, _open_claims
    from lcdkb.denials import precheck, reasons, report_data, weekly
    from lcdkb.denials.store import Store, StoreError
    from lcdkb.terminal import safe_lines

    if not 1 <= args.weeks <= 260:
        raise _usage("--weeks must be from 1 to 260")
    site_url = _site_url(args)
    _require("duckdb", *(["matplotlib"] if args.format == "html" else []))
    kb = _load_model(args, cached=True)
    if kb is None:
        return 1
    if args.payer and args.payer not in kb.payers:
        raise _usage(f"--payer {args.payer}: not a payer ID; 'lcdkb lookup --list-payers' lists them")
    code = args.code.strip().upper() if args.code else None
    settings = weekly.Settings(weeks=args.weeks, until=args.until, payer=args.payer, code=code)
    settings = _fit_patterns(settings)
    crosswalk = reasons.load()
    from lcdkb.claims.seen import SeenStoreError

    try:
        with Store(_db_path(args), read_only=True) as store:
            analysis = weekly.analyse(store.con, crosswalk, settings)
            checked = None
            if args.claims:
                source = _open_claims(args.claims, MAX_FILE_BYTES)
                try:
                    checked = precheck.run(kb, store.con, store.hasher(), source)
                finally:
                    if source is not sys.stdin.buffer:
                        source.close()
    except (StoreError, SeenStoreError) as exc:  # SeenStoreError: no temporary folder for the claim IDs met
        raise _usage(str(exc)) from None
    report = report_data.build(kb, crosswalk, analysis, checked, site_url)
    if args.format == "json":
        text = envelope.dumps("denials-report", _data_dir(args), report)
    elif args.format == "html":
        from lcdkb.denials.report_html import render

        text = render(report, crosswalk.groups)
    else:
        from lcdkb.denials.report_text import render as render_text

        text = safe_lines(render_text(report))
    _write(args.out, text)
    return 0


def _fit_patterns(settings):
    """A window shorter than the pattern rule's weeks looks for patterns in the whole window."""
    from dataclasses import replace

    if settings.weeks >= settings.pattern_weeks:
        return settings
    return replace(settings, pattern_weeks=settings.weeks, pattern_min=max(2, settings.weeks * 3 // 4))


def _write(out: Path | None, text: str) -> None:
    if out is None:
        sys.stdout.write(text)
        return
    partial = out.with_name(out.name + ".partial")
    try:
        partial.write_text(text, encoding="utf-8")
        partial.replace(out)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise _usage(f"cannot write {out}: {exc.strerror or exc}") from None
