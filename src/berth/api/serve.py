"""berthd's server: the Engine behind the HTTP API on the unix socket, until SIGTERM.

Imported by ``berth.api.main`` only once the engine's locks are held: importing
this (aiohttp, uvloop, every route, the Engine) takes a second or more on a busy
host, and a berthd must be seen as starting (its socket lock) from its first moment.
"""

import asyncio
import logging
import signal

from aiohttp import web

from berth.api.server import make_app
from berth.daemon import instance
from berth.daemon.config import DaemonConfig
from berth.daemon.engine import Engine
from berth.errors import FailedPrecondition

log = logging.getLogger("berthd")


async def serve(config: DaemonConfig) -> None:
    engine = Engine(config)
    await engine.start()
    app = make_app(engine)
    # On shutdown, streams (logs -f, events, attach) get 3 s, then they are cut.
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=3.0)
    await runner.setup()
    sock_path = config.socket
    try:
        instance.clear_socket(sock_path)  # checked at start too: a daemon may have come
    except FailedPrecondition:
        await runner.cleanup()
        await engine.close()
        raise
    site = web.UnixSite(runner, str(sock_path))
    await site.start()
    instance.share_socket(config)
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
