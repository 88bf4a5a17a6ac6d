"""``berth load``: images from a docker-archive or OCI layout tar (``-i`` or stdin).

The archive is the body of ``POST /images/load``, sent with its length when it
is a regular file, chunked when it is a pipe. The daemon answers JSON lines
``{"stream": "Loaded image: busybox:latest\\n"}``; each is printed, as docker does.
"""

from __future__ import annotations

import os
import stat
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import BinaryIO

    from berth.client import Client


def _size(f: BinaryIO) -> int | None:
    st = os.fstat(f.fileno())
    return st.st_size - f.tell() if stat.S_ISREG(st.st_mode) else None


def run(args: argparse.Namespace, client: Client) -> int:
    if args.input:
        try:
            source: BinaryIO = open(args.input, "rb")  # noqa: SIM115 - closed below
        except OSError as e:
            print(f"open {args.input}: {(e.strerror or str(e)).lower()}", file=sys.stderr)
            return 1
    else:
        if sys.stdin.isatty():
            print("requested load from stdin, but stdin is empty", file=sys.stderr)
            return 1
        source = sys.stdin.buffer
    try:
        messages = list(client.images.load(source, _size(source), quiet=args.quiet))
    except (BrokenPipeError, ConnectionResetError) as e:
        # Not stdout going away (main's quiet case): the daemon stopped reading the archive.
        print(f"error during connect: the daemon closed the connection while the archive was "
              f"sent ({(e.strerror or str(e)).lower()})", file=sys.stderr)
        return 1
    finally:
        if args.input:
            source.close()
    for msg in messages:
        if stream := msg.get("stream"):
            print(stream, end="", flush=True)
    return 0
