"""Award Data Archive files fetched: resumable downloads, and their URLs masked wherever they are shown.

A download is saved under its archive file name (``connectors.records.parse_archive_name`` says what
one is) and kept only when it is a whole zip (connectors.zip_check). Reading a zip's contents is the
warehouse's (``warehouse/archive/``); nothing here touches a database.
"""
from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx

from connectors.records import ArchiveNameError, name_of, parse_archive_name
from connectors.zip_check import zip_defect

Progress = Callable[[int, int | None], None]  # (bytes done, bytes expected or None)

_CHUNK = 1 << 20
_RETRYABLE = frozenset({429, 500, 502, 503, 504})


class DownloadError(Exception):
    """A download that could not be completed; the partial file is kept for the next attempt."""


def download_name(url: str) -> str:
    """The local file name for a download of ``url``: its last path segment, decoded, and only if that
    is an archive file name itself.

    The decoded segment is the server's (or a link's) text: ``..%2F..%2Fescaped%2FFY2023_...zip``
    decodes to a relative path and ``%2Fetc%2F...`` to an absolute one. Reducing it to its last part
    would quietly save a different name than the link says, so anything but a bare archive name is
    refused, naming the URL (masked: it may carry credentials)."""
    segment = name_of(url)
    try:
        if not segment or any(c in segment for c in "/\\\0") or segment in (".", ".."):
            raise ArchiveNameError(f"{segment!r} is not a plain file name")
        name = parse_archive_name(segment).file_name
    except ArchiveNameError as exc:
        raise ArchiveNameError(f"{safe_url(url)}: cannot download to a local file: {exc}") from None
    # parse_archive_name accepts only [A-Za-z0-9_()] and ".zip": no separator, no "..".
    return name


# --- URLs fit to show -----------------------------------------------------------------------------

# Any "scheme://" string, not just the http(s) we download: an ftp:// or s3:// URL given by mistake
# is reported back in a "no such file" error, and must be masked there too.
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
MASK = "***"


def safe_url(source: str) -> str:
    """``source`` as it may be shown, logged, stored or put in an exception.

    Archive URLs can carry credentials: ``https://user:pass@host/...``, ``?token=...``,
    ``?api_key=...``, or a pre-signed ``X-Amz-Signature=...``. We cannot tell a secret query value
    from a harmless one, so every value is masked and only the names are kept (enough to see which
    kind of link it was). The whole userinfo is masked, the user name included: a link with a user
    name alone is usually a token in that place (``https://<token>@host``), so a user name cannot be
    assumed harmless. The fragment is dropped (never sent to the server; nothing worth showing).
    A local path is returned unchanged.
    """
    if not _SCHEME.match(source):
        return source
    try:
        parts = urlsplit(source)
    except ValueError:  # e.g. a malformed IPv6 host: say nothing about it rather than leak it
        return f"{source.split(':', 1)[0]}://{MASK}"
    netloc = parts.netloc
    userinfo, at, hostport = netloc.rpartition("@")
    if at:
        netloc = f"{MASK}:{MASK}@{hostport}" if ":" in userinfo else f"{MASK}@{hostport}"
    # Split the raw query ourselves (not parse_qsl + urlencode) so that names stay as written. A field
    # without "=" is masked whole: some links are ``file.zip?<token>``, the token standing alone.
    query = "&".join(
        f"{name}={MASK}" if sep else MASK
        for name, sep, _ in (field.partition("=") for field in parts.query.split("&") if field)
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def mask_url_in(text: str, url: str) -> str:
    """``text`` (an error message, say) with ``url`` and each of its secret parts masked. Our own
    messages use :func:`safe_url`, but httpx's and other libraries' may quote the URL or a part of it;
    every error text that leaves for the CLI, a log or Prefect passes through here first."""
    if not _SCHEME.match(url):
        return text  # a local path has no secret parts ("?" in a file name is not a query)
    text = text.replace(url, safe_url(url))
    try:
        parts = urlsplit(url)
    except ValueError:
        return text.replace(url, MASK)
    raw = [parts.username or "", parts.password or "", *(
        value if sep else name for name, sep, value in (f.partition("=") for f in parts.query.split("&")))]
    # As written and percent-decoded (httpx may quote either). Shorter than 4 characters is no secret
    # ("?v=1") and masking it would garble the message.
    secrets = {form for s in raw for form in (s, unquote(s)) if len(form) >= 4}
    for secret in sorted(secrets, key=len, reverse=True):  # longest first: one may contain another
        text = text.replace(secret, MASK)
    return text


# --- downloads ------------------------------------------------------------------------------------


def download(
    url: str,
    dest_dir: Path,
    *,
    progress: Progress | None = None,
    client: httpx.Client | None = None,
    timeout_seconds: float = 60.0,
    attempts: int = 5,
    backoff_seconds: float = 1.0,
) -> Path:
    """Stream ``url`` to ``dest_dir/<name>`` and return the path.

    The bytes go to ``<name>.part`` first and are renamed only when complete, so a file under its
    final name is always whole and is reused without asking the server again. Complete means: as
    long as the server said (Content-Length, Content-Range) when it said, and in any case a whole
    zip (:func:`connectors.zip_check.zip_defect`: without a length, a cut-off body looks finished).
    A file already under its final name that fails that check (kept by an older version) is fetched
    again. An interrupted download resumes with an HTTP Range request (guarded by If-Range, so a
    file that changed on the server is fetched again from the start rather than spliced).
    """
    final = dest_dir / download_name(url)  # before anything touches the disk
    dest_dir.mkdir(parents=True, exist_ok=True)
    if final.exists():
        if zip_defect(final) is None:
            return final
        final.unlink()  # cut off (an older version kept such files): fetch it again from the start
    part = final.with_name(final.name + ".part")
    validator_file = final.with_name(final.name + ".part.json")
    own_client = client is None
    http = client or httpx.Client(timeout=timeout_seconds, follow_redirects=True)
    try:
        last_error: Exception | None = None
        for attempt in range(1, attempts + 1):
            try:
                length_known = _fetch(http, url, part, validator_file, progress)
                defect = zip_defect(part)
                if defect is not None:
                    if length_known:
                        # Every byte the server announced, and still not a zip: resuming cannot fix it.
                        part.unlink()
                        validator_file.unlink(missing_ok=True)
                        raise _Incomplete(f"the file received is not a whole zip ({defect}); fetching it again")
                    # No length to go by: most likely cut off. Keep it; the next attempt resumes it.
                    raise _Incomplete(f"the response ended without a length and is not a whole zip ({defect})")
                part.replace(final)
                validator_file.unlink(missing_ok=True)
                return final
            except (httpx.TransportError, _Incomplete) as exc:
                last_error = exc
                if attempt < attempts:
                    time.sleep(backoff_seconds * 2 ** (attempt - 1))
        # Never the URL itself here: this message reaches the CLI, the logs and Prefect's database.
        raise DownloadError(f"{safe_url(url)}: download failed after {attempts} attempts "
                            f"({mask_url_in(str(last_error), url)}); {part.name} is kept and the next run resumes it")
    finally:
        if own_client:
            http.close()


class _Incomplete(Exception):
    """The server closed the response before sending every byte it announced."""


def _fetch(http: httpx.Client, url: str, part: Path, validator_file: Path, progress: Progress | None) -> bool:
    """Fetch what is missing of ``part``; True when the server said how long the file is (and it is
    that long now), False when it did not say."""
    have = part.stat().st_size if part.exists() else 0
    validator = _read_validator(validator_file) if have else None
    headers = {}
    if have:
        headers["Range"] = f"bytes={have}-"
        if validator:
            headers["If-Range"] = validator
    with http.stream("GET", url, headers=headers) as resp:
        if resp.status_code == 416 and have:
            # Nothing left to send: the part may already be whole. Content-Range says "bytes */size".
            total = _total_from_content_range(resp.headers.get("content-range"))
            if total == have:
                return True
            part.unlink()
            raise _Incomplete("the partial file does not match the server's; starting again")
        if resp.status_code == 206 and have:
            start = _start_from_content_range(resp.headers.get("content-range"))
            if start != have:
                part.unlink()
                raise _Incomplete(f"server resumed at byte {start}, expected {have}; starting again")
            mode = "ab"
        elif resp.status_code == 200:
            have, mode = 0, "wb"  # no Range support, or the file changed (If-Range): from the start
        elif resp.status_code in _RETRYABLE:
            raise _Incomplete(f"HTTP {resp.status_code}")
        else:
            raise DownloadError(f"{safe_url(url)}: HTTP {resp.status_code}")
        length = resp.headers.get("content-length")
        expected = have + int(length) if length and length.isdigit() else None
        if mode == "ab":
            # A resumed response says the whole file's size, whether or not it sends a length.
            expected = _total_from_content_range(resp.headers.get("content-range")) or expected
        new_validator = resp.headers.get("etag") or resp.headers.get("last-modified")
        if mode == "wb" and new_validator:
            validator_file.write_text(json.dumps({"validator": new_validator}), encoding="utf-8")
        done = have
        with open(part, mode) as f:
            for chunk in resp.iter_bytes():  # as received: a cut connection keeps what arrived
                f.write(chunk)
                done += len(chunk)
                if progress:
                    progress(done, expected)
    if expected is not None and done != expected:
        raise _Incomplete(f"got {done} of {expected} bytes")
    return expected is not None


def _read_validator(path: Path) -> str | None:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("validator")
    except (OSError, ValueError):
        return None


def _start_from_content_range(value: str | None) -> int | None:
    m = re.match(r"bytes (\d+)-\d+/(?:\d+|\*)", value or "")
    return int(m.group(1)) if m else None


def _total_from_content_range(value: str | None) -> int | None:
    m = re.match(r"bytes (?:\*|\d+-\d+)/(\d+)", value or "")
    return int(m.group(1)) if m else None
