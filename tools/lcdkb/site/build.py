"""lcdkb build: generate the site's Markdown from the model, build it with MkDocs, index it with Pagefind, add the
exports, swap it in.

The Markdown goes to a scratch folder beside the output (``.NAME.work-*``, removed afterwards, and by the next
run if this one dies). The hand-written pages and assets come from the repository's docs/ folder, the MkDocs
settings from its mkdocs.yml and the theme override from the folder its ``theme.custom_dir`` names. The exports
are written straight into the built site; the Markdown folder holds only empty stand-ins for them (excluded from
the build by mkdocs.yml's ``exclude_docs``), so MkDocs still checks the links to them without copying them. The
output folder is replaced only when everything built, so a failed build leaves the previous site as it was.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from lcdkb import paths
from lcdkb.exports import API_DIR
from lcdkb.exports.render import encoded, export_paths, prepared_export
from lcdkb.exports.slices import stamp_for
from lcdkb.model import KnowledgeBase
from lcdkb.output_tree import replacing, work_folder, write_files
from lcdkb.progress import QUIET, VERBOSE, Progress
from lcdkb.site.calendar import review_calendar
from lcdkb.site.page_writer import PageWriteError, write_pages
from lcdkb.site.rule_view import View
from lcdkb.site.search_index import SearchIndexError, index_site, require_pagefind


class BuildError(Exception):
    pass


def site_sources(repo: Path | None = None) -> tuple[Path, Path]:
    """(mkdocs.yml, docs/): ``repo``'s, else the checkout's or the installed package's bundled copies."""
    found = (repo / "mkdocs.yml", repo / "docs") if repo is not None else paths.site_sources()
    if found is None or not found[0].is_file() or not found[1].is_dir():
        raise BuildError(
            "lcdkb build needs the site sources (mkdocs.yml and docs/): run it from a clone of lcdkb "
            "or install a built lcdkb package, which carries them"
        )
    return found


def require_site_engine() -> None:
    if importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("material") is None:
        raise BuildError("lcdkb build needs the site engine: pip install 'lcdkb[site]' (MkDocs and Material)")
    try:
        require_pagefind()
    except SearchIndexError as problem:
        raise BuildError(str(problem)) from None


def generate_docs(view: View, target: Path, docs: Path, export_names, stamp: str) -> int:
    """Write the hand-written docs, the generated pages (with their search keywords), the review calendar and an
    empty stand-in for each export file (``export_names``, relative to api/v1) into ``target``. Returns the page
    count."""
    shutil.copytree(docs, target, dirs_exist_ok=True)
    try:
        count = write_pages(view, target)
    except PageWriteError as problem:
        raise BuildError(f"{problem} (the previous site is unchanged)") from None
    write_files(target, {"reviews.ics": review_calendar(view.kb, stamp)})
    write_files(target / API_DIR, dict.fromkeys(export_names, b""))
    return count


def theme_folder(config: dict, config_path: Path) -> dict:
    """``config`` with ``theme.custom_dir`` made absolute (it is relative to mkdocs.yml, and MkDocs reads the
    generated copy from the scratch folder)."""
    theme = config.get("theme")
    if not isinstance(theme, dict) or not theme.get("custom_dir"):
        return config
    folder = (config_path.parent / theme["custom_dir"]).resolve()
    if not folder.is_dir():
        raise BuildError(f"mkdocs.yml names the theme override folder '{theme['custom_dir']}', which is missing")
    return {**config, "theme": {**theme, "custom_dir": str(folder)}}


def edit_base(config: dict) -> str | None:
    """The "edit this entry" link prefix, from mkdocs.yml's repo_url and edit_uri when both are set."""
    repo_url, edit_uri = config.get("repo_url"), config.get("edit_uri")
    if not repo_url or not edit_uri:
        return None
    return repo_url.rstrip("/") + "/" + edit_uri.strip("/").removesuffix("docs").rstrip("/") + "/"


def build_site(
    kb: KnowledgeBase, out: Path, repo: Path | None = None, environ=os.environ, progress: Progress | None = None
) -> int:
    """Build the whole site into ``out``. Returns the number of generated pages. ``progress`` hears about each
    stage with its time (``lcdkb build`` prints them); with a verbose one, MkDocs' own output is shown too."""
    progress = progress or Progress("build", QUIET)
    require_site_engine()
    config_path, docs = site_sources(repo)
    config = theme_folder(yaml.safe_load(config_path.read_text(encoding="utf-8")), config_path)
    stamp = stamp_for(kb, environ)
    view = View(kb, stamp.status_as_of, edit_base(config))
    with progress.stage("prepared and validated the api/v1 exports"):
        prepared = prepared_export(kb, environ=environ)
    with replacing(out) as staging:
        work = work_folder(Path(out).absolute())
        try:
            with progress.stage("generated the pages"):
                count = generate_docs(view, work / "docs", docs, export_paths(prepared), stamp.generated_at)
            config.update(docs_dir=str(work / "docs"), site_dir=str(staging))
            generated_config = work / "mkdocs.yml"
            generated_config.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
            with (
                progress.stage(f"built {count} pages with MkDocs (and encoded the exports meanwhile)"),
                mkdocs_running(generated_config) as mkdocs_done,
            ):
                export_files = encoded(prepared)  # MkDocs runs on one core; the exports use the other
                del prepared
                shown = mkdocs_done()
            if shown:
                progress.say("MkDocs said:\n" + shown, VERBOSE)
            with progress.stage("indexed the site for search with Pagefind"):
                try:
                    said = index_site(staging, kb)
                except SearchIndexError as problem:
                    raise BuildError(f"{problem} (the previous site is unchanged)") from None
            if said:
                progress.say("Pagefind said:\n" + said, VERBOSE)
            with progress.stage("wrote the api/v1 exports into the site"):
                write_files(staging / API_DIR, export_files)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return count


def _noise(line: str) -> bool:
    """MkDocs lines that say nothing about this build: the end-of-life notice, and the INFO line for each link to
    an export, whose stand-in is excluded on purpose (the real file is written into the site afterwards)."""
    return "end of life" in line.lower() or bool(_EXPORT_LINK.search(line))


_EXPORT_LINK = re.compile(r"^INFO\s.*contains a link to '" + re.escape(API_DIR) + r"/[^']*' which is excluded from the")


@contextmanager
def mkdocs_running(config: Path) -> Iterator[Callable[[], str]]:
    """Start ``mkdocs build --strict`` in its own process and yield a function that waits for it and returns its
    output (warnings), or raises a BuildError. The output goes to a private temporary file (a full pipe would
    block MkDocs). If the block fails first, MkDocs is stopped."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", DISABLE_MKDOCS_2_WARNING="true")
    with tempfile.TemporaryFile("w+", encoding="utf-8") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config)],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
        )

        def finish() -> str:
            returncode = process.wait()
            output.seek(0)
            return _mkdocs_said(returncode, output.read())

        try:
            yield finish
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def _mkdocs_said(returncode: int, said: str) -> str:
    output = "\n".join(line for line in said.splitlines() if not _noise(line))
    if returncode != 0:
        raise BuildError("mkdocs build --strict failed (the previous site is unchanged):\n" + output.strip())
    return output.strip()
