"""A Python-Markdown extension that passes lcdkb's ready-made HTML blocks through without parsing them.

Python-Markdown finds where a raw HTML block ends by running the standard library's ``html.parser`` over it,
although it then writes the block out unchanged; on the generated pages that parse was most of a build's time.
``markup.raw_block`` marks each ready-made block with a start and an end comment line; this preprocessor, which
runs before Python-Markdown's own HTML block reader, hands every marked block (with the marked blocks nested in it)
to Python-Markdown's raw-HTML store in one piece, without the marker lines. The page comes out the same.

Only lines that are exactly a marker, at the start of a line, count; data text can never produce one, since
``markup.text()`` writes ``<`` and ``-`` as character references. An engine that does not load this extension
reads the markers as HTML comments, and the blocks the slower way, with the same result.
"""

from __future__ import annotations

from markdown import Extension
from markdown.preprocessors import Preprocessor

from lcdkb.site.markup import RAW_END as END
from lcdkb.site.markup import RAW_START as START


class _RawBlocks(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        block: list[str] = []
        depth = 0
        for line in lines:
            if depth == 0 and line != START:
                out.append(line)
                continue
            block.append(line)
            depth += 1 if line == START else -1 if line == END else 0
            if depth == 0:
                html = "\n".join(line for line in block if line not in (START, END))
                out.extend(["", self.md.htmlStash.store(html), ""])
                block = []
        return out + block  # an unclosed block stays as it was, for Python-Markdown to read


class RawBlocksExtension(Extension):
    def extendMarkdown(self, md) -> None:
        # After whitespace normalisation (30), before the HTML block reader (20).
        md.preprocessors.register(_RawBlocks(md), "lcdkb_raw_blocks", 25)


def makeExtension(**kwargs) -> RawBlocksExtension:
    return RawBlocksExtension(**kwargs)
