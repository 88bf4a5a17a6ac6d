"""``berth export``: the container's root as a tar, to ``-o FILE`` or a redirected stdout.

Like docker, a terminal is refused, and ``-o`` writes a temp file in the
target's directory renamed over the target once complete.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterator

    from berth.client import Client

REFUSE = "cowardly refusing to save to a terminal. Use the -o flag or redirect"


def _to_file(chunks: Iterator[bytes], path: str) -> None:
    import tempfile

    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".berth-export-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def run(args: argparse.Namespace, client: Client) -> int:
    if not args.output and sys.stdout.isatty():
        print(REFUSE, file=sys.stderr)
        return 1
    chunks = client.containers.export(args.container)
    if args.output:
        try:
            _to_file(chunks, args.output)
        except OSError as e:
            print(f"failed to export container: {e}", file=sys.stderr)
            return 1
        return 0
    out = sys.stdout.buffer
    for chunk in chunks:
        out.write(chunk)
    out.flush()
    return 0
