"""The repository's workflow and contribution files are valid and point at things that exist."""

import yaml

from conftest import REPO

WORKFLOWS = REPO / ".github" / "workflows"


def load(name):
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def commands(workflow):
    return "\n".join(step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"])


def test_every_workflow_is_yaml_with_jobs_and_triggers():
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert [f.name for f in files] == ["deploy-site.yml", "pull-request.yml", "reviews-due.yml"]
    for path in files:
        workflow = load(path.name)
        assert workflow["jobs"] and (True in workflow or "on" in workflow), path.name  # YAML 1.1 reads 'on' as True


def test_pull_requests_validate_with_annotations_test_and_build():
    run = commands(load("pull-request.yml"))
    assert "lcdkb validate --format github" in run and "bash .ci/run" in run and "bash scripts/build.sh" in run


def test_weekly_staleness_keeps_one_rolling_issue():
    workflow = load("reviews-due.yml")
    assert workflow[True]["schedule"][0]["cron"] == "0 7 * * 1"
    run = commands(workflow)
    assert "lcdkb stale --format markdown" in run and "gh issue edit" in run and "gh issue close" in run


def test_site_deployment_builds_with_the_main_command():
    workflow = load("deploy-site.yml")
    assert "bash scripts/build.sh" in commands(workflow)
    assert any(step.get("uses", "").startswith("actions/deploy-pages") for step in workflow["jobs"]["deploy"]["steps"])


def test_scripts_named_in_workflows_exist():
    for script in ("scripts/build.sh", ".ci/run"):
        assert (REPO / script).is_file()


def test_contribution_files_exist():
    template = (REPO / ".github" / "pull_request_template.md").read_text()
    assert "Effective date" in template and "Date you checked it" in template
    assert "lcd_data/payers/medicare-*.yaml" in (REPO / ".github" / "CODEOWNERS").read_text()
    assert "lcdkb review mark" in (REPO / "CONTRIBUTING.md").read_text()


def test_github_annotation_format(data_dir, capsys):
    from lcdkb.cli import main

    mac = data_dir / "payers" / "fixture-mac.yaml"
    mac.write_text(mac.read_text().replace("max_sessions: 4", "max_sessions: four"))
    assert main(["validate", "--data", str(data_dir), "--format", "github"]) == 1
    line = capsys.readouterr().out.splitlines()[0]
    assert line.startswith("::error file=") and ",title=LCD010::" in line and "fixture-mac.yaml,line=" in line
