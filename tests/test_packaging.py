"""A plain (non-editable) install, as pre-commit does it, ships the schemas and runs the validator."""
import subprocess
import sys

from conftest import REPO, VALID


def test_wheel_install_validates_with_shipped_schemas(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                              "--disable-pip-version-check", str(REPO)], capture_output=True, text=True)
    assert install.returncode == 0, install.stderr
    result = subprocess.run([str(venv / "bin" / "lcdkb"), "validate", "--data", str(VALID), "--today", "2026-02-01"],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no problems" in result.stderr
