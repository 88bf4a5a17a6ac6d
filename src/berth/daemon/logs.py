"""Container logs: the log driver options, and reading the json-file back.

``HostConfig.LogConfig``: ``json-file`` (the default; ``max-size`` in
go-units sizes and ``max-file``, as dockerd takes them) or ``none``. The
supervisor writes the files (``berth.supervisor.logs``); ``read`` gives
``docker logs`` their lines: the rotated files oldest first, then the
current one, optionally followed, filtered by ``since``/``until`` and cut to
the last ``tail`` lines. A follower notices a rotation (the path names
another file) and goes on with the new file after reading the old one out, and
the files rotated in between; a log that rotates faster than the follower polls
(every 50 ms) can still lose a file to it, as docker's json-file follower can.
"""

import asyncio
import json
import os
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote_plus

from berth.errors import InvalidArgument
from berth.util.timefmt import ZERO_TIME, parse_rfc3339

Chunk = tuple[int, bytes]
DRIVERS = ("json-file", "none")
_SIZE = re.compile(r"^(\d+(?:\.\d+)?) ?([kKmMgG])?[bB]?$")
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


@dataclass(frozen=True, slots=True)
class LogConfig:
    driver: str = "json-file"
    max_size: int = 0
    max_files: int = 1

    @classmethod
    def from_host_config(cls, host_config: dict[str, Any]) -> "LogConfig":
        raw = host_config.get("LogConfig") or {}
        driver = str(raw.get("Type") or "json-file")
        if driver not in DRIVERS:
            raise InvalidArgument(f"logger: no log driver named '{driver}' is registered")
        opts = {str(k): str(v) for k, v in (raw.get("Config") or {}).items()}
        unknown = set(opts) - {"max-size", "max-file", "compress", "labels", "env", "tag"}
        if unknown or (driver == "none" and opts):
            key = sorted(unknown or opts)[0]
            raise InvalidArgument(f"unknown log opt '{key}' for {driver} log driver")
        max_size = 0
        if "max-size" in opts and opts["max-size"] != "-1":
            m = _SIZE.match(opts["max-size"])
            if m is None:
                raise InvalidArgument(f"invalid size: '{opts['max-size']}'")
            max_size = int(float(m.group(1)) * _UNITS[(m.group(2) or "").lower()])
        max_files = 1
        if "max-file" in opts:  # without max-size nothing rotates: dockerd keeps it all the same
            if not re.fullmatch(r"[+-]?\d+", opts["max-file"]):
                raise InvalidArgument(f'strconv.Atoi: parsing "{opts["max-file"]}": '
                                      "invalid syntax")
            max_files = int(opts["max-file"])
            if max_files < 1:
                raise InvalidArgument("max-file cannot be less than 1")
        return cls(driver, max_size, max_files)


class _Reader:
    """Complete lines of one log file, read on from where the last read stopped."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] | None = None
        self._rest = b""

    def read_lines(self) -> list[bytes]:
        if self._file is None:
            try:
                self._file = self.path.open("rb")
            except FileNotFoundError:
                return []
        data = self._rest + self._file.read()
        end = data.rfind(b"\n") + 1
        self._rest = data[end:]
        return data[:end].splitlines()

    def rotated(self) -> bool:
        """Whether the path now names another file than the one being read."""
        if self._file is None:
            return False
        try:
            return os.stat(self.path).st_ino != self.inode()
        except FileNotFoundError:
            return False

    def inode(self) -> int:
        return os.fstat(self._file.fileno()).st_ino if self._file is not None else -1

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def rotated_files(path: Path) -> list[Path]:
    """``<log>.N`` ... ``<log>.1``: the older files, oldest first."""
    numbered = []
    for candidate in path.parent.glob(path.name + ".*"):
        suffix = candidate.name[len(path.name) + 1:]
        if suffix.isdigit():
            numbered.append((int(suffix), candidate))
    return [p for _, p in sorted(numbered, reverse=True)]


def newer_rotations(path: Path, inode: int) -> list[Path]:
    """The rotated files made after the one with ``inode`` (all, if it is gone), oldest
    first: a follower reads them when the log rotated more than once between reads."""
    files = rotated_files(path)
    inodes = []
    for p in files:
        try:
            inodes.append(p.stat().st_ino)
        except FileNotFoundError:
            inodes.append(-1)
    return files[inodes.index(inode) + 1:] if inode in inodes else files


def log_attributes(config: dict[str, Any], host_config: dict[str, Any]) -> dict[str, str]:
    """The ``attrs`` json-file writes on each line: the container's labels named by the
    ``labels`` log option and its environment variables named by ``env`` (docker's
    ExtraAttributes; an env var wins over a label of the same name)."""
    opts = (host_config.get("LogConfig") or {}).get("Config") or {}
    out: dict[str, str] = {}
    labels = config.get("Labels") or {}
    for name in str(opts.get("labels") or "").split(","):
        if name and name in labels:
            out[name] = str(labels[name])
    env = dict(e.split("=", 1) for e in config.get("Env") or [] if "=" in e)
    for name in str(opts.get("env") or "").split(","):
        if name and name in env:
            out[name] = env[name]
    return out


def _details(attrs: object) -> bytes:
    """``logs --details``: the line's attrs by key, query-escaped as Go's QueryEscape, then
    a space (only the space when it has none)."""
    pairs = sorted(attrs.items()) if isinstance(attrs, dict) else []
    return ",".join(f"{quote_plus(str(k), safe='')}={quote_plus(str(v), safe='')}"
                    for k, v in pairs).encode() + b" "


def _decode(line: bytes, wanted: dict[str, int], timestamps: bool,
            since: float, until: float, details: bool = False) -> Chunk | None:
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    stream = wanted.get(entry.get("stream", "stdout"), 0)
    if not stream:
        return None
    if since or until:
        when = parse_rfc3339(entry.get("time", ZERO_TIME))
        if (since and when < since) or (until and when > until):
            return None
    data = entry.get("log", "").encode()
    if details:
        data = _details(entry.get("attrs")) + data
    if timestamps:
        data = entry.get("time", ZERO_TIME).encode() + b" " + data
    return stream, data


async def read(path: Path, alive: Callable[[], bool], stdout: bool, stderr: bool,
               follow: bool, tail: int | None, timestamps: bool, since: float = 0.0,
               until: float = 0.0,
               connected: Callable[[], bool] = lambda: True,
               details: bool = False) -> AsyncIterator[Chunk]:
    wanted = {"stdout": 1 if stdout else 0, "stderr": 2 if stderr else 0}
    lines: list[bytes] = []
    for older in await asyncio.to_thread(rotated_files, path):
        old = _Reader(older)
        lines += await asyncio.to_thread(old.read_lines)
        old.close()
    # One open file for the whole stream: a removal while following unlinks the
    # log, and what the container wrote must still be read to the end.
    reader = _Reader(path)
    try:
        lines += await asyncio.to_thread(reader.read_lines)
        if tail is not None:
            lines = lines[-tail:] if tail > 0 else []
        while True:
            for line in lines:
                chunk = _decode(line, wanted, timestamps, since, until, details)
                if chunk is not None:
                    yield chunk
            if not follow or not connected():
                return
            if not alive():
                follow = False  # one last read: everything up to the exit
            else:
                await asyncio.sleep(0.05)
            lines = await asyncio.to_thread(reader.read_lines)
            if await asyncio.to_thread(reader.rotated):
                lines += await asyncio.to_thread(reader.read_lines)  # what came before it
                for between in await asyncio.to_thread(newer_rotations, path, reader.inode()):
                    skipped = _Reader(between)
                    lines += await asyncio.to_thread(skipped.read_lines)
                    skipped.close()
                reader.close()
                reader = _Reader(path)
                lines += await asyncio.to_thread(reader.read_lines)
    finally:
        reader.close()
