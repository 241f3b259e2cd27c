"""Time lcdkb's commands on synthetic data of growing size, next to the raw YAML parse (the floor), the
interpreter's own start-up and check-jsonschema (the peer tool), and print every target of issue 18 as a ratio.
Prints a Markdown report; --write replaces the results section of docs/performance.md.

    bash benchmarks/run.sh --sizes 1000                           # proves the harness (a few minutes)
    bash benchmarks/run.sh --sizes 1000,10000,50000               # the full run (long: the machine to itself)
    bash benchmarks/run.sh --sizes 1000 --claim-lines 10000,100000

Each step runs as its own process; "peak MiB" is that process's maximum resident size. Quick commands (cached
lookup, single-claim check, ``python -c pass``) are run ``--repeat`` times, hyperfine-style, and their median is
used. Modules are byte-compiled first, as an installed wheel's are.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import code_name, generate

REPO = Path(__file__).resolve().parents[1]
CODES = 200
BIN = Path(sys.executable).parent
SEARCH_QUERY = "procedure"  # every synthetic code's label holds it


@dataclass
class Step:
    name: str
    seconds: float = float("nan")
    mib: float = float("nan")
    note: str = ""


@dataclass
class SizeResult:
    size: int
    steps: list[Step] = field(default_factory=list)
    ratios: dict[str, float] = field(default_factory=dict)
    facts: dict[str, object] = field(default_factory=dict)

    def add(self, step: Step) -> Step:
        self.steps.append(step)
        return step


GNU_TIME = "/usr/bin/time" if Path("/usr/bin/time").is_file() else None


def run(args: list[str], env: dict | None = None, stdout=subprocess.DEVNULL) -> tuple[float, float, int]:
    """(seconds, peak MiB, exit code) of one command, measured for that process alone.

    The peak comes from GNU time when installed: a child forked straight from this process starts from this
    process's high-water mark (Linux keeps it across exec), which would hide peaks smaller than it."""
    with tempfile.NamedTemporaryFile(mode="r", suffix=".peak") as peak:
        wrapped = [GNU_TIME, "-f", "%M", "-o", peak.name, "--", *args] if GNU_TIME else args
        start = time.perf_counter()
        process = subprocess.Popen(wrapped, stdout=stdout, stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})})
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        lines = peak.read().split()
        kib = int(lines[-1]) if GNU_TIME and lines and lines[-1].isdigit() else usage.ru_maxrss
    return elapsed, kib / 1024, code


def interleaved(commands: dict[str, list[str]], env: dict, times: int) -> dict[str, tuple[float, float, float, int]]:
    """For each named command: (median s, min s, peak MiB, last exit code) over ``times`` rounds, after one warm-up
    run of each. Each round runs every command once, in turn, so a change in the machine's load between rounds
    touches all of them alike and their ratios stay fair."""
    for args in commands.values():
        run(args, env)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    peaks = dict.fromkeys(commands, 0.0)
    codes = dict.fromkeys(commands, 0)
    for _ in range(times):
        for name, args in commands.items():
            seconds, mib, codes[name] = run(args, env)
            samples[name].append(seconds)
            peaks[name] = max(peaks[name], mib)
    return {name: (statistics.median(s), min(s), peaks[name], codes[name]) for name, s in samples.items()}


def floor_parse(data: Path) -> list[str]:
    """The raw libyaml parse of every file: no checks at all."""
    script = (
        "import sys, yaml, pathlib\n"
        "for p in sorted(pathlib.Path(sys.argv[1]).rglob('*.yaml')):\n"
        "    yaml.load(p.read_text(encoding='utf-8'), Loader=yaml.CSafeLoader)\n"
    )
    return [sys.executable, "-c", script, str(data)]


def claims_csv(path: Path, lines: int, payers: int) -> None:
    """``lines`` claim lines, two a claim, written as they are made (a million lines never sit in memory)."""
    with path.open("w", encoding="utf-8") as out:
        out.write("claim_id,date_of_service,payer_id,place_of_service,code,modifiers,units,diagnoses,prior_auth\n")
        for i in range(lines):
            out.write(
                f"c{i // 2},2026-12-01,bench-payer-{(i // 2) % payers:04d},11,{code_name(i % CODES)},,1,G20.00,yes\n"
            )


def tree_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def largest_html(site: Path) -> tuple[int, str]:
    pages = [(p.stat().st_size, p.relative_to(site).as_posix()) for p in site.rglob("*.html")]
    return max(pages, default=(0, "-"))


def search_download(site: Path) -> tuple[int | None, float | None, str]:
    """(bytes under pagefind/ and search/ a browser downloads before the first result, seconds from typing to it,
    note), measured by benchmarks/search_probe.py in its own process; skipped with a note when the site has no
    pagefind/ folder, no search box, or no browser."""
    probe = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("search_probe.py")), str(site), SEARCH_QUERY],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        answer = json.loads(probe.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None, None, f"skipped: the probe failed ({probe.stderr.strip().splitlines()[-1:] or 'no output'})"
    if "skipped" in answer:
        return None, None, f"skipped: {answer['skipped']}"
    return answer["bytes"], answer["seconds"], f"query '{SEARCH_QUERY}', {answer['files']} files"


def measure(size: int, work: Path, args) -> SizeResult:
    result = SizeResult(size)
    payers = max(1, size // CODES)
    data = work / f"data-{size}"
    generate(data, payers, CODES)
    lcdkb = str(BIN / "lcdkb")
    env = {"LCDKB_CACHE_DIR": str(work / f"cache-{size}"), "SOURCE_DATE_EPOCH": "1796083200"}
    env_nocache = {**env, "LCDKB_CACHE_DIR": "off"}

    def record(name, command, note="", environment=env, ok=(0,)) -> Step:
        seconds, mib, code = run(command, environment)
        return result.add(Step(name, seconds, mib, note if code in ok else f"exit {code}"))

    # The floor and validate alternate, --repeat-slow times each, so a change in the machine's load hits both.
    runs: dict[str, list[tuple[float, float, int]]] = {"floor": [], "validate": []}
    for _ in range(args.repeat_slow):
        runs["floor"].append(run(floor_parse(data), env))
        runs["validate"].append(run([lcdkb, "validate", "--data", str(data)], env))
    medians = {name: statistics.median(seconds for seconds, _, _ in samples) for name, samples in runs.items()}
    peaks = {name: max(mib for _, mib, _ in samples) for name, samples in runs.items()}
    codes = {name: max(code for _, _, code in samples) for name, samples in runs.items()}
    shown = f"median of {args.repeat_slow}"
    floor = result.add(Step(f"raw parse (CSafeLoader, floor; {shown})", medians["floor"], peaks["floor"]))
    validate = result.add(Step(f"lcdkb validate ({shown})", medians["validate"], peaks["validate"]))
    result.ratios["validate / parse floor"] = validate.seconds / floor.seconds
    validate.note = f"{validate.seconds / floor.seconds:.2f}x floor"
    for step, name in ((floor, "floor"), (validate, "validate")):
        step.note += f"; exit {codes[name]}" if codes[name] else ""

    checker = shutil.which("check-jsonschema", path=str(BIN))
    if checker and size <= args.max_peer:
        files = sorted(str(p) for p in (data / "payers").glob("*.yaml"))
        schema = str(REPO / "schema" / "editor" / "payer.schema.json")
        peer = record("check-jsonschema (payer files, editor schema)", [checker, "--schemafile", schema, *files])
        peer.note = f"lcdkb validate is {peer.seconds / validate.seconds:.1f}x as fast"
    elif checker:
        result.add(Step("check-jsonschema (payer files, editor schema)", note=f"skipped above {args.max_peer} rules"))

    api = work / f"api-{size}"
    export = record("lcdkb export", [lcdkb, "export", "--data", str(data), "--out", str(api)], environment=env_nocache)
    if export.note == "":
        result.facts["API folder (lcdkb export)"] = tree_bytes(api)
        result.facts["API folder, bytes per rule"] = tree_bytes(api) / size
    if size <= args.max_build:
        site = work / f"site-{size}"
        build = record(
            "lcdkb build (site + exports)",
            [lcdkb, "build", "--data", str(data), "--out", str(site)],
            environment=env_nocache,
        )
        result.ratios["build / validate"] = build.seconds / validate.seconds
        build.note = (build.note + "; " if build.note else "") + f"{build.seconds / validate.seconds:.1f}x validate"
        result.facts["build seconds per 1,000 rules"] = build.seconds / size * 1000
        if site.is_dir():
            biggest, where = largest_html(site)
            result.facts["largest HTML page"] = f"{biggest / 2**20:.2f} MiB ({where})"
            result.facts["whole site"] = tree_bytes(site)
            if (site / "api").is_dir():
                result.facts["API folder in the site"] = tree_bytes(site / "api")
            downloaded, seconds, note = search_download(site)
            result.facts["search: bytes before the first result"] = downloaded if downloaded is not None else note
            if seconds is not None:
                result.facts["search: seconds from typing to the first result"] = f"{seconds:.2f} ({note})"
            shutil.rmtree(site, ignore_errors=True)
    else:
        result.add(Step("lcdkb build (site + exports)", note=f"skipped above {args.max_build} rules"))
    shutil.rmtree(api, ignore_errors=True)

    lookup = [lcdkb, "lookup", code_name(7), "--payer", "bench-payer-0000", "--data", str(data)]
    record("lcdkb lookup (first: validates, fills cache)", lookup)
    time.sleep(2.5)  # past lcdkb.cache.SETTLED_SECONDS: later queries fingerprint the data by file status
    single = [lcdkb, "check", "--code", code_name(7), "--payer", "bench-payer-0000", "--data", str(data)]
    quick = interleaved({"pass": [sys.executable, "-c", "pass"], "lookup": lookup, "check": single}, env, args.repeat)
    start_median, start_min, start_mib, _ = quick["pass"]
    result.add(Step(f"python -c pass (median of {args.repeat})", start_median, start_mib, f"min {start_min:.3f} s"))
    median, fastest, mib, code = quick["lookup"]
    ratio = median / start_median
    result.ratios["cached lookup / python -c pass"] = ratio
    result.add(Step(f"lcdkb lookup, cached (median of {args.repeat})", median, mib, _quick_note(code, fastest, ratio)))
    median, fastest, mib, code = quick["check"]
    ratio = median / start_median
    result.ratios["single-claim check / python -c pass"] = ratio
    result.add(
        Step(
            f"lcdkb check, one claim line, cached (median of {args.repeat})",
            median,
            mib,
            _quick_note(code, fastest, ratio, ok=(0, 1)),
        )
    )

    csv = work / f"claims-{size}.csv"
    claims_csv(csv, 10_000, payers)
    check = [lcdkb, "check", "--claims", str(csv), "--data", str(data)]
    record("lcdkb check, 10,000 claim lines (cached)", check, ok=(0, 1))  # 1: some lines have error findings
    csv.unlink()
    shutil.rmtree(data, ignore_errors=True)
    shutil.rmtree(work / f"cache-{size}", ignore_errors=True)
    return result


def _quick_note(code: int, fastest: float, ratio: float, ok=(0,)) -> str:
    return f"{ratio:.1f}x python -c pass; min {fastest:.3f} s" + ("" if code in ok else f"; exit {code}")


def measure_claim_lines(counts: list[int], work: Path) -> SizeResult:
    """check on large claim files against a 1,000-rule model: time and peak memory at each line count."""
    result = SizeResult(0)
    data = work / "data-claims"
    generate(data, 5, CODES)
    lcdkb = str(BIN / "lcdkb")
    env = {"LCDKB_CACHE_DIR": str(work / "cache-claims"), "SOURCE_DATE_EPOCH": "1796083200"}
    time.sleep(2.5)  # past lcdkb.cache.SETTLED_SECONDS, so the cache filled now serves every run below
    run([lcdkb, "lookup", code_name(7), "--data", str(data)], env)
    per_line = {}
    for lines in counts:
        csv = work / f"claims-{lines}.csv"
        claims_csv(csv, lines, 5)
        for format in ("text", "json"):
            command = [lcdkb, "check", "--claims", str(csv), "--format", format, "--max-claims-mib", "4096"]
            seconds, mib, code = run([*command, "--data", str(data)], env)
            note = f"exit {code}" if code not in (0, 1) else ""
            result.add(Step(f"lcdkb check, {lines:,} claim lines, --format {format}", seconds, mib, note))
            per_line[(lines, format)] = (seconds / lines, mib)
        csv.unlink()
    if len(counts) > 1:
        small, large = min(counts), max(counts)
        for format in ("text", "json"):
            time_ratio = per_line[(large, format)][0] / per_line[(small, format)][0]
            memory_ratio = per_line[(large, format)][1] / per_line[(small, format)][1]
            result.ratios[f"check {format}: seconds per line, {large:,} / {small:,} lines"] = time_ratio
            result.ratios[f"check {format}: peak memory, {large:,} / {small:,} lines"] = memory_ratio
    shutil.rmtree(data, ignore_errors=True)
    return result


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


def _shown(value) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,} bytes ({value / 2**20:.1f} MiB)"
    return str(value)


def report(results: list[SizeResult], claims: SizeResult | None, when: str) -> str:
    lines = [f"Measured {when} on: {machine()}.", ""]
    sized = list(results)
    if sized:
        names = sorted({name for r in sized for name in r.ratios}, key=_target_order)
        lines += ["### Targets (ratios)", "", "| target | " + " | ".join(f"{r.size:,} rules" for r in sized) + " |"]
        lines.append("|---|" + "---:|" * len(sized))
        for name in names:
            cells = [f"{r.ratios[name]:.2f}x" if name in r.ratios else "-" for r in sized]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        facts = sorted({name for r in sized for name in r.facts})
        for name in facts:
            lines.append(f"| {name} | " + " | ".join(_shown(r.facts.get(name, "-")) for r in sized) + " |")
        lines.append("")
    if claims is not None:
        lines += ["### check on large claim files (1,000-rule model)", "", "| step | seconds | peak MiB | note |"]
        lines.append("|---|---:|---:|---|")
        lines += [_row(step) for step in claims.steps]
        lines += [f"| {name} | | | {value:.2f}x |" for name, value in claims.ratios.items()]
        lines.append("")
    for result in results:
        lines += [
            f"### {result.size:,} rules ({max(1, result.size // CODES)} payers x {CODES} codes)",
            "",
            "| step | seconds | peak MiB | note |",
            "|---|---:|---:|---|",
        ]
        lines += [_row(step) for step in result.steps]
        lines.append("")
    return "\n".join(lines)


def _target_order(name: str) -> tuple[int, str]:
    order = ["build / validate", "validate / parse floor", "cached lookup", "single-claim check"]
    return next((i for i, prefix in enumerate(order) if name.startswith(prefix)), len(order)), name


def _row(step: Step) -> str:
    seconds = "-" if step.seconds != step.seconds else f"{step.seconds:.3f}"
    mib = "-" if step.mib != step.mib else f"{step.mib:.0f}"
    return f"| {step.name} | {seconds} | {mib} | {step.note} |"


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark lcdkb on synthetic data.")
    parser.add_argument("--sizes", default="1000,10000", help="rule counts, comma-separated (e.g. 1000,10000,50000)")
    parser.add_argument("--max-build", type=int, default=50_000, help="skip the site build above this many rules")
    parser.add_argument("--max-peer", type=int, default=1_000, help="skip check-jsonschema above this many rules")
    parser.add_argument(
        "--claim-lines", default="100000,1000000", help="claim-line counts for the large check runs ('' skips them)"
    )
    parser.add_argument("--repeat", type=int, default=15, help="runs of each quick command (median used)")
    parser.add_argument(
        "--repeat-slow", type=int, default=3, help="runs of the parse floor and of validate, alternating (median used)"
    )
    parser.add_argument("--write", action="store_true", help="replace the results section of docs/performance.md")
    args = parser.parse_args()
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    claim_counts = [int(s.replace("_", "")) for s in args.claim_lines.split(",") if s.strip()]
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "tools" / "lcdkb")], check=False)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory(prefix="lcdkb-bench-") as tmp:
        results = [measure(size, Path(tmp), args) for size in sizes]
        claims = measure_claim_lines(claim_counts, Path(tmp)) if claim_counts else None
    text = report(results, claims, time.strftime("%Y-%m-%d"))
    print(text)
    if args.write:
        doc = REPO / "docs" / "performance.md"
        head, marker, _ = doc.read_text(encoding="utf-8").partition("<!-- results -->")
        doc.write_text(head + marker + "\n\n" + text, encoding="utf-8")


if __name__ == "__main__":
    main()
