"""A layer is decompressed ahead in a thread: the same bytes, the same errors, and a
reader dropped half-way stops its thread."""

import gzip
import io
import os
import time

import pytest

from berth.diff.compression import AheadReader, decompressed
from berth.errors import InvalidArgument


def test_the_same_bytes_in_any_read_sizes() -> None:
    data = os.urandom(3_000_000)
    reader, kind = decompressed(io.BytesIO(gzip.compress(data, 1)))
    assert kind == "gzip" and isinstance(reader, AheadReader)
    out = [reader.read(n) for n in (0, 1, 511, 1 << 20)]
    out.append(reader.read())
    assert b"".join(out) == data and reader.read(10) == b""


def test_an_error_in_the_thread_comes_out_of_read() -> None:
    raw = gzip.compress(os.urandom(2_000_000), 1)
    reader, _ = decompressed(io.BytesIO(raw[:len(raw) // 2]))
    with pytest.raises(InvalidArgument, match="truncated"):
        while reader.read(1 << 16):
            pass


class _Endless:
    def __init__(self) -> None:
        self.reads = 0

    def read(self, n: int = -1, /) -> bytes:
        self.reads += 1
        return b"x" * 1000


def test_close_stops_the_thread() -> None:
    raw = _Endless()
    reader = AheadReader(raw)
    assert reader.read(10) == b"x" * 10
    reader.close()
    reader._thread.join(5)
    assert not reader._thread.is_alive()
    reads = raw.reads
    time.sleep(0.2)
    assert raw.reads == reads
