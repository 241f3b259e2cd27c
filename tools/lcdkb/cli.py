"""The ``lcdkb`` command line. Exit codes: 0 clean, 1 problems found, 2 usage errors."""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import threading
from datetime import date
from pathlib import Path

from lcdkb import __version__, envelope
from lcdkb.paths import DATA_ENV, default_data_dir
from lcdkb.terminal import safe, safe_lines

_PLAIN_HTTPS = re.compile(r"https://[^\s\x00-\x1f\x7f<>()\[\]\"'`]+")


class UsageError(Exception):
    pass


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (use YYYY-MM-DD)") from None


class _VersionAction(argparse.Action):
    """``--version``: lcdkb's version and which data it reads, named by date and content digest."""

    def __call__(self, parser, namespace, values, option_string=None):
        from lcdkb.bundle import snapshot

        data_dir = default_data_dir()
        line = f"lcdkb {__version__}"
        if data_dir.is_dir():
            info = snapshot(data_dir)
            if info["source"] == "bundled":
                line += f"; data: bundled snapshot of {info['date']}, sha256 {info['digest'][:16]}"
            else:
                line += f"; data: {safe(data_dir)}, files last changed {info['date']}, sha256 {info['digest'][:16]}"
        else:
            line += f"; no data folder at {safe(data_dir)}"
        print(line)
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lcdkb", description="Payer coverage rules for interventional pain billing.")
    parser.add_argument(
        "--version",
        action=_VersionAction,
        nargs=0,
        help="show lcdkb's version and the data snapshot it reads (date and digest), then exit",
    )
    common = argparse.ArgumentParser(add_help=False)
    loudness = common.add_mutually_exclusive_group()
    loudness.add_argument("-q", "--quiet", action="store_true", help="print only errors on standard error")
    loudness.add_argument(
        "-v", "--verbose", action="store_true", help="also print every data warning and the site engine's output"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    validate = commands.add_parser(
        "validate",
        parents=[common],
        help="check the data files (schema and named checks)",
        description="Check the data files. Exit 0 when clean, 1 when any error, 2 on usage errors.",
    )
    validate.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="only report problems in these files (the whole data folder is still read for references)",
    )
    _data_option(validate)
    validate.add_argument(
        "--format",
        choices=["text", "json", "github"],
        default="text",
        help="github: workflow commands, shown as inline annotations on pull requests",
    )
    validate.add_argument("--list-checks", action="store_true", help="print every check with its code and meaning")
    validate.add_argument("--today", type=_date, help=argparse.SUPPRESS)
    validate.set_defaults(run=_run_validate)

    export = commands.add_parser(
        "export",
        parents=[common],
        help="write the JSON API, CSV and export schema to a folder",
        description="Validate the data and write the public export (api/v1) to --out. "
        "The folder is replaced only when everything was written.",
    )
    _data_option(export)
    export.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder (replaced as a whole)")
    export.add_argument(
        "--since",
        metavar="EXPORT|REV",
        help="baseline for changes.json: a previous all.json (or its folder) or a git revision",
    )
    export.set_defaults(run=_run_export)

    build = commands.add_parser(
        "build",
        parents=[common],
        help="validate, then build the site and its exports (site/ by default)",
        description="Validate the data, generate the site's pages, build them with MkDocs "
        "(--strict) and write the exports into api/v1/. The output folder is "
        "replaced only when everything built.",
    )
    _data_option(build)
    build.add_argument("--out", type=Path, default=Path("site"), metavar="DIR", help="output folder (default: site)")
    build.set_defaults(run=_run_build)

    stale = commands.add_parser(
        "stale",
        parents=[common],
        help="list rules overdue, due soon or with a changed source (exit 1 when any is overdue or changed)",
        description="Each rule's review status from last_reviewed + its review interval: "
        "current, due-soon or overdue; source-changed, ahead of the clock, when CMS's listing shows a cited "
        "document retired or at another version than the one read. Most urgent first.",
    )
    _data_option(stale)
    stale.add_argument("--today", type=_date, help="judge on this date (default: today)")
    stale.add_argument(
        "--due-within",
        type=int,
        default=14,
        metavar="DAYS",
        help="due-soon means due within this many days (default 14)",
    )
    stale.add_argument("--format", choices=["text", "json", "markdown"], default="text")
    stale.add_argument("--all", action="store_true", help="also list current rules (text format)")
    stale.add_argument(
        "--max-chars",
        type=int,
        metavar="N",
        help="markdown only: at most N characters, whole rows, most urgent first (issue bodies)",
    )
    stale.add_argument("--more-url", metavar="URL", help="markdown only: https link to the full list, for --max-chars")
    stale.add_argument(
        "--fail-on",
        choices=["overdue", "due-soon", "never"],
        default="overdue",
        help="exit 1 when any rule is overdue or source-changed (default), due soon or worse, or never",
    )
    stale.set_defaults(run=_run_stale)

    review = commands.add_parser("review", help="record reviews in the data files")
    review_commands = review.add_subparsers(dest="review_command", metavar="ACTION")
    review_commands.required = True
    mark = review_commands.add_parser(
        "mark",
        parents=[common],
        help="set last_reviewed and reviewed_by on a payer's rules",
        description="Record that rules were checked against their sources. Only the "
        "review values change; comments and layout are kept.",
    )
    mark.add_argument("payer", metavar="PAYER", help="payer file (lcd_data/payers/x.yaml) or payer ID")
    mark.add_argument("--code", action="append", metavar="CODE", help="only this code's rule (repeatable)")
    mark.add_argument("--by", required=True, metavar="NAME", help="who reviewed")
    mark.add_argument("--on", type=_date, metavar="YYYY-MM-DD", help="the review date (default: today)")
    _data_option(mark)
    mark.set_defaults(run=_run_review_mark)

    sources = commands.add_parser("sources", help="compare the cited LCDs and articles with CMS's listing")
    sources_commands = sources.add_subparsers(dest="sources_command", metavar="ACTION")
    sources_commands.required = True
    sources_check = sources_commands.add_parser(
        "check",
        parents=[common],
        help="which cited LCDs and articles CMS lists as newer, retired or missing (exit 1 when any changed)",
        description="Compare every LCD and billing article the data cites with CMS's listing: unchanged, "
        "newer-version, retired, not-found or differs, with the rules each affects. Without --listing, fetch the "
        "Coverage API's local LCD and article reports (cached on disk). Exit 0 when all are unchanged, 1 when "
        "any changed, 2 on bad input or when the listing cannot be had.",
    )
    sources_check.add_argument(
        "--listing",
        action="append",
        type=Path,
        metavar="FILE",
        help="a saved listing: CMS's listing CSV, or a Coverage API report in JSON (repeat for the LCD and the "
        "article report); without it, fetch both reports",
    )
    sources_check.add_argument("--api-url", default=None, metavar="URL", help="the Coverage API (default: CMS's)")
    sources_check.add_argument(
        "--timeout", type=float, default=60.0, metavar="SECONDS", help="seconds to wait for the API (default 60)"
    )
    sources_check.add_argument("--payer", action="append", metavar="ID", help="only this payer's sources (repeatable)")
    sources_check.add_argument("--today", type=_date, help="compare on this date (default: today)")
    sources_check.add_argument("--format", choices=["text", "json", "markdown"], default="text")
    sources_check.add_argument("--all", action="store_true", help="text: also list unchanged sources")
    sources_check.add_argument(
        "--max-chars", type=int, metavar="N", help="markdown only: at most N characters, whole rows"
    )
    sources_check.add_argument("--more-url", metavar="URL", help="markdown only: https link to the full list")
    sources_check.add_argument(
        "--write",
        action="store_true",
        help="record listed_version, listed_on, listed_status and compared_on in each compared source entry",
    )
    _data_option(sources_check)
    sources_check.set_defaults(run=_run_sources_check)
    pull_codes = sources_commands.add_parser(
        "pull-codes",
        parents=[common],
        help="propose a rule's diagnoses from a billing article's code lists (dry run: a diff; --write applies it)",
        description="Import a billing article's HCPCS/CPT code numbers and covered ICD-10-CM codes from the CMS "
        "Coverage API and propose each citing rule's diagnoses fact (completeness: complete), recording the "
        "article's version on its source entry. Prints a unified diff; --write applies it. No CPT descriptor "
        "text is read into the data or printed. Exit 0 when proposed or written, 2 on bad input.",
    )
    pull_codes.add_argument("article", metavar="ARTICLE_ID", help="the billing article, for example A57701")
    pull_codes.add_argument("--payer", required=True, metavar="ID", help="the payer file whose rules get the codes")
    pull_codes.add_argument(
        "--code",
        action="append",
        metavar="CODE",
        help="only this rule's code (repeatable; default: every rule citing the article)",
    )
    pull_codes.add_argument("--write", action="store_true", help="apply the change (default: print the diff only)")
    pull_codes.add_argument("--api-url", default=None, metavar="URL", help="the Coverage API (default: CMS's)")
    pull_codes.add_argument(
        "--response-dir",
        type=Path,
        metavar="DIR",
        help="offline: saved answers (article.json, hcpc-code.json, "
        "icd10-covered.json, icd10-covered-group.json) instead of the API",
    )
    pull_codes.add_argument(
        "--timeout", type=float, default=60.0, metavar="SECONDS", help="seconds to wait for the API (default 60)"
    )
    pull_codes.add_argument("--today", type=_date, help="the retrieval date recorded (default: today)")
    _data_option(pull_codes)
    pull_codes.set_defaults(run=_run_sources_pull_codes)

    diff = commands.add_parser(
        "diff",
        parents=[common],
        help="rule changes between two git revisions, in words",
        description="Compare the rules at REV_A (default HEAD) with REV_B (default: the working tree), field by field.",
    )
    diff.add_argument("rev_a", nargs="?", default="HEAD", metavar="REV_A")
    diff.add_argument("rev_b", nargs="?", metavar="REV_B")
    _data_option(diff)
    diff.add_argument("--format", choices=["text", "json"], default="text")
    diff.set_defaults(run=_run_diff)

    lookup = commands.add_parser(
        "lookup",
        parents=[common],
        help="what a payer needs for a code (prior auth, modifiers, units ...)",
        description="A short card per payer for one code. --state gives Medicare's contractor "
        "there plus the national rules; without --payer or --state, every payer.",
    )
    lookup.add_argument("code", nargs="?", metavar="CODE")
    lookup.add_argument("--payer", metavar="ID", help="payer ID, alias or name (medicare-jh, Novitas JH, Aetna)")
    lookup.add_argument(
        "--state",
        metavar="XX",
        help="state code or name: Medicare there (its contractor and the national rules); with --payer, that payer "
        "in the state",
    )
    lookup.add_argument(
        "--setting",
        choices=["office", "asc", "hospital-outpatient", "home"],
        help="show prior authorization for this setting",
    )
    lookup.add_argument("--date", type=_date, metavar="YYYY-MM-DD", help="date of service (default: today)")
    lookup.add_argument("--format", choices=["text", "json"], default="text")
    lookup.add_argument("--list-payers", action="store_true", help="list payer IDs and aliases")
    _data_option(lookup)
    lookup.set_defaults(run=_run_lookup)

    check = commands.add_parser(
        "check",
        parents=[common],
        help="pre-check claim lines against the payer's rules",
        description="Check one claim line from flags, or a CSV of claim lines (--claims). "
        "Exit 2 when the input has a problem (each is reported with its line), "
        "else 1 when any finding is an error.",
    )
    check.add_argument(
        "--claims",
        type=Path,
        metavar="FILE.csv",
        help="UTF-8 CSV with columns claim_id, date_of_service, payer_id or state, place_of_service, "
        "code, modifiers, units, diagnoses, minutes, prior_auth ('-' reads standard input)",
    )
    check.add_argument(
        "--max-claims-mib",
        type=int,
        default=512,
        metavar="MIB",
        help="refuse a claims file bigger than this (default 512)",
    )
    check.add_argument("--payer", metavar="ID")
    check.add_argument("--state", metavar="XX")
    check.add_argument("--code", action="append", metavar="CODE", help="a code on the claim (repeat for more lines)")
    check.add_argument("--dx", action="append", default=[], metavar="ICD10", help="a diagnosis (repeatable)")
    check.add_argument(
        "--modifier",
        action="append",
        default=[],
        metavar="MOD",
        help="a modifier (repeatable; applies to every --code)",
    )
    check.add_argument("--units", default="1", metavar="N")
    check.add_argument("--pos", metavar="NN", help="place of service (11 office, 22 outpatient hospital, 24 ASC)")
    check.add_argument("--date", metavar="YYYY-MM-DD", help="date of service (default: today)")
    check.add_argument("--minutes", metavar="N")
    check.add_argument("--prior-auth", choices=["yes", "no"], help="whether a prior authorization is on file")
    check.add_argument(
        "--format",
        choices=["text", "json", "jsonl"],
        default="text",
        help="jsonl: one JSON object a line per finding or input problem, then a summary",
    )
    _data_option(check)
    check.set_defaults(run=_run_check)

    completion = commands.add_parser(
        "completion",
        help="print a shell completion script (bash, zsh or tcsh)",
        description="Print a completion script. Bash: lcdkb completion bash > ~/.local/share/bash-completion/"
        "completions/lcdkb; zsh: lcdkb completion zsh > ~/.zfunc/_lcdkb (with ~/.zfunc in fpath).",
    )
    completion.add_argument("shell", choices=["bash", "zsh", "tcsh"])
    completion.set_defaults(run=_run_completion)

    coverage = commands.add_parser(
        "coverage", parents=[common], help="print the payers x codes table of verified / unverified facts"
    )
    _data_option(coverage)
    coverage.set_defaults(run=_run_coverage)

    from lcdkb.denials.command_line import add_denials_commands  # argparse only; duckdb etc. load when run

    add_denials_commands(commands, common, _data_option, _date)
    return parser


def _data_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        help=f"data folder (default: ${DATA_ENV}, else ./lcd_data, else the repository's lcd_data/)",
    )


def _data_dir(args) -> Path:
    root = args.data or default_data_dir()
    if not root.is_dir():
        raise UsageError(f"data folder '{root}' does not exist (set --data DIR or ${DATA_ENV})")
    return root


def _run_validate(args) -> int:
    from lcdkb.checks import all_checks
    from lcdkb.problems import has_errors, summary, to_json
    from lcdkb.validate import validate

    if args.list_checks:
        for check in all_checks():
            print(f"{check.code}  {check.severity:<7}  {check.name:<26}  {check.description}")
        return 0
    for path in args.paths:
        if not path.exists() and not path.is_symlink():
            raise UsageError(f"no such file: {path}")
    result = validate(_data_dir(args), args.paths, today=args.today)
    if args.format == "json":
        sys.stdout.write(envelope.dumps("validate", _data_dir(args), json.loads(to_json(result.problems))))
    elif args.format == "github":
        for problem in result.problems:
            print(problem.as_github())
    else:
        for problem in result.problems:
            print(problem.as_text())
    if _level(args) or has_errors(result.problems):
        print(summary(result.problems, result.files_checked), file=sys.stderr)
    return 1 if has_errors(result.problems) else 0


def _level(args) -> int:
    from lcdkb.progress import NORMAL, QUIET, VERBOSE

    return QUIET if getattr(args, "quiet", False) else VERBOSE if getattr(args, "verbose", False) else NORMAL


def _load_model(args, cached: bool = False, show_warnings: bool = False, code: str | None = None):
    """Validate and build the model; on errors print them and return None (nothing is written).
    ``cached``: reuse the model of an unchanged data folder (see lcdkb.cache); with ``code``, the cached rules
    of that code may be all that is returned. Data warnings: listed in full with ``show_warnings`` (build and
    export) or --verbose, else counted in one line; --quiet leaves them out."""
    data_dir = _data_dir(args)
    cached = cached and _level(args) < 2  # --verbose validates again, to list every data warning
    if not (cached and code is not None):
        return _read_model(args, data_dir, cached, show_warnings, code)
    from lcdkb import desk_index  # a cached query for one code also leaves its desk index (lcdkb.desk)
    from lcdkb.paths import schema_dir

    schemas = str(schema_dir())
    taken = desk_index.before_reading(str(data_dir), schemas)
    kb = _read_model(args, data_dir, cached, show_warnings, code)
    if kb is not None:
        desk_index.store(str(data_dir), schemas, code, kb, taken)
    return kb


def _read_model(args, data_dir: Path, cached: bool, show_warnings: bool, code: str | None):
    from lcdkb import cache

    if cached and (kb := cache.load(data_dir, code)) is not None:
        return kb
    from lcdkb.model import build_model
    from lcdkb.problems import has_errors, summary
    from lcdkb.validate import validate

    before = cache.before_reading(data_dir) if cached else None
    result = validate(data_dir)
    level = _level(args)
    list_warnings = level == 2 or (show_warnings and level == 1)
    for problem in result.problems:
        if problem.severity == "error" or list_warnings:
            print(problem.as_text(), file=sys.stderr)
    warnings = sum(p.severity != "error" for p in result.problems)
    if warnings and level == 1 and not list_warnings and not has_errors(result.problems):
        print(f"lcdkb: {warnings} warning(s) in the data; 'lcdkb validate' lists them", file=sys.stderr)
    if has_errors(result.problems):
        print(
            summary(result.problems, result.files_checked) + "; nothing written. Run 'lcdkb validate' for details.",
            file=sys.stderr,
        )
        return None
    kb = build_model(result)
    if cached:
        cache.store(data_dir, kb, before)
    return kb


def _model_for_output(args):
    """Refuse an output folder lcdkb may not replace before any work, then load the model."""
    from lcdkb.output_tree import OutputError, check_replaceable, recover_now

    try:
        recover_now(args.out)
        check_replaceable(args.out)
    except OutputError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    return _load_model(args, show_warnings=True)


def _run_export(args) -> int:
    from lcdkb.exports.baseline import BaselineError, load_baseline
    from lcdkb.exports.render import ExportInvalid, render_export
    from lcdkb.output_tree import OutputError, replace_tree

    kb = _model_for_output(args)
    if kb is None:
        return 1
    baseline: tuple[dict | None, str | None, str | None] = (None, None, None)
    if args.since:
        try:
            baseline = load_baseline(args.since, _data_dir(args))
        except BaselineError as exc:
            raise UsageError(str(exc)) from None
    try:
        files = render_export(kb, *baseline)
        replace_tree(args.out, files)
    except (OutputError, ValueError, ExportInvalid) as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(f"wrote {len(files)} files to {args.out} ({len(kb.payers)} payers, {len(kb.rules)} rules)", file=sys.stderr)
    return 0


def _run_build(args) -> int:
    from lcdkb.exports.render import ExportInvalid
    from lcdkb.output_tree import OutputError
    from lcdkb.progress import Progress
    from lcdkb.site.build import BuildError, build_site

    progress = Progress("build", _level(args))
    with progress.stage("validated the data and built the model"):
        kb = _model_for_output(args)
    if kb is None:
        return 1
    try:
        pages = build_site(kb, args.out, progress=progress)
    except (BuildError, OutputError, ValueError, ExportInvalid) as exc:
        print(f"lcdkb: error: {safe(exc)}", file=sys.stderr)
        return 1
    except OSError as exc:
        raise UsageError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    progress.done(
        f"built {pages} pages and the api/v1 exports into {safe(args.out)} "
        f"({len(kb.payers)} payers, {len(kb.rules)} rules)"
    )
    return 0


def _run_stale(args) -> int:
    from lcdkb.stale import FAIL_ON, as_data, render_markdown, render_text, stale_entries

    if args.due_within < 0:
        raise UsageError("--due-within must be 0 or more days")
    _check_markdown_cap(args)
    kb = _load_model(args)
    if kb is None:
        return 1
    today = args.today or date.today()
    entries = stale_entries(kb, today, args.due_within)
    if args.format == "json":
        sys.stdout.write(envelope.dumps("stale", _data_dir(args), as_data(entries, today, args.due_within)))
    elif args.format == "markdown":
        sys.stdout.write(render_markdown(entries, today, args.max_chars, args.more_url))
    else:
        sys.stdout.write(safe_lines(render_text(entries, today, show_current=args.all)))
    failing = FAIL_ON[args.fail_on]  # a rule whose source changed counts as overdue
    return 1 if any(e.status in failing for e in entries) else 0


def _check_markdown_cap(args) -> None:
    if (args.max_chars is not None or args.more_url) and args.format != "markdown":
        raise UsageError("--max-chars and --more-url only apply to --format markdown")
    if args.max_chars is not None and args.max_chars < 1000:
        raise UsageError("--max-chars must be at least 1000")
    if args.more_url and not _PLAIN_HTTPS.fullmatch(args.more_url):
        raise UsageError("--more-url must be an https:// address without spaces, quotes, brackets or parentheses")


def _run_review_mark(args) -> int:
    from lcdkb.paths import display_path
    from lcdkb.problems import has_errors
    from lcdkb.review_mark import ReviewError, mark_reviewed, payer_file
    from lcdkb.terminal import quoted, safe
    from lcdkb.validate import validate

    data_dir = _data_dir(args)
    on = args.on or date.today()
    try:
        path = payer_file(args.payer, data_dir)
        marked = mark_reviewed(path, args.by, on, args.code, data_dir=data_dir)
    except ReviewError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:  # ReviewError covers the known cases; never show a traceback for the rest
        where = safe(exc.filename or args.payer)
        raise UsageError(f"{where}: {exc.strerror or exc}; the file was not changed") from None
    result = validate(data_dir, [path])
    for problem in result.problems:
        print(problem.as_text(), file=sys.stderr)
    print(
        f"marked {len(marked.codes)} rule(s) in {safe(display_path(path))} as reviewed on {on.isoformat()} "
        f"by {quoted(marked.by)}",
        file=sys.stderr,
    )
    return 1 if has_errors(result.problems) else 0


def _run_sources_check(args) -> int:
    from lcdkb.sources.client import DEFAULT_API, FetchError, fetch_listing, http_cache_folder
    from lcdkb.sources.compare import CompareError, compare
    from lcdkb.sources.listing import ListingError, combined, read_listing_file
    from lcdkb.sources.report import as_data, render_markdown, render_text

    _check_markdown_cap(args)
    if not 0 < args.timeout <= 600:
        raise UsageError("--timeout must be more than 0 and at most 600 seconds")
    if args.listing and args.api_url:
        raise UsageError("give either --listing FILE (offline) or --api-url URL, not both")
    kb = _load_model(args)
    if kb is None:
        return 1
    unknown = sorted(set(args.payer or ()) - set(kb.payers))
    if unknown:
        raise UsageError(f"no payer {', '.join(unknown)}; 'lcdkb lookup --list-payers' lists them")
    today = args.today or date.today()
    verbose = _level(args) == 2
    try:
        if args.listing:
            listing = combined(read_listing_file(path) for path in args.listing)
        else:
            note = (lambda line: print(f"lcdkb: {safe(line)}", file=sys.stderr)) if verbose else None
            listing = fetch_listing(args.api_url or DEFAULT_API, args.timeout, http_cache_folder(), note=note)
        result = compare(kb, listing, today, set(args.payer) if args.payer else None)
    except (ListingError, FetchError, CompareError) as exc:
        raise UsageError(str(exc)) from None
    invalid = _record_sources(args, result, today) if args.write else False
    if args.format == "json":
        sys.stdout.write(envelope.dumps("sources-check", _data_dir(args), as_data(result)))
    elif args.format == "markdown":
        sys.stdout.write(render_markdown(result, args.max_chars, args.more_url))
    else:
        sys.stdout.write(safe_lines(render_text(result, show_all=args.all)))
    return 1 if result.changed or invalid else 0


def _run_sources_pull_codes(args) -> int:
    from lcdkb.paths import display_path
    from lcdkb.problems import has_errors
    from lcdkb.sources.client import DEFAULT_API
    from lcdkb.sources.pull_codes import PullError, diff, fetch_article, propose, save
    from lcdkb.validate import validate

    if not 0 < args.timeout <= 600:
        raise UsageError("--timeout must be more than 0 and at most 600 seconds")
    if args.response_dir and args.api_url:
        raise UsageError("give either --response-dir DIR (offline) or --api-url URL, not both")
    kb = _load_model(args)
    if kb is None:
        return 1
    payer = kb.payers.get(args.payer)
    if payer is None or payer.path is None:
        raise UsageError(f"no payer {safe(args.payer)}; 'lcdkb lookup --list-payers' lists them")
    data_dir = _data_dir(args)
    today = args.today or date.today()
    note = (lambda line: print(f"lcdkb: {safe(line)}", file=sys.stderr)) if _level(args) == 2 else None
    try:
        article = fetch_article(
            args.article, today, args.api_url or DEFAULT_API, args.response_dir, args.timeout, note=note
        )
        proposal = propose(data_dir, payer.path, article, args.code, today)
        if args.write:
            save(proposal, data_dir)
    except PullError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"{safe(exc.filename or data_dir)}: {exc.strerror or exc}; nothing was written") from None
    for line in proposal.skipped:
        print(f"lcdkb: not proposed: {safe(line)}", file=sys.stderr)
    shown = safe(display_path(proposal.path))
    if not args.write:
        sys.stdout.write(safe_lines(diff(proposal, data_dir)))
        return 0
    problems = validate(data_dir, [proposal.path]).problems
    for problem in problems:
        if problem.severity == "error" or _level(args) == 2:
            print(problem.as_text(), file=sys.stderr)
    print(
        f"wrote {article.display_id} version {article.version}'s codes to {len(proposal.rules)} rule(s) in {shown}",
        file=sys.stderr,
    )
    return 1 if has_errors(problems) else 0


def _record_sources(args, result, today: date) -> bool:
    """--write: record the listing in the payer files, validate them; whether the data now has errors."""
    from lcdkb.paths import display_path
    from lcdkb.problems import has_errors
    from lcdkb.sources.write import WriteError, record
    from lcdkb.validate import validate

    data_dir = _data_dir(args)
    try:
        written = record(result.comparisons, data_dir, today)
    except WriteError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"{safe(exc.filename or data_dir)}: {exc.strerror or exc}; nothing more was written") from None
    problems = validate(data_dir, [w.path for w in written]).problems if written else []
    for problem in problems:
        if problem.severity == "error" or _level(args) == 2:
            print(problem.as_text(), file=sys.stderr)
    if _level(args):
        entries = sum(len(w.sources) for w in written)
        files = ", ".join(safe(display_path(w.path)) for w in written) or "no file changed"
        print(f"recorded the listing of {today.isoformat()} in {entries} source entries ({files})", file=sys.stderr)
    return has_errors(problems)


def _run_diff(args) -> int:
    from lcdkb.exports.baseline import BaselineError, export_at_revision
    from lcdkb.exports.slices import documents, stamp_for
    from lcdkb.semantic_diff import as_data, diff_exports, render_text

    data_dir = _data_dir(args)
    try:
        old = export_at_revision(args.rev_a, data_dir)
        if args.rev_b:
            new = export_at_revision(args.rev_b, data_dir)
        else:
            kb = _load_model(args)
            if kb is None:
                return 1
            new = documents(kb, stamp_for(kb))["all.json"]
    except BaselineError as exc:
        raise UsageError(str(exc)) from None
    right = args.rev_b or "working tree"
    changes = diff_exports(old, new)
    if args.format == "json":
        sys.stdout.write(envelope.dumps("diff", data_dir, as_data(changes, args.rev_a, right)))
    else:
        sys.stdout.write(safe_lines(render_text(changes, args.rev_a, right)))
    return 0


def _run_lookup(args) -> int:
    from lcdkb import lookup

    kb = _load_model(args, cached=True, code=(args.code or "").strip().upper() or None)
    if kb is None:
        return 1
    if args.list_payers:
        for payer in sorted(kb.payers.values(), key=lambda p: p.id):
            print(safe(f"{payer.id:<28} {payer.name}" + (f"  [{', '.join(payer.aliases)}]" if payer.aliases else "")))
        return 0
    if not args.code:
        raise UsageError("give a code, for example: lcdkb lookup 64483 --state TX")
    day = args.date or date.today()
    try:
        text = lookup.output(kb, args.code, args.payer, args.state, args.setting, day, args.format, _data_dir(args))
    except lookup.LookupError as exc:
        raise UsageError(str(exc)) from None
    sys.stdout.write(text)
    return 0


def _report_claims(stream, args) -> int:
    from lcdkb.claims.flags import report

    return report(stream, args, _data_dir(args))


def _run_check(args) -> int:
    from lcdkb.claims.engine import ClaimStream
    from lcdkb.claims.lines import read_claims
    from lcdkb.claims.seen import SeenStoreError

    if args.claims and args.code:
        raise UsageError("give either --claims FILE or --code flags, not both")
    if not args.claims and not args.code:
        raise UsageError("give --claims FILE.csv, or --code with --payer or --state")
    if args.max_claims_mib < 1:
        raise UsageError("--max-claims-mib must be 1 or more")
    max_bytes = args.max_claims_mib * 2**20
    source = _open_claims(args.claims, max_bytes) if args.claims else None
    codes = {code.strip().upper() for code in args.code or ()}
    try:
        # Flags for one code need only that code's rules: the cache's shard for it (see lcdkb.cache.load).
        kb = _load_model(args, cached=True, code=codes.pop() if source is None and len(codes) == 1 else None)
        if kb is None:
            return 1
        if source is None:
            stream = ClaimStream(kb, _claim_lines_from_flags(args, kb))
            return _report_claims(stream, args)
        stream = ClaimStream(kb, read_claims(source, set(kb.modifiers), max_bytes))
        try:
            return _report_claims(stream, args)
        except BrokenPipeError:
            raise
        except SeenStoreError as exc:
            raise UsageError(str(exc)) from None
        except OSError as exc:
            raise UsageError(f"cannot read {_shown(args.claims)}: {exc.strerror or exc}") from None
    finally:
        if source is not None and source is not sys.stdin.buffer:
            source.close()


def _shown(path: Path) -> str:
    from lcdkb.terminal import safe

    return safe(path)


def _open_claims(path: Path, max_bytes: int):
    """The claims file opened for reading bytes ('-': standard input); a regular file over ``max_bytes`` is
    refused before it is read."""
    import os
    import stat

    if str(path) == "-":
        return sys.stdin.buffer
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise UsageError(f"cannot read {_shown(path)}: {exc.strerror or exc}") from None
    info = os.fstat(handle.fileno())
    if stat.S_ISREG(info.st_mode) and info.st_size > max_bytes:
        handle.close()
        raise UsageError(
            f"cannot read {_shown(path)}: it is {info.st_size / 2**20:.1f} MiB, over the "
            f"{max_bytes // 2**20} MiB limit (--max-claims-mib raises it)"
        )
    return handle


def _claim_lines_from_flags(args, kb):
    from lcdkb.claims.flags import FlagError, claim_lines

    try:
        return claim_lines(args, kb)
    except FlagError as exc:
        raise UsageError(str(exc)) from None


def _run_coverage(args) -> int:
    from lcdkb.coverage import render_text

    kb = _load_model(args)
    if kb is None:
        return 1
    sys.stdout.write(safe_lines(render_text(kb)))
    return 0


class Terminated(BaseException):
    """SIGTERM (a cancelled CI job) raised as an exception, so every cleanup on the way out runs."""


def _raise_terminated(signum, frame) -> None:
    raise Terminated()


def _run_completion(args) -> int:
    import shtab

    sys.stdout.write(shtab.complete(build_parser(), shell=args.shell))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _raise_terminated) if _in_main_thread() else None
    try:
        return args.run(args)
    except UsageError as exc:
        print(f"lcdkb: error: {safe(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Terminated:
        print("lcdkb: stopped by SIGTERM; unfinished output was removed", file=sys.stderr)
        return 143
    except BrokenPipeError:
        return 0
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()
