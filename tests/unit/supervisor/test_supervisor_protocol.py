"""Framing of the supervisor protocol and its error kinds."""

import pytest

from berth.errors import (
    CommandNotFound,
    CommandNotInvokable,
    Conflict,
    FailedPrecondition,
    NotFound,
)
from berth.supervisor.protocol import (
    JSON,
    MAX_FRAME,
    STDERR,
    STDIN,
    STDOUT,
    FrameBuffer,
    FrameError,
    check_reply,
    decode_json,
    encode,
    encode_json,
    encode_stdin,
    error_reply,
)


def test_encode_layout() -> None:
    assert encode(STDOUT, b"hi") == b"\x01\x00\x00\x00\x02hi"
    assert encode(STDIN, b"") == b"\x00\x00\x00\x00\x00"
    frame = encode_json({"op": "state"})
    assert frame[0] == 0x4A == JSON
    assert int.from_bytes(frame[1:5], "big") == len(frame) - 5
    assert decode_json(frame[5:]) == {"op": "state"}


def test_frames_split_anywhere() -> None:
    stream = encode_json({"ok": True}) + encode(STDOUT, b"out") + encode(STDERR, b"") + \
        encode(STDERR, b"e" * 70000)
    for step in (1, 2, 3, 7, 4096, len(stream)):
        buf = FrameBuffer()
        frames = []
        for i in range(0, len(stream), step):
            frames += buf.feed(stream[i:i + step])
        assert frames == [(JSON, b'{"ok":true}'), (STDOUT, b"out"), (STDERR, b""),
                          (STDERR, b"e" * 70000)]
        assert buf.pending == 0


def test_incomplete_frame_waits() -> None:
    buf = FrameBuffer()
    assert buf.feed(encode(STDOUT, b"abc")[:-1]) == []
    assert buf.pending == 7
    assert buf.feed(b"c") == [(STDOUT, b"abc")]


def test_bad_frames() -> None:
    with pytest.raises(FrameError):
        FrameBuffer().feed(b"\x07\x00\x00\x00\x00")
    with pytest.raises(FrameError):
        FrameBuffer().feed(bytes([JSON]) + (MAX_FRAME + 1).to_bytes(4, "big"))
    with pytest.raises(FrameError):
        decode_json(b"[1]")
    with pytest.raises(FrameError):
        decode_json(b"{nope")


@pytest.mark.parametrize(("error", "kind"), [
    (CommandNotFound('exec: "x": executable file not found in $PATH'), "not_found"),
    (CommandNotInvokable("permission denied"), "not_invokable"),
    (NotFound("no such container: x"), "no_such_container"),
    (Conflict("container x is running"), "conflict"),
    (FailedPrecondition("mount failed"), "failed"),
])
def test_errors_round_trip(error: Exception, kind: str) -> None:
    reply = error_reply(error)  # type: ignore[arg-type]
    assert reply == {"ok": False, "error": str(error), "kind": kind}
    with pytest.raises(type(error)) as info:
        check_reply(reply)
    assert str(info.value) == str(error)


def test_check_reply() -> None:
    assert check_reply({"ok": True, "pid": 3}) == {"ok": True, "pid": 3}
    with pytest.raises(FailedPrecondition, match="supervisor error"):
        check_reply({"ok": False})


def test_stdin_is_split_into_bounded_frames() -> None:
    assert encode_stdin(b"") == [b"\x00\x00\x00\x00\x00"]
    frames = encode_stdin(b"x" * 2_500_000)
    buf = FrameBuffer()
    decoded = [f for raw in frames for f in buf.feed(raw)]
    assert [len(p) for _, p in decoded] == [1 << 20, 1 << 20, 2_500_000 - (2 << 20)]
    assert all(kind == STDIN for kind, _ in decoded)
