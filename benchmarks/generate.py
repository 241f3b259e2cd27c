"""Write a realistic synthetic data folder: PAYERS commercial payers x CODES codes = rules.

Synthetic codes and labels only (no real payer facts); the catalogues for states, jurisdictions and modifiers
are copied from the bundled data. Every rule carries the fact kinds real rules have (prior auth, modifiers,
units, frequency, levels, imaging, an ICD-10 list of 20-40 codes, documentation) so parse, validate, export
and build do realistic work.

    python benchmarks/generate.py --payers 50 --codes 200 --out /tmp/bench-10k
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHECKED = "2026-11-01"


def code_name(index: int) -> str:
    return f"{index:04d}F"


def icd_codes(rng: random.Random, count: int) -> list[str]:
    letters = "GMS"
    return sorted({f"{rng.choice(letters)}{rng.randint(10, 99)}.{rng.randint(0, 99):02d}" for _ in range(count)})


def codes_catalogue(codes: int) -> str:
    lines = ["# yaml-language-server: $schema=../../schema/editor/codes.schema.json", "codes:"]
    for i in range(codes):
        lines.append(
            f'  - {{code: "{code_name(i)}", system: CPT, scope: key, family: other, label: "Synthetic procedure {i}"}}'
        )
    return "\n".join(lines) + "\n"


def payer_file(index: int, codes: int, rng: random.Random) -> str:
    pid = f"bench-payer-{index:04d}"
    states = sorted(rng.sample(["TX", "CA", "NY", "FL", "OH", "PA", "IL", "GA"], 3))
    out = [
        "# yaml-language-server: $schema=../../schema/editor/payer.schema.json",
        "payer:",
        f"  id: {pid}",
        f"  name: Benchmark Health Plan {index}",
        "  kind: commercial",
        f"  states: [{', '.join(states)}]",
        f"  aliases: [BHP {index}]",
        "review_interval_days: 90",
        "sources:",
    ]
    for n in range(3):
        out += [
            f"  - id: BHP-{index}-{n}",
            "    type: payer-policy",
            f"    title: Synthetic policy {n} of plan {index}",
            f"    url: https://example.org/plan-{index}/policy-{n}",
            '    version: "7"',
            '    effective_date: "2026-01-01"',
            f'    checked: "{CHECKED}"',
            "    confidence: verified-primary",
            "    note: Synthetic document for benchmarking; not a real payer policy.",
        ]
    out += [
        "policies:",
        "  main:",
        "    title: Synthetic shared policy",
        f"    sources: [BHP-{index}-0, BHP-{index}-1]",
        "    coverage: {status: covered}",
        "    frequency: {max_sessions: 4, period: rolling-12-months, scope: spinal-region}",
        "    imaging: {required: true, accepted: [fluoroscopy, ct], not_covered: [ultrasound, none]}",
        "    documentation:",
        "      items:",
        "        - Indication and history",
        "        - Pain scores before and after",
        "        - Images retained",
    ]
    out.append("rules:")
    for c in range(codes):
        dx = ", ".join(f'"{d}"' for d in icd_codes(rng, rng.randint(20, 40)))
        out += [
            f'  - code: "{code_name(c)}"',
            "    policy: main",
            f"    sources: [BHP-{index}-2]",
            f"    levels_per_session: {{max: {rng.randint(1, 3)}}}",
            f"    units: {{max: {rng.randint(1, 4)}, per: date-of-service, basis: policy}}",
            "    modifiers:",
            '      - {code: "50", use: conditional, when: bilateral}',
            "    prior_auth:",
            f"      - {{requirement: required, settings: [hospital-outpatient, asc], program: Synthetic PA {index}}}",
            "    diagnoses:",
            "      completeness: examples",
            f"      covered: [{dx}]",
            f'    review: {{last_reviewed: "{CHECKED}", reviewed_by: bench-reviewer}}',
        ]
    return "\n".join(out) + "\n"


def generate(out: Path, payers: int, codes: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    (out / "catalog").mkdir(parents=True)
    (out / "payers").mkdir()
    for name in ("states", "jurisdictions", "modifiers"):
        shutil.copy(REPO / "lcd_data" / "catalog" / f"{name}.yaml", out / "catalog" / f"{name}.yaml")
    (out / "catalog" / "codes.yaml").write_text(codes_catalogue(codes), encoding="utf-8")
    for index in range(payers):
        (out / "payers" / f"bench-payer-{index:04d}.yaml").write_text(payer_file(index, codes, rng), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payers", type=int, default=50)
    parser.add_argument("--codes", type=int, default=200)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    generate(args.out, args.payers, args.codes)
    print(f"wrote {args.payers} payers x {args.codes} codes = {args.payers * args.codes} rules to {args.out}")


if __name__ == "__main__":
    main()
