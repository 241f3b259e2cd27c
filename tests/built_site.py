"""One build of the bundled data for the site's layout tests (print, phone, picker, accessibility, links), shared by
their modules in one pytest run: a full build takes a while, and they only read it."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

from conftest import REPO

EPOCH = "1795824000"  # 2026-11-28: statuses and dated answers as of that day


@functools.cache
def real_site() -> Path:
    from lcdkb import api
    from lcdkb.site.build import build_site

    folder = Path(tempfile.mkdtemp(prefix="lcdkb-site-"))
    atexit.register(shutil.rmtree, folder, True)
    out = folder / "site"
    build_site(api.load(REPO / "lcd_data"), out, environ={"SOURCE_DATE_EPOCH": EPOCH})
    return out
