"""Time ``lcdkb denials`` on synthetic 835 remits: import of about a million service lines, the same import again
(nothing added), the weekly report in text, JSON and HTML, and pyx12's full validation of one file (--strict).
Prints a Markdown table with the targets of issue 16 as ratios (1.0 = on target; below 1 is faster).

    .venv/bin/pip install -c constraints.txt -e ".[denials]"
    .venv/bin/python benchmarks/denials.py                      # ~1,000,000 service lines
    .venv/bin/python benchmarks/denials.py --claims-per-file 200 # a quick proof of the harness

Each step is its own ``lcdkb`` process; "peak MiB" is that process's maximum resident size.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TARGET_IMPORT_SECONDS = 60.0  # issue 16: a million service lines in about a minute
TARGET_REPORT_SECONDS = 5.0  # "reports over them in seconds"


def run(args: list[str]) -> tuple[float, float, int]:
    """(seconds, peak MiB of that process alone, exit code)."""
    start = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        print(errors[-2000:], file=sys.stderr)
    return seconds, usage.ru_maxrss / 1024, process.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims-per-file", type=int, default=5900, help="per payer and week (default ~1M lines)")
    parser.add_argument("--weeks", type=int, default=14)
    arguments = parser.parse_args()
    sys.path.insert(0, str(REPO / "tools"))
    from lcdkb.denials.synthetic import Scenario, text_for, write_files

    lcdkb = [str(BIN / "lcdkb")]
    data = ["--data", str(REPO / "lcd_data")]
    with tempfile.TemporaryDirectory(prefix="lcdkb-denials-bench-") as temp:
        folder = Path(temp)
        scenario = Scenario(weeks=arguments.weeks, claims_per_file=arguments.claims_per_file, seed=11)
        started = time.perf_counter()
        paths = write_files(folder / "in", scenario)
        generated = time.perf_counter() - started
        megabytes = sum(p.stat().st_size for p in paths) / 2**20
        db = str(folder / "denials.duckdb")
        files = [str(p) for p in paths]
        subprocess.run([*lcdkb, "denials", "reasons", *data], stdout=subprocess.DEVNULL, check=True)  # warm cache
        rows = []
        seconds, mib, code = run([*lcdkb, "denials", "import", *files, "--db", db, "-q", *data])
        import duckdb

        with duckdb.connect(db, read_only=True) as con:
            lines = con.execute("SELECT count(*) FROM lines").fetchone()[0]  # type: ignore[index]
        rows.append(("import", seconds, mib, code, f"{lines:,} service lines, {lines / seconds:,.0f} lines/s"))
        import_seconds = seconds
        seconds, mib, code = run([*lcdkb, "denials", "import", *files, "--db", db, "-q", *data])
        rows.append(("import again (same files: nothing added)", seconds, mib, code, ""))
        report_times = []
        for form in ("text", "json", "html"):
            out = str(folder / f"report.{form}")
            seconds, mib, code = run([*lcdkb, "denials", "report", "--db", db, "--format", form, "--out", out, *data])
            report_times.append(seconds)
            rows.append((f"report --format {form}", seconds, mib, code, ""))
        one = folder / "one.835"
        one.write_text(text_for(Scenario(claims_per_file=2000, seed=5)))
        segments = one.read_text().count("~")
        strict_db = str(folder / "strict.duckdb")
        seconds, mib, code = run([*lcdkb, "denials", "import", str(one), "--db", strict_db, "--strict", "-q", *data])
        rows.append(("import --strict (pyx12), one file", seconds, mib, code, f"{segments:,} segments"))
        fast_db = str(folder / "fast.duckdb")
        fast, _, _ = run([*lcdkb, "denials", "import", str(one), "--db", fast_db, "-q", *data])
        rows.append(("the same file without --strict", fast, float("nan"), 0, ""))

    print(
        f"Measured {time.strftime('%Y-%m-%d')} on: {platform.machine()}, {_cpu()}, Python {platform.python_version()}"
    )
    print(f"Input: {len(paths)} files, {megabytes:,.0f} MB of 835 (generated in {generated:.0f} s, not timed below)")
    print()
    print("| step | seconds | peak MiB | exit | note |")
    print("| --- | ---: | ---: | ---: | --- |")
    for name, seconds, mib, code, note in rows:
        print(f"| {name} | {seconds:.2f} | {mib:,.0f} | {code} | {note} |")
    print()
    scale = 1_000_000 / max(lines, 1)
    print(
        f"- import, scaled to 1,000,000 lines, vs the {TARGET_IMPORT_SECONDS:.0f} s target: "
        f"{import_seconds * scale / TARGET_IMPORT_SECONDS:.2f}"
    )
    print(
        f"- slowest report vs the {TARGET_REPORT_SECONDS:.0f} s target: {max(report_times) / TARGET_REPORT_SECONDS:.2f}"
    )
    print(f"- --strict (pyx12) vs the structural checks on one file: {rows[-2][1] / max(fast, 1e-9):.1f}x slower")
    return 0 if all(row[3] == 0 for row in rows) else 1


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    sys.exit(main())
