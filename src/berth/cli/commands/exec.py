"""``berth exec``: run a command in a running container, docker's flow.

Create the exec instance; with ``-d`` start it detached; otherwise start it
on a hijacked connection, stream its output (stdin too with ``-i``; the
terminal raw and its size sent with ``-it``), then exit with the exit code
that ``GET /exec/{id}/json`` reports.
"""

from __future__ import annotations

import os
import threading

from berth.cli.commands.run import _pump_stdin, _raw_terminal, chosen_detach_keys, environment
from berth.cli.output import copy_frames
from berth.client.streams import demux, is_multiplexed, raw

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

    from berth.client import Client


def exec_config(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "User": args.user or "", "Privileged": args.privileged, "Tty": args.tty,
        "AttachStdin": args.interactive and not args.detach,
        "AttachStdout": not args.detach, "AttachStderr": not args.detach,
        "Detach": args.detach, "Env": environment(args), "WorkingDir": args.workdir or "",
        "Cmd": [args.cmd, *args.args],
        **({"DetachKeys": keys} if (keys := chosen_detach_keys(args)) else {}),
    }


def run(args: argparse.Namespace, client: Client) -> int:
    exec_id = client.containers.exec_create(args.container, exec_config(args))
    if args.detach:
        client.containers.exec_start_detached(exec_id)
        return 0
    size = None
    if args.tty:
        try:
            size = os.get_terminal_size(1)
        except OSError:
            pass
    stream = client.containers.exec_start(
        exec_id, tty=args.tty, console_size=(size.lines, size.columns) if size else None)
    try:
        if args.interactive:
            threading.Thread(target=_pump_stdin, args=(stream,), daemon=True).start()
        multiplexed = is_multiplexed(stream.response.header("Content-Type"), args.tty)
        chunks = stream.iter_chunks()
        with _raw_terminal(args.tty and args.interactive):
            copy_frames(demux(chunks) if multiplexed else raw(chunks))
    finally:
        stream.close()
    code = client.containers.exec_inspect(exec_id).get("ExitCode")
    return int(code) if code is not None else 0
