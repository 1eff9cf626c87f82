"""Text made safe to print or store: connectors.secrets' redaction plus the SAM.gov key from the
environment, which may be known before any client was given it (a run refused before it started)."""
from __future__ import annotations

from connectors.secrets import redact as redact_secrets
from spendrecon.config import sam_api_key


def redact(text: str) -> str:
    """``text`` without any secret this process knows: the SAM.gov key (even before a client was
    given it) and every value and ``name=value`` pair the HTTP clients registered."""
    key = sam_api_key()
    return redact_secrets(text, [key] if key else [])
