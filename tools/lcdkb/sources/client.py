"""Fetch CMS's listing from the Coverage API: the local LCD report and the local article report.

- **Library:** requests, with urllib3's ``Retry`` for retries and CacheControl for the on-disk HTTP cache.
  CacheControl is the cache pip itself uses; it stores responses as msgpack data (never pickle, so a cache file
  cannot run code) and revalidates with ``If-None-Match`` / ``If-Modified-Since``.
- **Politeness:** a User-Agent naming lcdkb and its version; one connection; every request asks the server to
  revalidate (``Cache-Control: no-cache``), so an unchanged report costs a 304 with no body.
- **Retries:** 429/500/502/503/504 answers are retried four times with exponential backoff (0, 2, 4, 8 s),
  honouring ``Retry-After`` up to a minute; failed connections and reads twice (0, 2 s).
- **Timeouts:** 10 s to connect, 60 s between bytes (``--timeout``).
- **Hostile answers:** redirects are not followed, the body is read in pieces and refused past 64 MiB (after
  decompression), only ``application/json`` is accepted, and the JSON goes through ``listing.from_report``,
  which checks every field. A damaged or foreign cache file is treated as a miss.
- **Errors** are ``FetchError`` with one line that says what failed and what to do (for example: no network, so
  give a saved listing with ``--listing``).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from contextlib import suppress
from email.utils import formatdate
from pathlib import Path

import requests
from cachecontrol import CacheControlAdapter
from cachecontrol.caches import FileCache
from cachecontrol.heuristics import BaseHeuristic
from cachecontrol.serialize import Serializer
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from lcdkb import __version__
from lcdkb.file_status import trusted
from lcdkb.sources.listing import MAX_BYTES, Listing, ListingError, from_json_text, size_limit

DEFAULT_API = "https://api.coverage.cms.gov"
REPORTS = {
    "LCD": "/v1/reports/local-coverage-final-lcds/",
    "Article": "/v1/reports/local-coverage-articles/",
}
USER_AGENT = f"lcdkb/{__version__} (payer coverage rules knowledge base; lcdkb sources check) python-requests"
CONNECT_TIMEOUT = 10.0
RETRY_STATUSES = (429, 500, 502, 503, 504)
RETRIES = 4  # for 429 and 5xx answers
CONNECT_RETRIES = 2  # for failed connections and reads: offline is told within seconds
BACKOFF_FACTOR = 1.0  # seconds: waits of 0, 2, 4, 8 between tries
MAX_RETRY_AFTER = 60.0
CHUNK = 64 * 1024
_LOOPBACK = re.compile(r"http://(?:127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}|localhost|\[::1\])(?::[0-9]{1,5})?\Z")
_HTTPS = re.compile(r"https://[A-Za-z0-9.-]{1,253}(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~/-]{0,200})?\Z")


class FetchError(Exception):
    """The listing could not be fetched; the message is one line naming what failed and what to do."""


def checked_api_url(url: str) -> str:
    """The API's base address without a final slash: https, or plain http to a loopback address (for tests)."""
    base = url.rstrip("/")
    if _HTTPS.match(base) or _LOOPBACK.match(base):
        return base
    raise FetchError(
        "--api-url must be an https:// address such as https://api.coverage.cms.gov (plain http only to a "
        "loopback address such as http://127.0.0.1:8080)"
    )


class _CappedRetry(Retry):
    """urllib3's Retry, with a server's Retry-After honoured up to MAX_RETRY_AFTER seconds."""

    def get_retry_after(self, response):
        after = super().get_retry_after(response)
        return None if after is None else min(after, MAX_RETRY_AFTER)


class _SafeSerializer(Serializer):
    """CacheControl's msgpack format; a cache file that cannot be read as one is a miss, never an error."""

    def loads(self, request, data, body_file=None):
        try:
            return super().loads(request, data, body_file)
        except Exception:
            return None


class _KeepValidated(BaseHeuristic):
    """Store a response that has Last-Modified but no ETag or freshness of its own, so the next run can send
    If-Modified-Since. Every request revalidates (Cache-Control: no-cache), so nothing is served unchecked."""

    def update_headers(self, response) -> dict[str, str]:
        headers = response.headers
        if "etag" in headers or "last-modified" not in headers:
            return {}
        if "no-store" in headers.get("cache-control", "").lower():
            return {}
        now = time.time()
        return {
            "expires": formatdate(now + 14 * 86400, usegmt=True),
            "date": headers.get("date") or formatdate(now, usegmt=True),
        }

    def warning(self, response) -> str | None:
        return None


def http_cache_folder() -> Path | None:
    """$LCDKB_CACHE_DIR/http, else the user's cache folder (platformdirs) /http; None when the cache is off."""
    from lcdkb.cache import cache_dir

    folder = cache_dir()
    return None if folder is None else folder / "http"


def session(cache_folder: Path | None, backoff: float | None = None) -> requests.Session:
    """A requests session with retries and, when ``cache_folder`` is usable, the on-disk HTTP cache."""
    retry = _CappedRetry(
        total=RETRIES,
        connect=CONNECT_RETRIES,
        read=CONNECT_RETRIES,
        status=RETRIES,
        redirect=0,
        backoff_factor=BACKOFF_FACTOR if backoff is None else backoff,
        backoff_max=30,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        raise_on_status=False,
        raise_on_redirect=False,
        respect_retry_after_header=True,
    )
    adapter: HTTPAdapter = HTTPAdapter(max_retries=retry, pool_connections=1, pool_maxsize=1)
    if cache_folder is not None:
        with suppress(OSError):
            cache_folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if cache_folder.is_dir() and trusted(cache_folder):  # as the model cache: ours, writable by no one else
            adapter = CacheControlAdapter(
                cache=FileCache(str(cache_folder)),
                serializer=_SafeSerializer(),
                heuristic=_KeepValidated(),
                max_retries=retry,
                pool_connections=1,
                pool_maxsize=1,
            )
    client = requests.Session()
    client.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json", "Cache-Control": "no-cache"})
    client.mount("https://", adapter)
    client.mount("http://", adapter)
    return client


def fetch_listing(
    api_url: str = DEFAULT_API,
    timeout: float = 60.0,
    cache_folder: Path | None = None,
    backoff: float | None = None,
    note: Callable[[str], None] | None = None,
) -> Listing:
    """Both reports (all statuses: active, retired and future), merged into one listing."""
    base = checked_api_url(api_url)
    listing = Listing(origin="api")
    with session(cache_folder, backoff) as client:
        for kind, path in REPORTS.items():
            part = _fetch_report(client, base, path, timeout, note)
            if not part.documents:
                raise FetchError(
                    f"the CMS Coverage API listed no {'LCDs' if kind == 'LCD' else 'articles'} at {base}{path}; "
                    "try again later, or give a saved listing with --listing FILE"
                )
            if part.kinds != {kind}:
                raise FetchError(f"the CMS Coverage API report {base}{path} lists other documents than {kind}s")
            part.parts = [base + path]
            listing.merge(part)
    listing.origin = "api"
    return listing


def _fetch_report(
    client: requests.Session, base: str, path: str, timeout: float, note: Callable[[str], None] | None
) -> Listing:
    url = base + path
    body, cached = get_bytes(client, url, base, timeout)
    if note:
        note(f"GET {url}: {'unchanged since the cached copy (304)' if cached else 'downloaded'}, {len(body)} bytes")
    try:
        return from_json_text(_text(body, url), url)
    except ListingError as exc:
        raise FetchError(f"the CMS Coverage API's answer is not a report lcdkb can use: {exc}") from None


def get_bytes(
    client: requests.Session,
    url: str,
    base: str,
    timeout: float,
    headers: dict[str, str] | None = None,
    max_bytes: int | None = None,
    what: str = "a CMS report",
) -> tuple[bytes, bool]:
    """One GET of a JSON answer of the Coverage API at ``base``: (body, whether it came from the cache). No
    redirects, at most ``max_bytes`` (default MAX_BYTES) after decompression; every failure is one FetchError
    line saying what to do."""
    try:
        with client.get(
            url, headers=headers, timeout=(CONNECT_TIMEOUT, timeout), stream=True, allow_redirects=False
        ) as response:
            body = _checked_body(response, url, max_bytes or MAX_BYTES, what)
            return body, bool(getattr(response, "from_cache", False))
    except FetchError:
        raise
    except requests.exceptions.SSLError as exc:
        raise FetchError(
            f"the TLS connection to {base} failed ({_short(exc)}); check the system's certificates"
        ) from None
    except requests.exceptions.ConnectionError as exc:
        raise FetchError(
            f"cannot reach the CMS Coverage API at {base} ({_short(exc)}); check the network connection, or give a "
            "saved listing with --listing FILE"
        ) from None
    except requests.exceptions.Timeout:
        raise FetchError(
            f"the CMS Coverage API at {base} did not answer within {timeout:g} s; try again later (or raise --timeout)"
        ) from None
    except requests.exceptions.RequestException as exc:
        raise FetchError(f"fetching {url} failed: {_short(exc)}") from None
    except (ValueError, TypeError, KeyError, AssertionError, OSError) as exc:  # a malformed answer or header
        raise FetchError(f"the answer from {url} could not be read ({type(exc).__name__}: {_short(exc)})") from None


def _checked_body(response: requests.Response, url: str, max_bytes: int, what: str) -> bytes:
    if response.status_code != 200:
        if 300 <= response.status_code < 400:
            raise FetchError(
                f"{url} redirected (HTTP {response.status_code}); lcdkb does not follow redirects, check --api-url"
            )
        raise FetchError(
            f"the CMS Coverage API answered HTTP {response.status_code} {_clip(response.reason or '')} for {url}"
            f"{_api_message(response)}; try again later, or give a saved listing with --listing FILE"
        )
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json" and not kind.endswith("+json"):
        raise FetchError(f"{url} answered with {_clip(kind) or 'no content type'}, not JSON")
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise FetchError(f"{url} answered with {int(length)} bytes, over the {size_limit(max_bytes)} limit")
    parts: list[bytes] = []
    size = 0
    for chunk in response.iter_content(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"{url} answered with more than {size_limit(max_bytes)}; it is not {what}")
        parts.append(chunk)
    return b"".join(parts)


def _api_message(response: requests.Response) -> str:
    """The API's own error message (APIError: {"message", "code"}), clipped; empty when there is none."""
    try:
        body = response.raw.read(4096, decode_content=True) if response.raw is not None else b""
        message = json.loads(body).get("message")
    except Exception:
        return ""
    return f": {_clip(message)}" if isinstance(message, str) and message else ""


def _text(body: bytes, url: str) -> str:
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise FetchError(f"{url} answered with bytes that are not UTF-8 JSON") from None


def _short(exc: BaseException) -> str:
    """A short reason from a requests/urllib3 exception chain: connection refused, name not resolved, ..."""
    text = str(exc)
    for needle, said in (
        ("Name or service not known", "the host name does not resolve"),
        ("nodename nor servname", "the host name does not resolve"),
        ("Temporary failure in name resolution", "the host name does not resolve"),
        ("NameResolutionError", "the host name does not resolve"),
        ("Connection refused", "connection refused"),
        ("Network is unreachable", "the network is unreachable"),
        ("No route to host", "no route to host"),
        ("timed out", "the connection timed out"),
        ("CERTIFICATE_VERIFY_FAILED", "the certificate could not be verified"),
    ):
        if needle in text:
            return said
    return _clip(text)


def _clip(value: str, limit: int = 160) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 3] + "..."
