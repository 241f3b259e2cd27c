"""lcdkb check --claims with hostile or broken CSV: every problem is reported with its line number and exit 2,
never a traceback, a hang or unbounded memory, and no line is checked against data other than what was written."""

import io
import json
import os
import resource
import subprocess
import sys
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import DERANDOMIZED, VALID, run_lcdkb_limited
from lcdkb.cli import main

HEADER = "claim_id,date_of_service,payer_id,place_of_service,code,modifiers,units,diagnoses,minutes\n"
GOOD = "c1,2026-02-01,fixture-mac,11,64483,,1,M54.16,\n"
FAST = DERANDOMIZED


def check(tmp_path, capsys, content, *extra):
    """Run ``lcdkb check`` on ``content`` (text or bytes) as the claims file: (exit code, stdout, stderr)."""
    path = tmp_path / "claims.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    code = main(["check", "--claims", str(path), "--data", str(VALID), *extra])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def row(**values):
    fields = dict(zip(HEADER.strip().split(","), GOOD.strip("\n").split(","), strict=True))
    return ",".join({**fields, **values}.values()) + "\n"


# --- the header ------------------------------------------------------------------------------------------------


def test_a_duplicated_header_name_stops_the_file(tmp_path, capsys):
    code, out, err = check(tmp_path, capsys, HEADER.replace("minutes", "code") + GOOD)
    assert code == 2
    assert 'input line 1: column "code" appears twice (columns 5 and 9)' in out
    assert "0 line(s) checked" in err


@pytest.mark.parametrize(
    "written, meant",
    [
        ("payer", "payer_id"),
        ("pos", "place_of_service"),
        ("place of service", "place_of_service"),
        ("dos", "date_of_service"),
        ("cpt", "code"),
        ("hcpcs", "code"),
        ("dx", "diagnoses"),
        ("icd10", "diagnoses"),
        ("modifier", "modifiers"),
        ("Units", "units"),
        ("minuts", "minutes"),
    ],
)
def test_an_unknown_column_is_named_with_the_one_it_probably_means(tmp_path, capsys, written, meant):
    code, out, err = check(tmp_path, capsys, HEADER.replace(meant, written, 1) + GOOD)
    assert code == 2
    assert f'input line 1: unknown column "{written}"' in out and f"did you mean {meant}?" in out
    assert "0 line(s) checked" in err and "claim " not in out


def test_a_column_without_a_name(tmp_path, capsys):
    code, out, _ = check(tmp_path, capsys, HEADER.strip() + ",\n" + GOOD.strip() + ",\n")
    assert code == 2 and "input line 1: column 10 has no name" in out


def test_an_empty_file(tmp_path, capsys):
    code, out, _ = check(tmp_path, capsys, b"")
    assert code == 2 and "input line 1: the file is empty" in out


# --- the CSV itself --------------------------------------------------------------------------------------------


def test_a_stray_quote_that_swallows_lines_is_reported_where_it_opened(tmp_path, capsys):
    text = (
        HEADER
        + GOOD
        + row(claim_id="c2", modifiers='"50')
        + row(claim_id="c3")
        + row(claim_id="c4", units='1"')
        + row(claim_id="c5")
    )
    code, out, _ = check(tmp_path, capsys, text, "--format", "json")
    data = json.loads(out)["result"]
    assert code == 2
    assert data["input_problems"][0]["line_no"] == 3
    assert "runs on to line 5" in data["input_problems"][0]["message"]
    assert {f["claim_id"] for f in data["findings"]} <= {"c1", "c5"}
    assert not any(f["line_no"] in (3, 4, 5) for f in data["findings"])


def test_a_quote_never_closed(tmp_path, capsys):
    code, out, _ = check(tmp_path, capsys, HEADER + GOOD + row(claim_id='"c2'))
    assert code == 2 and "input line 3: " in out and "(a stray quote?)" in out


def test_a_value_over_the_size_limit(tmp_path, capsys):
    code, out, err = check(tmp_path, capsys, HEADER + GOOD + row(claim_id="x" * 11_000))
    assert code == 2 and "input line 3: the claim_id value is longer than 10240 characters" in out
    assert "1 line(s) checked" in err


@pytest.mark.parametrize(
    "extra, message", [(",more", "more values than columns (10 for 9"), (None, "fewer values than columns (8 for 9")]
)
def test_a_row_with_the_wrong_number_of_values(tmp_path, capsys, extra, message):
    bad = GOOD.strip() + extra + "\n" if extra else GOOD.rsplit(",", 1)[0] + "\n"
    code, out, _ = check(tmp_path, capsys, HEADER + GOOD.replace("c1", "c0") + bad)
    assert code == 2 and f"input line 3: {message}" in out


def test_nul_bytes(tmp_path, capsys):
    code, out, err = check(tmp_path, capsys, HEADER + GOOD + row(claim_id="c2", diagnoses="M54\x00.16"))
    assert code == 2 and "input line 3: a NUL byte at column" in out and "1 line(s) checked" in err


def test_a_carriage_return_alone_inside_a_value(tmp_path, capsys):
    code, out, _ = check(tmp_path, capsys, HEADER + GOOD + row(claim_id="c2", code="64483\r99"))
    assert code == 2 and "input line 3: not a valid CSV row: a carriage return" in out


@pytest.mark.parametrize(
    "bad, shown", [(b"\xff", "0xff"), ("é".encode("latin-1"), "0xe9"), (b"\xed\xa0\x80", "0xed")]
)  # an encoded surrogate is not UTF-8
def test_bytes_that_are_not_utf8_are_reported_by_line_and_column(tmp_path, capsys, bad, shown):
    content = (HEADER + GOOD).encode() + b"c2,2026-02-01,fixture-mac,11,64483,,1,M54.16," + bad + b"\n"
    code, out, _ = check(tmp_path, capsys, content)
    assert code == 2 and f"input line 3: not UTF-8: byte {shown} at column 46" in out


def test_a_utf8_byte_order_mark_is_fine(tmp_path, capsys):
    code, _, err = check(tmp_path, capsys, b"\xef\xbb\xbf" + (HEADER + GOOD).encode())
    assert code == 0 and "1 line(s) checked" in err


def test_crlf_line_ends_are_fine(tmp_path, capsys):
    code, _, err = check(tmp_path, capsys, (HEADER + GOOD).replace("\n", "\r\n"))
    assert code == 0 and "1 line(s) checked" in err


# --- values ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "column, value, message",
    [
        ("date_of_service", "2026-02-30", 'date_of_service "2026-02-30" is not a date'),
        ("date_of_service", "2026-W05-1", 'date_of_service "2026-W05-1" is not a date'),
        ("date_of_service", "20260201", 'date_of_service "20260201" is not a date'),
        ("date_of_service", "２０２６-02-01", "is not a date"),
        ("date_of_service", "٢٠٢٦-02-01", "is not a date"),
        ("units", "１２", 'units "１２" must be a whole number'),
        ("units", "٣", 'units "٣" must be a whole number'),
        ("units", "1234567", "must be a whole number"),
        ("minutes", "３０", 'minutes "３０" must be a whole number'),
        ("code", "6448３", 'code "6448３" is not a CPT or HCPCS code'),
        ("code", "6448", "is not a CPT or HCPCS code"),
        ("code", "ıABCD", "is not a CPT or HCPCS code"),
        ("place_of_service", "１1", 'place_of_service "１1" is not a two-digit'),
        ("modifiers", "ZZ", 'modifier "ZZ" is not in the modifier catalogue'),
        ("modifiers", "50 RT", 'modifier "RT" is not in the modifier catalogue'),  # not in the fixture catalogue
        ("diagnoses", "M54.16.1", 'diagnosis "M54.16.1" is not an ICD-10-CM code'),
        ("diagnoses", "M5４.16", "is not an ICD-10-CM code"),
        ("payer_id", "fixture\u212amac", "payer_id"),
    ],
)
def test_a_bad_value_is_an_input_problem_and_its_line_is_not_checked(tmp_path, capsys, column, value, message):
    code, out, err = check(tmp_path, capsys, HEADER + GOOD + row(claim_id="c2", **{column: value}))
    [problem] = [line for line in out.splitlines() if line.startswith("input line ")]
    named = {"diagnoses": "diagnosis", "modifiers": "modifier"}.get(column, column)
    assert code == 2 and problem.startswith(f"input line 3: {named}") and message in problem
    assert "1 line(s) checked" in err and '"c2"' not in out


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--modifier", "ZZ"], 'modifier "ZZ" is not in the modifier catalogue'),
        (["--units", "٣"], 'units "٣" must be a whole number'),
        (["--date", "2026-W05-1"], "is not a date"),
    ],
)
def test_bad_flags_are_refused(capsys, flags, message):
    code = main(["check", "--payer", "fixture-mac", "--code", "64483", *flags, "--data", str(VALID)])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


# --- claims ----------------------------------------------------------------------------------------------------


def test_a_claim_with_a_bad_line_is_not_checked_at_all(tmp_path, capsys):
    # Checked without its primary code on line 3, 64484 on line 2 would be flagged as an add-on billed alone.
    text = HEADER + row(code="64484") + row(code="64483", units="two") + row(claim_id="c2")
    code, out, err = check(tmp_path, capsys, text)
    assert code == 2 and 'input line 3: units "two"' in out
    assert 'input line 2: claim "c1" (line 2) was not checked: line 3 has an input problem' in out
    assert "add-on" not in out and "1 line(s) checked" in err


def test_a_claim_split_across_the_file_is_an_input_problem(tmp_path, capsys):
    text = HEADER + GOOD + row(claim_id="c2") + row(code="64484")
    code, out, err = check(tmp_path, capsys, text)
    assert code == 2 and 'input line 4: claim "c1" already appeared earlier' in out
    assert "2 line(s) checked" in err


def test_a_claim_with_too_many_lines(tmp_path, capsys):
    code, out, err = check(tmp_path, capsys, HEADER + GOOD * 1001 + row(claim_id="c2"))
    assert code == 2 and 'input line 1002: claim "c1" has more than 1000 lines' in out
    assert "1 line(s) checked" in err


# --- output ----------------------------------------------------------------------------------------------------


def test_claim_ids_cannot_forge_report_lines(tmp_path, capsys):
    ids = ['"c1\rc9          2  64483  error    fake"', "c2\x1b[2J\x1b[31m", "c3\u2028c9", "c4\x85c9", "c5\u202ec9"]
    text = HEADER + "".join(row(claim_id=i, code="64484") for i in ids)
    code, out, _ = check(tmp_path, capsys, text)
    assert code == 1
    assert not any(c in out for c in "\r\x1b\u2028\x85\u202e")
    claims = [line for line in out.splitlines() if line.startswith('"c')]
    assert claims and all(
        line.startswith(('"c1\\r', '"c2\\x1b', '"c3\\u2028', '"c4\\x85', '"c5\\u202e')) for line in claims
    )
    assert not any(line.startswith("c9") for line in out.splitlines())


def test_json_keeps_its_keys_and_lists_problems_by_line(tmp_path, capsys):
    code, out, _ = check(tmp_path, capsys, HEADER + GOOD + row(claim_id="c2", units="٣"), "--format", "json")
    document = json.loads(out)
    assert document["format"] == "lcdkb.check" and document["format_version"] == 1 and document["data"]["digest"]
    data = document["result"]
    assert code == 2 and data["lines_checked"] == 1
    assert [p["line_no"] for p in data["input_problems"]] == [3] and data["input_problems"][0]["claim_id"] == "c2"
    assert data["findings"] and all(f["claim_id"] == "c1" for f in data["findings"])


def test_json_lines(tmp_path, capsys):
    code, out, _ = check(tmp_path, capsys, HEADER + GOOD + row(claim_id="c2", units="٣"), "--format", "jsonl")
    header, *records = [json.loads(line) for line in out.splitlines()]
    assert code == 2
    assert header["type"] == "header" and header["format"] == "lcdkb.check"
    assert {r["type"] for r in records[:-1]} == {"finding", "input_problem"}
    assert records[-1] == {
        "type": "summary",
        "lines_checked": 1,
        "errors": 0,
        "warnings": sum(r["type"] == "finding" for r in records),  # the fixture's prior authorization depends on
        "notes": 0,  # the state, which the line does not give
        "input_problems": 1,
    }


# --- files, streams and limits ---------------------------------------------------------------------------------


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path, capsys):
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as handle:
        handle.truncate(600 * 2**20)  # sparse: no disk used, and nothing may read it
    started = time.monotonic()
    code = main(["check", "--claims", str(huge), "--data", str(VALID)])
    err = capsys.readouterr().err
    assert code == 2 and time.monotonic() - started < 5
    assert f"lcdkb: error: cannot read {huge}: it is 600.0 MiB, over the 512 MiB limit" in err


def test_the_limit_can_be_raised_or_lowered(tmp_path, capsys):
    code, _, err = check(tmp_path, capsys, HEADER + GOOD * 30_000, "--max-claims-mib", "1")
    assert code == 2 and "over the 1 MiB limit" in err


def test_standard_input_is_read_and_bounded(monkeypatch, capsys):
    class Stdin:
        buffer = io.BytesIO((HEADER + "".join(row(claim_id=f"c{i}") for i in range(30_000))).encode())

    monkeypatch.setattr(sys, "stdin", Stdin)
    code = main(["check", "--claims", "-", "--data", str(VALID), "--max-claims-mib", "1"])
    out = capsys.readouterr().out
    assert code == 2 and "the input is over 1 MiB; stopped reading here" in out
    last_line = int(out.split("the input is over")[0].rsplit("input line ", 1)[1].split(":")[0])
    assert 20_000 < last_line < 30_000


@pytest.mark.parametrize("make", ["missing", "folder", "unreadable"])
def test_an_unreadable_claims_file_is_one_clear_line(tmp_path, capsys, make):
    path = tmp_path / "claims.csv"
    if make == "folder":
        path.mkdir()
    elif make == "unreadable":
        path.write_text(HEADER)
        path.chmod(0)
        if os.access(path, os.R_OK):
            pytest.skip("running with permission to read anything (root)")
    code = main(["check", "--claims", str(path), "--data", str(VALID)])
    err = capsys.readouterr().err
    reason = {"missing": "No such file or directory", "folder": "Is a directory", "unreadable": "Permission denied"}
    assert code == 2 and err == f"lcdkb: error: cannot read {path}: {reason[make]}\n"


def run_limited(args, tmp_path, memory_mb, seconds):
    return run_lcdkb_limited(args, tmp_path, memory_mb, seconds, cache_dir=tmp_path / "cache")


def test_dev_zero_is_refused_quickly_in_bounded_memory(tmp_path):
    result = run_limited(["check", "--claims", "/dev/zero", "--data", str(VALID)], tmp_path, 256, 30)
    assert result.returncode == 2, result.stderr
    assert result.stdout.splitlines()[0] == (
        "input line 1: the line is longer than 64 KiB (a missing line break, or not a CSV file?); stopped reading"
    )
    assert "Traceback" not in result.stderr


def test_a_200_mb_value_is_refused_quickly_in_bounded_memory(tmp_path):
    claims = tmp_path / "claims.csv"
    with claims.open("w") as handle:
        handle.write(HEADER + GOOD + row(claim_id="c2") + "c3,2026-02-01,fixture-mac,11,64483,,1,")
        for _ in range(200):
            handle.write("M" * 2**20)
        handle.write(",\n" + GOOD)
    result = run_limited(["check", "--claims", str(claims), "--data", str(VALID)], tmp_path, 256, 30)
    assert result.returncode == 2, result.stderr
    assert "input line 4: the line is longer than 64 KiB" in result.stdout
    # c2 is not checked either: the unreadable line 4 might have been one of its lines.
    assert 'input line 3: claim "c2" (line 3) was not checked: line 4 has an input problem' in result.stdout
    assert "1 line(s) checked" in result.stderr and "Traceback" not in result.stderr


LINES = 80_000  # 160,000 findings: about 77 MiB to keep them all (measured with tracemalloc)
LIMIT_MB = 96  # the streaming check runs in about 50 MiB of address space; keeping every finding needs ~125


def many_findings(tmp_path):
    claims = tmp_path / "claims.csv"
    with claims.open("w") as handle:
        handle.write(HEADER)
        for i in range(LINES):
            handle.write(f"c{i // 2},2026-02-01,fixture-mac,11,{'62323' if i % 2 else '64483'},50,1,M54.16,\n")
    return claims


@pytest.mark.parametrize("format", ["text", "json"])
def test_many_findings_are_streamed_in_bounded_memory(tmp_path, format):
    claims = many_findings(tmp_path)
    result = run_limited(
        ["check", "--claims", str(claims), "--data", str(VALID), "--format", format], tmp_path, LIMIT_MB, 60
    )
    assert result.returncode == 1, result.stderr[-2000:]
    if format == "json":
        data = json.loads(result.stdout)["result"]
        assert data["lines_checked"] == LINES and len(data["findings"]) == 2 * LINES
    else:
        assert result.stderr.endswith(
            f"{LINES} line(s) checked: {LINES // 2} error(s), {3 * LINES // 2} warning(s), 0 note(s)\n"
        )


def test_keeping_every_finding_would_not_fit_in_that_limit(tmp_path):
    """The control for the test above: the same stream, with every finding kept, runs out of memory."""
    claims = many_findings(tmp_path)
    keep_all = (
        "import sys; from lcdkb import api; from lcdkb.claims.engine import ClaimStream; "
        "from lcdkb.claims.lines import read_claims; kb = api.load(sys.argv[1]); "
        "kept = list(ClaimStream(kb, read_claims(open(sys.argv[2], 'rb'), set(kb.modifiers)))); "
        "print(len(kept))"
    )

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (LIMIT_MB * 2**20, LIMIT_MB * 2**20))

    result = subprocess.run(
        [sys.executable, "-c", keep_all, str(VALID), str(claims)],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limit,
        cwd=tmp_path,
        check=False,
        env=dict(os.environ, LCDKB_CACHE_DIR=str(tmp_path / "cache")),
    )
    assert result.returncode != 0 and "MemoryError" in result.stderr


# --- properties ------------------------------------------------------------------------------------------------

CSVISH = st.text(alphabet=st.sampled_from(list('abc019,;"\r\n \t|.-M\x00\x1b\u2028\u00e9\uff11\u0663')), max_size=300)


@FAST
@given(st.binary(max_size=400))
def test_any_bytes_give_an_exit_code_and_never_a_traceback(tmp_path, capsys, content):
    code, _, _ = check(tmp_path, capsys, content)
    assert code in (0, 1, 2)


@FAST
@given(CSVISH)
def test_any_text_after_a_good_header_gives_an_exit_code_and_never_a_traceback(tmp_path, capsys, text):
    code, out, err = check(tmp_path, capsys, HEADER + GOOD + text)
    assert code in (0, 1, 2)
    assert all(line.startswith(("input line ", "claim ", '"c', " " * 41)) for line in out.splitlines())
    assert " line(s) checked: " in err
