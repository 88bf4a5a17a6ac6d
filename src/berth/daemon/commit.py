"""A container's files: ``docker diff``, ``export`` and ``commit``.

All three read the container's dirs in place (its upper dir over its image's
layer dirs, ``berth.diff``): nothing is mounted on the host, and berthd never
forks. The walks run in worker threads; an export streams its tar through a
small bounded queue, so a slow client holds back the walk rather than memory.
"""

import asyncio
import contextlib
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from pathlib import Path
from typing import Any, Protocol

from berth.daemon.container import Container
from berth.diff.changes import Change
from berth.diff.changes import changes as upper_changes
from berth.diff.merged import write_merged
from berth.errors import BerthError, Conflict, InvalidArgument
from berth.images.commit import CommitRequest, commit_tag
from berth.images.service import ImageService

Changes = list[Change]
ByteStream = AsyncGenerator[bytes, None]  # close it (``contextlib.aclosing``) when done early
_CHUNK = 1 << 20
_QUEUED = 8  # chunks in flight between the walk and the client


class Pauser(Protocol):
    async def pause(self, ref: str) -> None: ...
    async def unpause(self, ref: str) -> None: ...


def changes(images: ImageService, c: Container, upper: Path) -> Changes:
    return upper_changes(upper, images.layer_dirs(images.resolve(c.image_id)))


def export_dirs(images: ImageService, c: Container, upper: Path) -> list[Path]:
    """The dirs whose merged view is the container's root, topmost first."""
    return [upper, *images.layer_dirs(images.resolve(c.image_id))]


def request(c: Container, upper: Path, repo: str, tag: str, comment: str, author: str,
            changes: list[str], config: Any) -> CommitRequest:
    """What to commit, checked (state, reference, config) before anything is written."""
    if c.state.status == "dead":
        raise Conflict(f"You cannot commit container {c.id} which is Dead")
    if c.state.status == "removing":
        raise Conflict(f"You cannot commit container {c.id} which is being removed")
    if config is not None and not isinstance(config, dict):
        raise InvalidArgument("the commit config must be a JSON object")
    return CommitRequest(container_id=c.id, image_id=c.image_id, container_config=c.config,
                         upper=upper, config=config, changes=tuple(changes), comment=comment,
                         author=author, tag=commit_tag(repo, tag))


@contextlib.asynccontextmanager
async def frozen(pauser: Pauser, c: Container, pause: bool) -> AsyncIterator[None]:
    """Freeze a running container for the block (docker commit's ``--pause``, its
    default); thawed after, even when the block fails. One already paused stays so."""
    froze = pause and c.state.status == "running"
    if froze:
        try:
            await pauser.pause(c.id)
        except Conflict:  # it exited as the pause came: nothing left to freeze
            froze = False
    try:
        yield
    finally:
        if froze and c.state.status == "paused":
            try:
                await pauser.unpause(c.id)
            except BerthError:
                pass  # it exited meanwhile: nothing left to thaw


class Busy:
    """One lock per container: a commit holds it while it reads the container's dirs, and
    a removal waits for it before deleting them (dockerd holds the container's lock)."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}

    def hold(self, cid: str) -> asyncio.Lock:
        return self._locks.setdefault(cid, asyncio.Lock())

    async def wait(self, cid: str) -> None:
        lock = self._locks.get(cid)
        if lock is not None:
            async with lock:
                pass

    def forget(self, cid: str) -> None:
        self._locks.pop(cid, None)


class _Cancelled(Exception):
    pass


class _QueueSink:
    """Collects the walk's bytes into chunks handed to the event loop's queue."""

    def __init__(self, loop: asyncio.AbstractEventLoop,
                 queue: "asyncio.Queue[bytes | BaseException | None]") -> None:
        self._loop = loop
        self._queue = queue
        self._buf = bytearray()
        self.cancelled = threading.Event()

    def write(self, data: bytes | bytearray | memoryview, /) -> None:
        self._buf += data
        if len(self._buf) >= _CHUNK:
            self.flush()

    def flush(self) -> None:
        if self._buf:
            self.put(bytes(self._buf))
            self._buf.clear()

    def put(self, item: bytes | BaseException | None) -> None:
        if self.cancelled.is_set():
            raise _Cancelled
        asyncio.run_coroutine_threadsafe(self._queue.put(item), self._loop).result()


async def stream_from_thread(produce: Callable[[_QueueSink], object]) -> ByteStream:
    """The bytes ``produce(sink)`` writes in a worker thread, as they come; its error
    raised here. Leaving early stops the producer at its next write."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[bytes | BaseException | None] = asyncio.Queue(_QUEUED)
    sink = _QueueSink(loop, queue)

    def run() -> None:
        try:
            produce(sink)
            sink.flush()
            sink.put(None)
        except _Cancelled:
            pass
        except BaseException as e:  # handed to the reader
            with contextlib.suppress(_Cancelled):
                sink.put(e)

    task = loop.run_in_executor(None, run)
    try:
        while (item := await queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        sink.cancelled.set()
        while not task.done():  # unblock a producer waiting on a full queue
            getter = asyncio.ensure_future(queue.get())
            waiting: set[asyncio.Future[Any]] = {task, getter}
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            getter.cancel()
        await task


def export(dirs: list[Path]) -> ByteStream:
    """``docker export``: the tar of the merged view of ``dirs``, streamed."""
    return stream_from_thread(lambda sink: write_merged(dirs, sink))
