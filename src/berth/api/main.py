"""berthd: serve the Docker Engine API on a unix socket.

The process entry sits here, above the Engine, because it composes the Engine
(``berth.daemon``) with the HTTP server (``berth.api``); the Engine itself
knows nothing of HTTP.
"""

import argparse
import asyncio
import logging
import os
import signal
import sys

import uvloop
from aiohttp import web

from berth.api.server import make_app
from berth.daemon.config import DaemonConfig
from berth.daemon.engine import Engine
from berth.errors import FailedPrecondition, InvalidArgument
from berth.runtime.linux import sys as lx

log = logging.getLogger("berthd")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="berthd", description="berth's engine daemon")
    p.add_argument("-H", "--host", help="unix socket to listen on (unix:///path)")
    p.add_argument("--data-root", help="persistent state (default /var/lib/berth)")
    p.add_argument("--exec-root", help="runtime state (default /run/berth)")
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


async def serve(config: DaemonConfig) -> None:
    engine = Engine(config)
    await engine.start()
    app = make_app(engine)
    # On shutdown, streams (logs -f, events, attach) get 3 s, then they are cut.
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=3.0)
    await runner.setup()
    sock_path = config.socket
    sock_path.parent.mkdir(parents=True, exist_ok=True)
    if sock_path.exists() or sock_path.is_symlink():
        sock_path.unlink()
    site = web.UnixSite(runner, str(sock_path))
    await site.start()
    os.chmod(sock_path, 0o660)
    log.info("berthd listening on unix://%s", sock_path)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("berthd shutting down")
    await runner.cleanup()
    await engine.close()
    try:
        sock_path.unlink()
    except FileNotFoundError:
        pass


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if os.geteuid() != 0:
        print("berthd: must run as root", file=sys.stderr)
        sys.exit(1)
    try:
        lx.check_machine()
    except FailedPrecondition as e:
        print(f"berthd: failed to start daemon: {e.message}", file=sys.stderr)
        sys.exit(1)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        config = DaemonConfig.from_args(args.host, args.data_root, args.exec_root, args.debug,
                                        args.insecure_registry, args.push_compression,
                                        args.bridge, args.bip)
    except InvalidArgument as e:  # dockerd's words for a bad flag value
        print(f"berthd: failed to start daemon: {e.message}", file=sys.stderr)
        sys.exit(1)
    # libuv's loop: the same API answers a quarter more requests a second (docs/performance.md).
    uvloop.run(serve(config))


if __name__ == "__main__":
    main()
