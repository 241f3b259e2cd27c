"""Claim pre-check: claim lines in, findings out, driven only by the rules in the data.

lines (read and validate input) -> context (who pays, which rules) -> checks (one small function per kind of
denial) -> report (text table or JSON). ``check_claims`` is the Python API.
"""
