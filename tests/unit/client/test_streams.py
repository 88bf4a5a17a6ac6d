"""Docker's 8-byte stream framing."""

import os

from berth.client.streams import (
    MULTIPLEXED,
    RAW,
    FrameDecoder,
    demux,
    encode_frame,
    is_multiplexed,
    raw,
)


def test_frames_split_anywhere_decode_the_same() -> None:
    frames = [(1, b"out\n"), (2, b"err\n"), (1, b""), (1, os.urandom(70_000)), (3, b"sys")]
    wire = b"".join(encode_frame(s, p) for s, p in frames)
    for size in (1, 3, 7, 8, 9, 4096, len(wire)):
        chunks = [wire[i:i + size] for i in range(0, len(wire), size)]
        assert list(demux(chunks)) == frames


def test_header_layout() -> None:
    assert encode_frame(2, b"abc") == b"\x02\x00\x00\x00\x00\x00\x00\x03abc"


def test_incomplete_frame_is_kept() -> None:
    d = FrameDecoder()
    assert d.feed(encode_frame(1, b"hello")[:-2]) == []
    assert d.pending == 11
    assert d.feed(b"lo") == [(1, b"hello")]
    assert d.pending == 0


def test_raw_and_content_types() -> None:
    assert list(raw([b"a", b"b"])) == [(1, b"a"), (1, b"b")]
    assert is_multiplexed(MULTIPLEXED)
    assert not is_multiplexed(RAW)
    assert is_multiplexed(RAW, tty=False)  # API < 1.42 says raw for both
    assert not is_multiplexed("", tty=True)
    assert is_multiplexed("")
