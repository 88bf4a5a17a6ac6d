"""docker's json-file log driver, written by the supervisor.

One JSON object a line: ``{"log": "...\\n", "stream": "stdout", "time": "<RFC 3339>"}``.
Output is cut into lines; a line longer than 16 KiB is written in pieces, and
an unfinished line is kept until its newline or the stream's end, like dockerd.
With ``max_size`` (``--log-opt max-size``) a file that reaches it is rotated:
``<id>-json.log`` becomes ``<id>-json.log.1``, ``.1`` becomes ``.2`` and so on,
keeping ``max_files - 1`` rotated files (``max-file``; with 1 the file is just
truncated). ``berth.daemon.logs`` reads the rotated files back in order.
"""

import json
import os
from pathlib import Path

from berth.supervisor.protocol import STDERR, STDOUT
from berth.util.timefmt import now_rfc3339

LINE_MAX = 16 * 1024
STREAM_NAMES = {STDOUT: "stdout", STDERR: "stderr"}


def entry(data: bytes, stream: int, now: str, attrs: dict[str, str] | None = None) -> bytes:
    """One line of the log; ``attrs`` (the ``labels``/``env`` log options') as docker's."""
    record: dict[str, object] = {"log": data.decode("utf-8", "replace"),
                                 "stream": STREAM_NAMES[stream]}
    if attrs:
        record["attrs"] = attrs
    record["time"] = now
    return json.dumps(record, separators=(",", ":")).encode() + b"\n"


def _private(path: str, flags: int) -> int:
    """Logs are root's alone (0600): a container's output may carry its secrets."""
    return os.open(path, flags | os.O_CLOEXEC, 0o600)


class JsonFileLog:
    def __init__(self, path: Path, max_size: int = 0, max_files: int = 1,
                 attrs: dict[str, str] | None = None) -> None:
        self.path = path
        self.attrs = dict(attrs or {})
        self.max_size = max(0, max_size)
        self.max_files = max(1, max_files)
        self._file = open(path, "ab", buffering=0, opener=_private)  # noqa: SIM115 - lives with the container
        self._size = self._file.tell()
        self._partial: dict[int, bytes] = {}

    def write(self, stream: int, data: bytes) -> None:
        buf = self._partial.get(stream, b"") + data
        lines = buf.split(b"\n")
        rest = lines.pop()
        now = now_rfc3339()
        out = [entry(line + b"\n", stream, now, self.attrs) for line in lines]
        while len(rest) >= LINE_MAX:
            out.append(entry(rest[:LINE_MAX], stream, now, self.attrs))
            rest = rest[LINE_MAX:]
        self._partial[stream] = rest
        for record in out:
            self._append(record)

    def finish(self, stream: int) -> None:
        """The stream ended: write its unfinished last line."""
        rest = self._partial.pop(stream, b"")
        if rest:
            self._append(entry(rest, stream, now_rfc3339(), self.attrs))

    def _append(self, record: bytes) -> None:
        self._file.write(record)
        self._size += len(record)
        if self.max_size and self._size >= self.max_size:
            self._rotate()

    def _rotate(self) -> None:
        self._file.close()
        if self.max_files > 1:
            for n in range(self.max_files - 1, 0, -1):
                older = self.path.with_name(f"{self.path.name}.{n}")
                newer = self.path.with_name(f"{self.path.name}.{n - 1}") if n > 1 else self.path
                try:
                    os.replace(newer, older)
                except FileNotFoundError:
                    pass
            self._file = open(self.path, "ab", buffering=0, opener=_private)  # noqa: SIM115
        else:
            self._file = open(self.path, "wb", buffering=0, opener=_private)  # noqa: SIM115
        self._size = 0

    def close(self) -> None:
        for stream in list(self._partial):
            self.finish(stream)
        self._file.close()
