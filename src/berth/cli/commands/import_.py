"""``berth import``: a rootfs tar (a file, or ``-`` for stdin) becomes an image.

The tar is the body of ``POST /images/create?fromSrc=-``: sent with its length
(sendfile) when it is a regular file, chunked when it is a pipe. The daemon
answers JSON progress lines, the last ``{"status": "sha256:..."}``; each status is
printed, as docker does.
"""

from __future__ import annotations

import os
import stat
import sys

from berth.cli.format import split_reference

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import BinaryIO

    from berth.client import Client


def _size(f: BinaryIO) -> int | None:
    """The bytes left in ``f`` if it is a regular file, else None (stream it chunked)."""
    try:
        st = os.fstat(f.fileno())
    except (OSError, ValueError, AttributeError):
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return st.st_size - f.tell()


def run(args: argparse.Namespace, client: Client) -> int:
    repo, tag = split_reference(args.reference) if args.reference else ("", "")
    if args.source == "-":
        source: BinaryIO = sys.stdin.buffer
        close = False
    else:
        try:
            source = open(args.source, "rb")  # noqa: SIM115 - closed below
        except OSError as e:
            print(f"open {args.source}: {(e.strerror or str(e)).lower()}", file=sys.stderr)
            return 1
        close = True
    try:
        for msg in client.images.import_tar(source, _size(source), repo=repo, tag=tag,
                                            changes=args.change, message=args.message):
            status = msg.get("status")
            if status:
                prefix = f"{msg['id']}: " if msg.get("id") else ""
                print(prefix + str(status), flush=True)
    finally:
        if close:
            source.close()
    return 0
