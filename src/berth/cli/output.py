"""Writing a container's demultiplexed output to our own stdout and stderr."""

from __future__ import annotations

import sys
from collections.abc import Iterable

STDERR = 2


def copy_frames(frames: Iterable[tuple[int, bytes]]) -> None:
    """stdout frames (and stdin echoes, and a tty's raw bytes) to stdout, stderr frames
    to stderr, flushed as they come so that output interleaves as it was written."""
    out = sys.stdout.buffer
    err = sys.stderr.buffer
    for stream, data in frames:
        target = err if stream >= STDERR else out
        target.write(data)
        target.flush()
