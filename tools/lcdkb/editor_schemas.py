"""Schemas for editors and other validators: one self-contained file per data file kind, in schema/editor/.

Each is the source schema in schema/ with every ``$ref`` written out in place and ``allOf`` +
``unevaluatedProperties: false`` turned into plain ``properties`` + ``additionalProperties: false`` (see
``lcdkb.schemas.flatten``), under a stable ``$id``. Editors (the YAML language server reads each data file's
first line) and tools such as check-jsonschema then validate without resolving references or re-crawling
``allOf`` branches, which is many times faster, with the same verdicts (tests/test_editor_schemas.py).

The files are generated, committed, and checked to be current by the tests:

    python -m lcdkb.editor_schemas --write     # after changing a schema in schema/
    python -m lcdkb.editor_schemas --check     # exit 1 when a file in schema/editor/ is out of date
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lcdkb.paths import schema_dir
from lcdkb.schemas import SCHEMA_FILES, flatten, schema_text

FOLDER = "editor"
ID_BASE = "urn:lcdkb:schema:v1:"
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def editor_schema(kind: str) -> dict:
    name = SCHEMA_FILES[kind]
    source = json.loads(schema_text(name))
    flat = flatten(source, name)
    return {"$schema": DRAFT, "$id": ID_BASE + kind, **{k: v for k, v in flat.items() if k != "$id"}}


def rendered() -> dict[str, bytes]:
    """File name -> contents of every editor schema."""
    return {
        SCHEMA_FILES[kind]: (json.dumps(editor_schema(kind), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        for kind in sorted(SCHEMA_FILES)
    }


def modeline(kind: str) -> str:
    """The first line of a data file of ``kind`` (in lcd_data/catalog/ or lcd_data/payers/)."""
    return f"# yaml-language-server: $schema=../../schema/{FOLDER}/{SCHEMA_FILES[kind]}"


def out_of_date(folder: Path) -> list[str]:
    return [
        name
        for name, content in rendered().items()
        if not (folder / name).is_file() or (folder / name).read_bytes() != content
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lcdkb.editor_schemas", description=__doc__.split("\n\n")[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="write schema/editor/*.schema.json")
    action.add_argument("--check", action="store_true", help="exit 1 when a file is missing or out of date")
    args = parser.parse_args(argv)
    folder = schema_dir() / FOLDER
    if args.check:
        stale = out_of_date(folder)
        for name in stale:
            print(
                f"schema/{FOLDER}/{name} is out of date; run: python -m lcdkb.editor_schemas --write", file=sys.stderr
            )
        return 1 if stale else 0
    folder.mkdir(exist_ok=True)
    for name, content in rendered().items():
        (folder / name).write_bytes(content)
    return 0


if __name__ == "__main__":
    sys.exit(main())
