"""Show dockerd's JSON progress messages (pull, push) as docker's CLI does.

On a terminal each layer keeps one line, rewritten in place (cursor up, clear
line) with its status and bar; elsewhere every status is one plain line
(``a3ed95caeb02: Pull complete``) and the moving byte counts are left out.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any, TextIO

_MOVING = frozenset({"Downloading", "Extracting", "Pushing"})


class Display:
    def __init__(self, out: TextIO | None = None, tty: bool | None = None) -> None:
        self.out = out or sys.stdout
        self.tty = self.out.isatty() if tty is None else tty
        self._lines: list[str] = []  # ids, in the order their lines were printed

    def show(self, msg: dict[str, Any]) -> None:
        status = str(msg.get("status") or "")
        if not status:
            return
        id_ = str(msg.get("id") or "")
        if not self.tty:
            if status not in _MOVING and status != "Waiting":
                self.out.write(f"{id_}: {status}\n" if id_ else f"{status}\n")
            return
        text = f"{id_}: {status}" if id_ else status
        if msg.get("progress"):
            text += " " + str(msg["progress"])
        if id_ and id_ in self._lines and "Pulling from" not in status:
            up = len(self._lines) - self._lines.index(id_)
            self.out.write(f"\x1b[{up}A\r\x1b[2K{text}\r\x1b[{up}B")
        else:
            if id_ and "Pulling from" not in status:
                self._lines.append(id_)
            else:
                self._lines.append("")
            self.out.write(text + "\n")
        self.out.flush()

    def show_all(self, messages: Iterable[dict[str, Any]]) -> None:
        for msg in messages:
            self.show(msg)
