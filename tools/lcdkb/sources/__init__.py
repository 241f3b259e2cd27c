"""lcdkb sources check: compare the Medicare documents the data cites (LCDs and billing articles) with CMS's
current listing, report what changed and which rules it affects, and optionally record the result in the data.

- ``listing``: CMS's listing read from a saved file (the listing CSV or a Coverage API report in JSON); every
  field is checked for shape and size before it is used.
- ``client``: fetches the two Coverage API reports (requests + urllib3 retries + CacheControl's on-disk cache).
- ``compare``: each cited source's status: unchanged, newer-version, retired, not-found or differs.
- ``report``: text, JSON and Markdown reports.
- ``write``: records listed_version, listed_on, listed_status and compared_on in the payer files, byte for byte
  apart from those values.
"""
