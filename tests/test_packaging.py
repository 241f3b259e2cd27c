"""A plain (non-editable) install, as pre-commit does it, ships the schemas and runs the validator and export."""
import json
import subprocess
import sys
import sysconfig
from pathlib import Path

from conftest import REPO, VALID


def test_wheel_install_validates_and_exports_with_shipped_schemas(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    # Reuse this environment's dependencies (a path line, so its editable lcdkb is not picked up) and install
    # only lcdkb itself from the repository, as a wheel.
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps",
                              "--disable-pip-version-check", str(REPO)], capture_output=True, text=True)
    assert install.returncode == 0, install.stderr
    where = subprocess.run([str(python), "-c", "import lcdkb; print(lcdkb.__file__)"], capture_output=True, text=True)
    assert str(venv) in where.stdout
    lcdkb = str(venv / "bin" / "lcdkb")
    result = subprocess.run([lcdkb, "validate", "--data", str(VALID), "--today", "2026-02-01"],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no problems" in result.stderr
    exported = subprocess.run([lcdkb, "export", "--data", str(VALID), "--out", str(tmp_path / "api")],
                              capture_output=True, text=True, cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert json.loads((tmp_path / "api" / "schema" / "export.schema.json").read_text())["$defs"]
