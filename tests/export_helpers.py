"""Shared helpers for export tests: render the fixture data and read it back."""

from __future__ import annotations

import json

from conftest import FIXTURE_TODAY, VALID
from lcdkb.exports.render import render_export
from lcdkb.model import build_model
from lcdkb.validate import validate

EPOCH = {"SOURCE_DATE_EPOCH": "1769904000"}  # 2026-02-01T00:00:00Z, the fixtures' judging day


def fixture_kb(root=VALID):
    return build_model(validate(root, today=FIXTURE_TODAY))


def render(root=VALID, environ=EPOCH, **kwargs) -> dict[str, bytes]:
    return render_export(fixture_kb(root), environ=environ, **kwargs)


def doc(files: dict[str, bytes], path: str) -> dict:
    return json.loads(files[path])
