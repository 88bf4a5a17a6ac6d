"""``berth save``: images as a docker-archive, to a file (``-o``) or to stdout.

The archive is the body of ``GET /images/get?names=...``. With ``-o`` it goes to
a temp file beside the target, renamed over it when complete (a failed save
leaves no half archive under the name); to a terminal it is refused, as docker
does.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from berth.client import Client
    from berth.client.http import Response

_BLOCK = 1 << 20


def _copy(resp: Response, fd: int) -> None:
    while data := resp.read1(_BLOCK):
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]


def run(args: argparse.Namespace, client: Client) -> int:
    if not args.output:
        if sys.stdout.isatty():
            print("cowardly refusing to save to a terminal. Use the -o flag or redirect",
                  file=sys.stderr)
            return 1
        sys.stdout.flush()
        _copy(client.images.save(args.images), sys.stdout.fileno())
        return 0
    target = os.path.abspath(args.output)
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        print(f"failed to save image: invalid output path: directory {directory!r} does not "
              "exist", file=sys.stderr)
        return 1
    resp = client.images.save(args.images)
    tmp = os.path.join(directory, f".berth-save-{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
    except OSError as e:
        resp.close()
        print(f"failed to save image: {(e.strerror or str(e)).lower()}: {tmp}", file=sys.stderr)
        return 1
    try:
        try:
            _copy(resp, fd)
        finally:
            os.close(fd)
        os.rename(tmp, target)
    except OSError as e:
        os.unlink(tmp)
        resp.close()
        print(f"failed to save image: {(e.strerror or str(e)).lower()}: {target}",
              file=sys.stderr)
        return 1
    except BaseException:
        os.unlink(tmp)
        raise
    return 0
