"""Secrets kept out of sight: every API key a client was given, redacted from any text.

The registry is process-wide so that ``redact`` also works on text that never saw a client (a
message built by a connector, a log line from httpx).  httpx puts full URLs in its INFO log lines,
so its loggers are quietened to WARNING and filtered through ``redact`` as soon as this module is
imported (the client imports it).
"""
from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Mapping
from urllib.parse import quote, quote_plus

REDACTED = "***"

# Every secret any client was given, so that `redact` also works on text that never saw a client
# (a message built by a connector, a log line from httpx).  Keys are short-lived values; keeping
# them in memory for the life of the process is no worse than the client holding them.  Values
# shorter than _MIN_SHARED_SECRET are not plausible API keys (a test's "k"): sharing them would
# blank out that text in every message of the process, so only their own client redacts them.
# Secret parameter *names* are shared too, so "api_key=<anything>" is blanked whatever its value.
_MIN_SHARED_SECRET = 6
_SECRETS: set[str] = set()
_SECRET_NAMES: set[str] = set()
_SECRETS_LOCK = threading.Lock()


def register_secrets(params: Mapping[str, str]) -> None:
    """Remember a client's secret parameters (names always, values long enough to be keys)."""
    with _SECRETS_LOCK:
        _SECRETS.update(v for v in params.values() if len(v) >= _MIN_SHARED_SECRET)
        _SECRET_NAMES.update(k for k in params if k)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Replace every known secret value (raw or URL-encoded) and ``name=value`` pair with ``***``.

    ``secrets`` adds values to the ones registered by the clients of this process.
    """
    with _SECRETS_LOCK:
        values = set(_SECRETS)
        names = sorted(_SECRET_NAMES)
    values.update(v for v in secrets if v)
    for secret in sorted(values, key=len, reverse=True):  # longest first: one key may contain another
        for form in {secret, quote(secret, safe=""), quote_plus(secret, safe="")}:
            text = text.replace(form, REDACTED)
    for name in names:
        text = re.sub(rf"(?<![\w-])({re.escape(name)}=)[^&\s'\"<>#]+", rf"\g<1>{REDACTED}", text)
    return text


class _RedactingFilter(logging.Filter):
    """Last line of defence should someone turn the httpx loggers back up to INFO/DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is not ours to fix; drop its args rather than leak
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        return True


for _name in ("httpx", "httpcore"):
    _logger = logging.getLogger(_name)
    _logger.setLevel(logging.WARNING)
    if not any(isinstance(f, _RedactingFilter) for f in _logger.filters):
        _logger.addFilter(_RedactingFilter())
