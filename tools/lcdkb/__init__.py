"""lcdkb: a sourced knowledge base of US payer coverage rules for interventional pain-management billing.

Pipeline: load (strict YAML) -> validate (JSON Schema + named checks) -> model -> outputs.
"""

__version__ = "0.1.0"
