"""``lcdkb check`` with flags instead of a CSV: the claim lines the flags describe, and the report written in
the command's envelope. The full command (lcdkb.cli) and the quick desk path (lcdkb.desk) both use these, so a
one-line check prints the same bytes either way."""

from __future__ import annotations

import sys

from lcdkb.record import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from lcdkb.claims.engine import ClaimStream
    from lcdkb.claims.lines import ClaimLine
    from lcdkb.model import KnowledgeBase


class FlagError(Exception):
    """A flag's value the data or the line format refuses, in one line for the user."""


def claim_lines(args, kb: KnowledgeBase) -> list[ClaimLine]:
    """One claim line per --code, from the other flags (named as argparse names them on ``args``)."""
    from datetime import date

    from lcdkb.claims.engine import line_problem
    from lcdkb.claims.lines import parse_line

    lines = []
    for code in args.code:
        values = {
            "claim_id": "claim",
            "date_of_service": args.date or date.today().isoformat(),
            "payer_id": args.payer,
            "state": args.state,
            "place_of_service": args.pos,
            "code": code,
            "modifiers": " ".join(args.modifier),
            "units": args.units,
            "diagnoses": " ".join(args.dx),
            "minutes": args.minutes,
            "prior_auth": args.prior_auth,
        }
        try:
            line = parse_line(values, modifiers=set(kb.modifiers))
        except ValueError as exc:
            raise FlagError(str(exc)) from None
        if problem := line_problem(kb, line):  # an unknown code, payer or state, with close matches
            raise FlagError(problem)
        lines.append(line)
    return lines


def report(stream: ClaimStream, args, data_dir: Path | str) -> int:
    """Write the check's report as it comes, inside the JSON envelope for json and jsonl; the exit code."""
    from lcdkb.claims.report import write_report

    if args.format in ("json", "jsonl"):
        import json
        from pathlib import Path

        from lcdkb import envelope

        data_dir = Path(data_dir)
        if args.format == "json":
            sys.stdout.write(envelope.stream_prefix("check", data_dir))
        else:
            sys.stdout.write(
                json.dumps({"type": "header", **envelope.header("check", data_dir)}, ensure_ascii=False) + "\n"
            )
    tally = write_report(stream, args.format, sys.stdout, lambda: stream.lines_checked, quiet=args.quiet)
    if args.format == "json":
        sys.stdout.write("}\n")
    return tally.exit_code
