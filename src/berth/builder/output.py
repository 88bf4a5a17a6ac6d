"""A build's output in docker's legacy-builder words, one stage after another.

Stages that do not depend on each other run at once, but their output is shown
as docker shows a sequential build: each stage writes to its own ``StageLog``;
the first unfinished stage's log goes out live, a later stage's is held until
every stage before it is done, then flushed. Events are docker's JSON messages
(``{"stream": ...}``, ``{"aux": ...}``); the API writes them as JSON lines.
"""

from collections.abc import Callable
from typing import Any

Event = dict[str, Any]
Emit = Callable[[Event], None]


class Sequencer:
    def __init__(self, emit: Emit, quiet: bool = False) -> None:
        self._emit = emit
        self._quiet = quiet
        self._logs: list[StageLog] = []
        self._current = 0

    def stage(self) -> "StageLog":
        log = StageLog(self, len(self._logs))
        self._logs.append(log)
        return log

    def direct(self, event: Event) -> None:
        """An event outside any stage (the final messages, the image id)."""
        if not (self._quiet and "stream" in event):
            self._emit(event)

    def always(self, event: Event) -> None:
        """An event shown even when quiet (``-q``'s image id)."""
        self._emit(event)

    def _write(self, log: "StageLog", event: Event) -> None:
        if log.index == self._current:
            self.direct(event)
        else:
            log.held.append(event)

    def _finished(self, log: "StageLog") -> None:
        log.done = True
        while self._current < len(self._logs) and self._logs[self._current].done:
            self._current += 1
            if self._current < len(self._logs):
                nxt = self._logs[self._current]
                for event in nxt.held:
                    self.direct(event)
                nxt.held.clear()


class StageLog:
    def __init__(self, seq: Sequencer, index: int) -> None:
        self._seq = seq
        self.index = index
        self.held: list[Event] = []
        self.done = False

    def line(self, text: str) -> None:
        self._seq._write(self, {"stream": text + "\n"})

    def raw(self, stream: int, data: bytes) -> None:
        """A RUN step's output, as it comes; its stderr in red, as dockerd shows it."""
        text = data.decode("utf-8", "replace")
        if stream == 2:
            text = f"\x1b[91m{text}\x1b[0m"
        self._seq._write(self, {"stream": text})

    def finish(self) -> None:
        self._seq._finished(self)
