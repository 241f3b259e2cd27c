"""Time lcdkb's commands on synthetic data of growing size, next to the raw YAML parse (the floor) and
check-jsonschema (the peer tool). Prints a Markdown report; --write appends nothing, it replaces the results
section of docs/performance.md.

    bash benchmarks/run.sh                       # 1k and 10k rules (about 5 minutes)
    bash benchmarks/run.sh --sizes 1000,10000,50000
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import code_name, generate

REPO = Path(__file__).resolve().parents[1]
CODES = 200
BIN = Path(sys.executable).parent


def run(args: list[str], env: dict | None = None) -> tuple[float, float, int]:
    """(seconds, peak MiB, exit code) of one command, measured for that process alone."""
    start = time.perf_counter()
    process = subprocess.Popen(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})}
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    return elapsed, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def floor_parse(data: Path) -> list[str]:
    """The raw libyaml parse of every file: no checks at all."""
    script = (
        "import sys, yaml, pathlib\n"
        "for p in sorted(pathlib.Path(sys.argv[1]).rglob('*.yaml')):\n"
        "    yaml.load(p.read_text(encoding='utf-8'), Loader=yaml.CSafeLoader)\n"
    )
    return [sys.executable, "-c", script, str(data)]


def claims_csv(path: Path, lines: int, payers: int) -> None:
    rows = ["claim_id,date_of_service,payer_id,place_of_service,code,modifiers,units,diagnoses,prior_auth"]
    for i in range(lines):
        rows.append(f"c{i // 2},2026-12-01,bench-payer-{(i // 2) % payers:04d},11,{code_name(i % CODES)},,1,G20.00,yes")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def measure(size: int, work: Path, max_build: int, max_peer: int) -> list[tuple[str, float, float, str]]:
    payers = max(1, size // CODES)
    data = work / f"data-{size}"
    generate(data, payers, CODES)
    lcdkb = str(BIN / "lcdkb")
    env = {"LCDKB_CACHE_DIR": str(work / "cache"), "SOURCE_DATE_EPOCH": "1796083200"}
    results = []

    def record(name, args, note=""):
        seconds, mib, code = run(args, env)
        results.append((name, seconds, mib, note if code == 0 else f"exit {code}"))
        return seconds

    floor = record("raw parse (CSafeLoader, floor)", floor_parse(data))
    validate = record("lcdkb validate", [lcdkb, "validate", "--data", str(data)])
    results[-1] = (*results[-1][:3], f"{validate / floor:.1f}x floor")
    checker = shutil.which("check-jsonschema", path=str(BIN))
    if checker and size > max_peer:
        results.append(
            (
                "check-jsonschema (payer files, editor schema)",
                float("nan"),
                float("nan"),
                f"skipped above {max_peer} rules (--max-peer)",
            )
        )
    elif checker:
        files = sorted(str(p) for p in (data / "payers").glob("*.yaml"))
        peer = record(
            "check-jsonschema (payer files, editor schema)",
            [checker, "--schemafile", str(REPO / "schema" / "editor" / "payer.schema.json"), *files],
        )
        results[-1] = (*results[-1][:3], f"lcdkb validate is {peer / validate:.1f}x as fast")
    record("lcdkb export", [lcdkb, "export", "--data", str(data), "--out", str(work / f"api-{size}")])
    if size <= max_build:
        record(
            "lcdkb build (site + exports)", [lcdkb, "build", "--data", str(data), "--out", str(work / f"site-{size}")]
        )
        index = work / f"site-{size}" / "search" / "search_index.json"
        if index.is_file():
            results.append(("search index size", 0.0, index.stat().st_size / 2**20, "MiB on disk (in the MiB column)"))
    else:
        results.append(("lcdkb build (site + exports)", float("nan"), float("nan"), f"skipped above {max_build} rules"))
    lookup = [lcdkb, "lookup", code_name(7), "--payer", "bench-payer-0000", "--data", str(data)]
    record("lcdkb lookup (first: validates, fills cache)", lookup)
    record("lcdkb lookup (cached)", lookup)
    csv = work / f"claims-{size}.csv"
    claims_csv(csv, 10_000, payers)
    record("lcdkb check, 10,000 claim lines (cached)", [lcdkb, "check", "--claims", str(csv), "--data", str(data)])
    return results


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    memory = next(
        (
            int(line.split()[1]) // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    return (
        f"{cpu}, {os.cpu_count()} CPUs, {memory // 1024} GiB RAM; {platform.platform()}; "
        f"Python {platform.python_version()}"
    )


def report(all_results: dict[int, list], when: str) -> str:
    lines = [f"Measured {when} on: {machine()}.", ""]
    for size, results in all_results.items():
        lines += [
            f"### {size:,} rules ({max(1, size // CODES)} payers x {CODES} codes)",
            "",
            "| step | seconds | peak MiB | note |",
            "|---|---:|---:|---|",
        ]
        for name, seconds, mib, note in results:
            shown_seconds = "" if name == "search index size" else ("-" if seconds != seconds else f"{seconds:.2f}")
            shown_mib = "-" if mib != mib else f"{mib:.0f}" if name != "search index size" else f"{mib:.1f}"
            lines.append(f"| {name} | {shown_seconds} | {shown_mib} | {note} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark lcdkb on synthetic data.")
    parser.add_argument("--sizes", default="1000,10000", help="rule counts, comma-separated")
    parser.add_argument("--max-build", type=int, default=10_000, help="skip the site build above this many rules")
    parser.add_argument("--max-peer", type=int, default=10_000, help="skip check-jsonschema above this many rules")
    parser.add_argument("--write", action="store_true", help="replace the results section of docs/performance.md")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="lcdkb-bench-") as tmp:
        results = {size: measure(size, Path(tmp), args.max_build, args.max_peer) for size in sizes}
    text = report(results, time.strftime("%Y-%m-%d"))
    print(text)
    if args.write:
        doc = REPO / "docs" / "performance.md"
        head, marker, _ = doc.read_text(encoding="utf-8").partition("<!-- results -->")
        doc.write_text(head + marker + "\n\n" + text, encoding="utf-8")


if __name__ == "__main__":
    main()
