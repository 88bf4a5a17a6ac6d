"""Docker's stream framing, decoded in one place.

A container's output without a tty travels multiplexed: each frame is an
8-byte header — stream id (0 stdin, 1 stdout, 2 stderr, 3 systemerr), three
zero bytes, the payload's length as a big-endian u32 — then the payload.
With a tty the output is raw bytes (reported here as stdout).
"""

from collections.abc import Iterable, Iterator

STDIN, STDOUT, STDERR, SYSTEMERR = 0, 1, 2, 3
HEADER_SIZE = 8
MULTIPLEXED = "application/vnd.docker.multiplexed-stream"
RAW = "application/vnd.docker.raw-stream"


def encode_frame(stream: int, payload: bytes) -> bytes:
    """One frame (the server's side; used by tests and by anything relaying a stream)."""
    return bytes((stream, 0, 0, 0)) + len(payload).to_bytes(4, "big") + payload


class FrameDecoder:
    """Incremental decoder: feed it bytes as they arrive, get whole frames back."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        self._buf += data
        frames: list[tuple[int, bytes]] = []
        buf = self._buf
        pos = 0
        while len(buf) - pos >= HEADER_SIZE:
            length = int.from_bytes(buf[pos + 4:pos + 8], "big")
            end = pos + HEADER_SIZE + length
            if len(buf) < end:
                break
            frames.append((buf[pos], bytes(buf[pos + HEADER_SIZE:end])))
            pos = end
        del buf[:pos]
        return frames

    @property
    def pending(self) -> int:
        """Bytes of an incomplete frame still buffered (non-zero at EOF = truncated)."""
        return len(self._buf)


def demux(chunks: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """(stream id, payload) for each frame in a multiplexed byte stream."""
    decoder = FrameDecoder()
    for data in chunks:
        yield from decoder.feed(data)


def raw(chunks: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """A tty's raw stream in the same shape as ``demux``'s output."""
    for data in chunks:
        yield STDOUT, data


def is_multiplexed(content_type: str, tty: bool | None = None) -> bool:
    """Decide the framing from the Content-Type, or from the container's Tty when the
    daemon (API < 1.42) does not say."""
    if content_type.startswith(MULTIPLEXED):
        return True
    if tty is not None:
        return not tty
    return not content_type.startswith(RAW)
