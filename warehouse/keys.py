"""How a configuration key is shown in an error message."""
from __future__ import annotations

from typing import Any


def key_text(key: Any) -> str:
    """The key as written, unless it would read as nothing, as two keys or as two lines: then quoted
    ('', ' sam', 'a.b', 'x\\ny', None). List positions stay plain numbers."""
    if isinstance(key, int) and not isinstance(key, bool):
        return str(key)
    if isinstance(key, str) and key and key.strip() == key and "." not in key and key.isprintable():
        return key
    return repr(key)
