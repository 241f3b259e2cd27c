"""Group claim lines into sessions, find the payer's rules for each, and run every check; ``ClaimStream`` does it
claim by claim for input of any length."""

from __future__ import annotations

from collections import defaultdict
from itertools import groupby

from lcdkb.answers import rule_on
from lcdkb.claims.checks import ALL_CHECKS, Finding, Session
from lcdkb.claims.lines import ClaimLine, InputProblem
from lcdkb.lookup import LookupError, find_code, find_payer, find_state, rules_for
from lcdkb.record import TYPE_CHECKING, MutableRecord
from lcdkb.terminal import quoted

if TYPE_CHECKING:
    from collections.abc import Generator, Iterable, Iterator

    from lcdkb.claims.seen import SeenClaims
    from lcdkb.model import KnowledgeBase, Payer


def resolve(kb: KnowledgeBase, line: ClaimLine, code_too: bool = True) -> tuple[Payer | None, str | None]:
    """The line's payer and state, from IDs, aliases or names. Raises LookupError, with close matches, for a code,
    payer or state the data does not know, an alias that could mean two payers, or a payer that does not apply
    in the state: input problems, never findings."""
    if code_too:
        find_code(kb, line.code)
    state = find_state(kb, line.state) if line.state else None
    payer = find_payer(kb, line.payer_id, state) if line.payer_id else None
    if payer is not None and state is not None:
        rules_for(kb, line.code, payer, state)  # raises when the payer does not apply in the state
    return payer, state


def line_problem(kb: KnowledgeBase, line: ClaimLine, code_too: bool = True) -> str | None:
    """What ``resolve`` refuses about the line, as a message; None when its code (with ``code_too``), payer and
    state are known."""
    try:
        resolve(kb, line, code_too)
    except LookupError as exc:
        return str(exc)
    return None


def check_claims(kb: KnowledgeBase, lines: list[ClaimLine]) -> list[Finding]:
    """Findings for every line; the lines of one claim on one date are checked together. Raises LookupError for
    a line whose code, payer or state is unknown (see ``resolve``), naming its line number when it has one."""
    for line in lines:
        if problem := line_problem(kb, line):
            raise LookupError(f"input line {line.line_no}: {problem}" if line.line_no else problem)
    findings: list[Finding] = []
    sessions: dict[tuple, list[ClaimLine]] = defaultdict(list)
    for line in lines:
        sessions[(line.claim_id, line.date_of_service)].append(line)
    for session_lines in sessions.values():
        findings += _check_session(kb, session_lines)
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(findings, key=lambda f: (f.claim_id, f.line_no, order[f.severity], f.code, f.message))


def _check_session(kb: KnowledgeBase, lines: list[ClaimLine]) -> list[Finding]:
    payer, state = resolve(kb, lines[0])
    name = payer.name if payer is not None else f"Medicare in {state}"
    session = Session(kb, lines, state=state, payer_name=name)
    day = lines[0].date_of_service
    for code, _ in groupby(sorted(line.code for line in lines)):
        session.rules[code] = [rule_on(rule, day) for rule in rules_for(kb, code, payer, state)]
    findings: list[Finding] = []
    for line in lines:
        rules = session.rules.get(line.code, [])
        for check in ALL_CHECKS:
            findings += check(session, line, rules)
    return list(dict.fromkeys(findings))


# --- streaming: claim by claim -----------------------------------------------------------------------------------

MAX_CLAIM_LINES = 1000  # one claim's lines held at once; a longer claim is an input problem


class _Claim(MutableRecord):
    """The run of consecutive lines of one claim, held until the claim ends."""

    FIELDS = ("claim_id", "lines", "good", "first_good", "last_good", "bad_line", "explained")

    def __init__(self, claim_id: str) -> None:
        self.claim_id = claim_id
        self.lines: list[ClaimLine] = []
        self.good = 0  # lines read without a problem
        self.first_good = 0
        self.last_good = 0
        self.bad_line: int | None = None  # the first line with a problem: the claim is then not checked
        self.explained = False  # a problem already said that these lines are not checked

    def taint(self, line_no: int) -> None:
        """Line ``line_no`` has a problem: the claim is not checked, and its lines need not be held."""
        if self.bad_line is None:
            self.bad_line, self.lines = line_no, []


class ClaimStream:
    """Findings and input problems from claim lines and input problems in file order, claim by claim.

    A claim is the run of consecutive lines with one claim ID; it is checked when the next claim starts, so only
    one claim's lines are held. A claim with any line that has a problem is not checked at all (its other lines
    would be checked against data the user did not write); when its claim ID cannot be read, the claims before
    and after the bad line are not checked. A claim ID that comes back after other claims is an input problem:
    its lines must be next to each other. ``lines_checked`` counts the lines checked so far."""

    def __init__(self, kb: KnowledgeBase, items: Iterable[ClaimLine | InputProblem], seen: SeenClaims | None = None):
        self.kb, self.items = kb, items
        self.claim: _Claim | None = None
        self.seen = seen  # made when a second claim starts (see _met_before), unless given
        self.first_claim: str | None = None
        self.taint_next: int | None = None  # a line with an unknown claim ID just before the next claim
        self.lines_checked = 0

    def __iter__(self) -> Iterator[Finding | InputProblem]:
        try:
            for item in self.items:
                if isinstance(item, ClaimLine):
                    yield from self._line(item)
                else:
                    yield from self._problem(item)
            yield from self._finish()
        finally:
            if self.seen is not None:
                self.seen.close()  # frees its temporary file now, even when the reader stops early or fails

    def _line(self, line: ClaimLine) -> Iterator[Finding | InputProblem]:
        if line.code not in self.kb.codes and not line_problem(self.kb, line, code_too=False):
            yield _outside_catalogue(self.kb, line)  # an E/M, drug or imaging code on the same claim: not ours to check
            return
        if problem := line_problem(self.kb, line):  # an unknown payer or state: the line is not checked
            yield from self._problem(InputProblem(line.line_no, problem, line.claim_id))
            return
        claim = self.claim
        if claim is None or line.claim_id != claim.claim_id:
            claim = yield from self._start(line.claim_id, line.line_no)
            if self.taint_next is not None:
                claim.bad_line = self.taint_next
        self.taint_next = None
        claim.good += 1
        claim.first_good, claim.last_good = claim.first_good or line.line_no, line.line_no
        if claim.bad_line is None and len(claim.lines) >= MAX_CLAIM_LINES:
            claim.bad_line, claim.lines, claim.explained = line.line_no, [], True
            yield InputProblem(
                line.line_no,
                f"claim {quoted(line.claim_id)} has more than {MAX_CLAIM_LINES} lines; none of its lines were checked",
                line.claim_id,
            )
        if claim.bad_line is None:
            claim.lines.append(line)

    def _problem(self, problem: InputProblem) -> Iterator[Finding | InputProblem]:
        claim = self.claim
        if problem.claim_id is None:
            if claim is not None:
                claim.taint(problem.line_no)
            self.taint_next = problem.line_no
        else:
            if claim is None or problem.claim_id != claim.claim_id:
                claim = yield from self._start(problem.claim_id, problem.line_no)
            claim.taint(problem.line_no)
            self.taint_next = None
        yield problem

    def _start(self, claim_id: str, line_no: int) -> Generator[Finding | InputProblem, None, _Claim]:
        """Finishes the claim before; returns the new one, which is now ``self.claim``."""
        yield from self._finish()
        claim = self.claim = _Claim(claim_id)
        if self._met_before(claim_id):
            claim.bad_line, claim.explained = line_no, True
            yield InputProblem(
                line_no,
                f"claim {quoted(claim_id)} already appeared earlier, with other claims in "
                "between; a claim's lines must be next to each other (these lines were not "
                "checked)",
                claim_id,
            )
        return claim

    def _met_before(self, claim_id: str) -> bool:
        """Whether ``claim_id`` was met before; remembers it. The table of claim IDs (lcdkb.claims.seen) is made
        when a second claim starts: the first is always new, and a check of one claim (the desk's) needs none."""
        if self.seen is None:
            if self.first_claim is None:
                self.first_claim = claim_id
                return False
            from lcdkb.claims.seen import SeenClaims

            self.seen = SeenClaims()
            self.seen.add(self.first_claim)
        return self.seen.add(claim_id)

    def _finish(self) -> Iterator[Finding | InputProblem]:
        claim, self.claim = self.claim, None
        if claim is None:
            return
        if claim.bad_line is None:
            self.lines_checked += len(claim.lines)
            yield from check_claims(self.kb, claim.lines)
        elif claim.good and not claim.explained:
            lines = (
                f"line {claim.first_good}"
                if claim.good == 1
                else f"{claim.good} lines from line {claim.first_good} to {claim.last_good}"
            )
            yield InputProblem(
                claim.first_good,
                f"claim {quoted(claim.claim_id)} ({lines}) was not checked: line {claim.bad_line} has an input problem",
                claim.claim_id,
            )


def _outside_catalogue(kb: KnowledgeBase, line: ClaimLine) -> Finding:
    """A well-formed code lcdkb holds no rules for: an E/M visit, a drug, imaging, another procedure, or a typo.
    A claims file holds all of these, so it is a warning on that line (with the close matches, for a typo), never
    a guess and never a reason to skip the claim's other lines."""
    import difflib  # only for a code outside the catalogue

    close = difflib.get_close_matches(line.code, list(kb.codes), n=3, cutoff=0.6)
    hint = f" (did you mean {' or '.join(close)}?)" if close else ""
    return Finding(
        line.claim_id,
        line.line_no,
        line.code,
        "warning",
        "coding",
        f"{line.code} is not among the codes lcdkb covers{hint}; this line was not checked (the claim's other "
        "lines were)",
    )
