"""docker's detach keys (``ctrl-p,ctrl-q``, ``ctrl-a,x``...): what berthd watches a
client's stdin for, and what the CLI reads from ``--detach-keys`` or ``config.json``."""

from berth.errors import InvalidArgument

DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q"
_CTRL = {**{chr(c): c - 96 for c in range(ord("a"), ord("z") + 1)},
         "@": 0, "[": 27, "\\": 28, "]": 29, "^": 30, "_": 31}


def detach_keys(text: str | None) -> bytes:
    """docker's ``detachKeys`` (``ctrl-p,ctrl-q``, ``ctrl-a,x``...) as the bytes to watch."""
    out = bytearray()
    for key in (text or DEFAULT_DETACH_KEYS).split(","):
        key = key.strip()
        if key.startswith("ctrl-") and len(key) == 6 and key[5] in _CTRL:
            out.append(_CTRL[key[5]])
        elif len(key) == 1:
            out.append(ord(key))
        else:
            raise InvalidArgument(f"Invalid escape keys ({key}) provided")
    return bytes(out)
