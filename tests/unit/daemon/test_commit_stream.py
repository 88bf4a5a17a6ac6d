"""The export stream: bytes from a worker thread, its error raised in the reader, and a
reader that leaves early stopping the worker."""

import asyncio
import threading

import pytest

from berth.daemon.commit import stream_from_thread


def test_bytes_arrive_in_order() -> None:
    def produce(sink) -> None:  # type: ignore[no-untyped-def]
        for i in range(3000):
            sink.write(i.to_bytes(4, "big") * 256)

    async def read() -> bytes:
        return b"".join([chunk async for chunk in stream_from_thread(produce)])

    data = asyncio.run(read())
    assert data == b"".join(i.to_bytes(4, "big") * 256 for i in range(3000))


def test_an_error_reaches_the_reader() -> None:
    def produce(sink) -> None:  # type: ignore[no-untyped-def]
        sink.write(b"x" * 10)
        raise ValueError("broken walk")

    async def read() -> None:
        async for _ in stream_from_thread(produce):
            pass

    with pytest.raises(ValueError, match="broken walk"):
        asyncio.run(read())


def test_leaving_early_stops_the_producer() -> None:
    stopped = threading.Event()

    def produce(sink) -> None:  # type: ignore[no-untyped-def]
        try:
            while True:
                sink.write(bytes(1 << 16))
        finally:
            stopped.set()

    async def read_one() -> None:
        stream = stream_from_thread(produce)
        await anext(stream)
        await stream.aclose()  # returns once the producer is done

    asyncio.run(read_one())
    assert stopped.is_set()
