"""berthd: serve the Docker Engine API on a unix socket.

The process entry sits here, above the Engine, because it composes the Engine
(``berth.daemon``) with the HTTP server (``berth.api``); the Engine itself
knows nothing of HTTP. It takes the engine's locks (``berth.daemon.instance``)
before it imports the server (``berth.api.serve``), which takes a second or more
on a busy host: from its first moment a starting berthd is seen, and a second
one exits at once.
"""

import argparse
import logging
import os
import sys
from typing import NoReturn

from berth.daemon import instance
from berth.daemon.config import DaemonConfig
from berth.errors import FailedPrecondition, InvalidArgument
from berth.runtime.linux import sys as lx


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="berthd", description="berth's engine daemon")
    p.add_argument("-H", "--host", help="unix socket to listen on (unix:///path)")
    p.add_argument("--data-root", help="persistent state (default /var/lib/berth)")
    p.add_argument("--exec-root", help="runtime state (default /run/berth)")
    p.add_argument("-G", "--group", help="the group that may use the socket (default: root's)")
    p.add_argument("-D", "--debug", action="store_true")
    p.add_argument("--insecure-registry", action="append", default=[],
                   metavar="HOST[:PORT]|CIDR",
                   help="a registry spoken to over HTTPS unverified, else HTTP (repeatable)")
    p.add_argument("--push-compression", default="gzip", metavar="gzip|zstd",
                   help="how a plain (committed, imported, loaded) layer is pushed "
                        "(default gzip, as docker; zstd needs a docker 23+ or containerd puller)")
    p.add_argument("-b", "--bridge",
                   help="the default bridge network's device (default berth0; none: no "
                        "default network, containers get only a loopback)")
    p.add_argument("--bip", help="the default bridge's address and prefix (e.g. 10.9.0.1/24)")
    return p.parse_args(argv)


def _fail(message: str) -> NoReturn:
    print(f"berthd: failed to start daemon: {message}", file=sys.stderr)
    sys.exit(1)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if os.geteuid() != 0:
        print("berthd: must run as root", file=sys.stderr)
        sys.exit(1)
    try:
        lx.check_machine()
    except FailedPrecondition as e:
        _fail(e.message)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        config = DaemonConfig.from_args(args.host, args.data_root, args.exec_root, args.debug,
                                        args.insecure_registry, args.push_compression,
                                        args.bridge, args.bip, args.group)
        locks = instance.claim(config)  # held until the process ends
        instance.clear_socket(config.socket)  # before the engine starts, and again at listen
    except (InvalidArgument, FailedPrecondition) as e:  # dockerd's words for a bad flag value
        _fail(e.message)
    import uvloop

    from berth.api.serve import serve

    try:
        # libuv's loop: the same API answers a quarter more requests a second
        # (docs/performance.md).
        uvloop.run(serve(config))
    except FailedPrecondition as e:
        _fail(e.message)
    finally:
        for lock in locks:
            lock.close()


if __name__ == "__main__":
    main()
