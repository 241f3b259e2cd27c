"""Data files saved with Windows (CRLF) or old Mac (CR) line endings read the same as LF files."""

import pytest

from lcdkb.cli import main


@pytest.mark.parametrize("ending", ["\r\n", "\r"])
def test_files_with_crlf_or_cr_line_endings_validate(data_dir, capsys, ending):
    mac = data_dir / "payers" / "fixture-mac.yaml"
    mac.write_bytes(mac.read_bytes().replace(b"\n", ending.encode()))
    assert main(["validate", "--data", str(data_dir), "--today", "2026-02-01"]) == 0, capsys.readouterr().out
