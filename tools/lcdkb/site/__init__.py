"""The cheat-sheet site: Markdown generated from the model (``pages``), then built with MkDocs (``build``).

The Markdown is written to disk and MkDocs only renders it, so the pages are testable without MkDocs and
the generator does not depend on MkDocs hooks.
"""
