"""``berth``: the command line entry.

Only ``argparse`` and ``json`` load before a command runs; the command's own
module (``berth.cli.commands.<name>``) and the client are imported when it is
chosen. Errors become docker's messages and exit statuses here, in one place:
usage errors 125 (flags) or 1 (arguments), daemon errors 1, and for ``run``
every failure before the container runs 125.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from berth.cli.parser import parse
from berth.cli.usage import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from berth.client import Client

_MODULES = {"import": "import_", "image prune": "image_prune",
            "container prune": "container_prune", "system df": "system_df",
            "registry serve": "registry", "registry gc": "registry",
            **{f"volume {sub}": "volume" for sub in ("create", "inspect", "ls", "prune", "rm")},
            "builder prune": "builder_prune",
            **{f"network {sub}": "network" for sub in ("create", "inspect", "ls", "prune", "rm")}}
DAEMON_ERROR = 125
"""``run``'s status for anything that goes wrong before the container runs."""


def _run_command(args: argparse.Namespace) -> int:
    import importlib

    from berth.client import Client

    module = importlib.import_module(
        "berth.cli.commands." + _MODULES.get(args.command, args.command))
    client: Client = Client(args.host)
    try:
        status: int = module.run(args, client)
        return status
    finally:
        client.close()


def _fail(command: str | None, message: str) -> int:
    """Print an error for ``command`` the way docker does; return the exit status."""
    if command == "run":
        print(f"berth: {message}\n\nRun 'berth run --help' for more information",
              file=sys.stderr)
        return DAEMON_ERROR
    print(message, file=sys.stderr)
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = parse(argv)
    except UsageError as e:
        print(e.render(), file=sys.stderr)
        return e.status
    if args.version:
        from berth import __version__

        print(f"berth version {__version__}")
        return 0
    if args.command is None:
        from berth.cli.parser import group_help, top_help

        group = getattr(args, "group", None)
        print(group_help(group) if group else top_help(), end="")
        return 0

    from berth.client.errors import APIError, ClientError, DaemonUnreachable

    try:
        return _run_command(args)
    except UsageError as e:
        print(e.render(), file=sys.stderr)
        return e.status
    except APIError as e:
        return _fail(args.command, f"Error response from daemon: {e.message}")
    except DaemonUnreachable as e:
        return _fail(args.command, str(e))
    except ClientError as e:
        return _fail(args.command, str(e))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``berth logs | head``): quiet, like docker.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
