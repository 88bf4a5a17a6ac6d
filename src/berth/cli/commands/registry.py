"""``berth registry serve|gc``: run berth's registry server in this process.

The CLI may not import server packages (import-linter), and the server needs
aiohttp, which ``berth`` never loads: so the command replaces itself
(``os.execv``) with ``python -m berth.registry.server`` on this same
interpreter. The server keeps this process's id, so a supervisor or a shell's
job control that signals ``berth registry serve`` reaches the server itself.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from berth.client import Client


def server_argv(args: argparse.Namespace) -> list[str]:
    argv = [sys.executable, "-m", "berth.registry.server"]
    if args.command == "registry gc":
        argv += ["gc", "--root", args.root]
        return argv + (["--dry-run"] if args.dry_run else [])
    argv += ["serve", "--addr", args.addr, "--root", args.root]
    for flag, value in (("--htpasswd", args.htpasswd), ("--tls-cert", args.tls_cert),
                        ("--tls-key", args.tls_key)):
        if value is not None:
            argv += [flag, value]
    return argv


def run(args: argparse.Namespace, client: Client) -> int:
    argv = server_argv(args)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(argv[0], argv)
    return 1  # not reached
