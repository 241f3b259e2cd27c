"""The ``lcdkb`` command's entry point, with a quick path for the two questions asked at the billing desk.

``lcdkb lookup CODE`` and a one-line ``lcdkb check --code CODE`` in their common forms (the flags below, each
given once, with plain values) are answered from the code's desk index (``lcdkb.desk_index``) without loading
argparse, the validator or the model cache, so an answer starts within a few times the interpreter itself
(docs/performance.md). The answer is computed and printed by the very functions the full command uses
(``lcdkb.lookup.output``; ``lcdkb.claims.flags``): there is one renderer.

Everything else goes to the full command (``lcdkb.cli.main``) untouched: --help, other commands and flags, a
repeated or abbreviated flag, a value that could be an option, an unknown code, payer or state, a data folder
that is missing or changed since the index was written, and any error. Nothing is printed before the quick
path knows it can answer, so what the full command prints then is all there is. Set LCDKB_DESK=off to always
use the full command.
"""

from __future__ import annotations

import os
import sys

LOOKUP_FLAGS = {"--payer", "--state", "--setting", "--date", "--format", "--data"}
CHECK_FLAGS = {"--code", "--payer", "--state", "--dx", "--modifier", "--units", "--pos", "--date", "--minutes"}
CHECK_FLAGS |= {"--prior-auth", "--format", "--data"}
REPEATABLE = {"--dx", "--modifier"}
CHOICES = {
    ("lookup", "--setting"): ("office", "asc", "hospital-outpatient", "home"),
    ("lookup", "--format"): ("text", "json"),
    ("check", "--format"): ("text", "json", "jsonl"),
    ("check", "--prior-auth"): ("yes", "no"),
}


class Request:
    """The flags of one desk question, named as argparse names them (``args.payer``, ``args.prior_auth``), so the
    functions the full command calls with its parsed arguments take it as they are."""

    def __init__(self, command: str, values: dict[str, str], repeated: dict[str, list[str]], code: str | None):
        self.command = command
        self.lookup_code = code  # lookup's CODE; check's --code becomes ``code``, a list like argparse's
        self.code = [values["--code"]] if "--code" in values else []
        self.payer = values.get("--payer")
        self.state = values.get("--state")
        self.setting = values.get("--setting")
        self.date = values.get("--date")
        self.data = values.get("--data")
        self.format = values.get("--format", "text")
        self.pos = values.get("--pos")
        self.units = values.get("--units", "1")
        self.minutes = values.get("--minutes")
        self.prior_auth = values.get("--prior-auth")
        self.dx = repeated.get("--dx", [])
        self.modifier = repeated.get("--modifier", [])
        self.quiet = False


def parse(argv: list[str]) -> Request | None:
    """The desk question ``argv`` asks, or None when it is anything the quick path does not take."""
    if not argv or argv[0] not in ("lookup", "check"):
        return None
    command, allowed = argv[0], LOOKUP_FLAGS if argv[0] == "lookup" else CHECK_FLAGS
    values: dict[str, str] = {}
    repeated: dict[str, list[str]] = {}
    positional: list[str] = []
    tokens = iter(argv[1:])
    for token in tokens:
        if not token.startswith("-"):
            positional.append(token)
            continue
        flag, has_value, value = token.partition("=")
        if flag not in allowed:
            return None
        if not has_value:
            value = next(tokens, "-")
        if not value or value.startswith("-") or value not in CHOICES.get((command, flag), (value,)):
            return None
        if flag in REPEATABLE:
            repeated.setdefault(flag, []).append(value)
        elif flag in values:
            return None
        else:
            values[flag] = value
    if command == "lookup":
        if len(positional) != 1:
            return None
        return Request(command, values, repeated, positional[0])
    if positional or "--code" not in values or not ({"--payer", "--state"} & set(values)):
        return None
    return Request(command, values, repeated, None)


def data_folder(request: Request) -> str | None:
    """The data folder the full command would read: --data, else what ``lcdkb.paths.default_data_dir`` finds
    ($LCDKB_DATA and ./lcd_data are tried here first, without importing pathlib); None when it is not a folder
    (the full command says so)."""
    found = request.data or os.environ.get("LCDKB_DATA") or ("lcd_data" if os.path.isdir("lcd_data") else None)
    if found is None:
        from lcdkb.paths import default_data_dir  # the checkout's lcd_data/ or the package's bundled snapshot

        found = str(default_data_dir())
    return found if os.path.isdir(found) else None


def answer(request: Request) -> tuple[int, str, str] | None:
    """(exit code, standard output, standard error) of the answer, or None to leave the question to the full
    command. Nothing is printed here: the caller prints the answer only once it is whole."""
    from datetime import date

    from lcdkb import desk_index

    data_dir = data_folder(request)
    asked = (request.lookup_code if request.command == "lookup" else request.code[0]) or ""
    code = asked.strip().upper()
    if data_dir is None or not code:
        return None
    kb = desk_index.load(data_dir, code)
    if kb is None:
        return None
    if request.command == "lookup":
        from lcdkb import lookup

        try:
            day = date.fromisoformat(request.date) if request.date else date.today()
            text = lookup.output(
                kb, asked, request.payer, request.state, request.setting, day, request.format, data_dir
            )
        except (ValueError, lookup.LookupError, desk_index.NotInIndex):
            return None
        return 0, text, ""
    from io import StringIO

    from lcdkb.claims.engine import ClaimStream
    from lcdkb.claims.flags import FlagError, claim_lines, report

    # The report writes to the standard streams as it goes: here they are held until it is whole.
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = held_out, held_err = StringIO(), StringIO()
    try:
        status = report(ClaimStream(kb, claim_lines(request, kb)), request, data_dir)
    except (FlagError, desk_index.NotInIndex):
        return None
    finally:
        sys.stdout, sys.stderr = out, err
    return status, held_out.getvalue(), held_err.getvalue()


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if os.environ.get("LCDKB_DESK") != "off" and (request := parse(arguments)) is not None:
        try:
            answered = answer(request)
        except KeyboardInterrupt:
            return 130
        except Exception:  # anything unforeseen: the full command answers, and reports it as it always does
            answered = None
        if answered is not None:
            status, out, err = answered
            try:
                sys.stdout.write(out)
                sys.stdout.flush()
                sys.stderr.write(err)
            except BrokenPipeError:
                return 0
            return status
    from lcdkb.cli import main as full

    return full(argv)
