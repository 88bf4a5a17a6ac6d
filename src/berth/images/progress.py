"""Docker's JSON progress messages for pull and push, and its text bar.

A message is the dict dockerd writes as one JSON line: ``{"status": ...}``,
``{"status": ..., "progressDetail": {...}, "id": <short id>}``, with
``progress`` holding the bar docker's CLI prints as it is
(``[=====>      ]  1.2MB/2.1MB``). ``Throttle`` keeps a layer's byte counts
to about ten messages a second.
"""

import time
from collections.abc import Callable
from typing import Any

Message = dict[str, Any]
Progress = Callable[[Message], None]
_WIDTH = 50
_UNITS = ("B", "kB", "MB", "GB", "TB", "PB")


def human_size(n: float) -> str:
    """Docker's HumanSize: decimal units, four significant digits (``2.15MB``)."""
    i = 0
    while n >= 1000 and i < len(_UNITS) - 1:
        n /= 1000
        i += 1
    return f"{n:.4g}{_UNITS[i]}"


def bar(current: int, total: int) -> str:
    if total <= 0:
        return f"{human_size(current):>8}"
    filled = min(_WIDTH, int(_WIDTH * current / total))
    arrow = ">" if filled < _WIDTH else ""
    body = "=" * filled + arrow + " " * (_WIDTH - filled - len(arrow))
    return f"[{body}] {human_size(current):>8}/{human_size(total)}"


def status(text: str, id_: str = "") -> Message:
    return {"status": text, "id": id_} if id_ else {"status": text}


def layer(text: str, id_: str) -> Message:
    return {"status": text, "progressDetail": {}, "id": id_}


def moving(text: str, id_: str, current: int, total: int) -> Message:
    return {"status": text, "progressDetail": {"current": current, "total": total},
            "progress": bar(current, total), "id": id_}


class Throttle:
    """Calls ``send(moving(...))`` for a byte count at most every ``interval`` s."""

    def __init__(self, send: Progress, text: str, id_: str, total: int,
                 interval: float = 0.1) -> None:
        self._send, self._text, self._id, self._total = send, text, id_, total
        self._interval = interval
        self._last = 0.0
        self._sent = -1

    def __call__(self, current: int) -> None:
        now = time.monotonic()
        if current != self._sent and (now - self._last >= self._interval
                                      or current >= self._total):
            self._last, self._sent = now, current
            self._send(moving(self._text, self._id, current, self._total))


def no_progress(message: Message) -> None:
    pass
