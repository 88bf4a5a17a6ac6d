"""exec's stream as docker-py reads it (its ``ExecDemuxTest``, ``test_exec_start_socket``
and ``test_detach_with_*``): the framing follows the start request's ``Tty``, and the
detach keys end a tty exec's session as dockerd 20.10's do."""

import json
import socket
import struct
import time

import pytest

DEMUX_CMD = 'sh -c "echo hello out; sleep 0.5; echo hello err >&2"'
DETACHED = b"exec attach failed: error on attach stdin: read escape sequence\r\n"


@pytest.fixture
def cat(docker_sdk):
    ct = docker_sdk.create_container("busybox", "cat", detach=True, stdin_open=True)
    docker_sdk.start(ct)
    yield ct["Id"]
    docker_sdk.remove_container(ct, force=True)


def _read_exactly(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        assert chunk, f"EOF after {data!r}"
        data += chunk
    return data


def _read_to_eof(sock: socket.socket) -> bytes:
    sock.settimeout(10)
    data = b""
    while chunk := sock.recv(4096):
        data += chunk
    return data


def test_a_tty_exec_started_without_tty_is_multiplexed(docker_sdk, cat):
    exec_id = docker_sdk.exec_create(cat, DEMUX_CMD, tty=True)
    assert docker_sdk.exec_start(exec_id) == b"hello out\r\nhello err\r\n"
    exec_id = docker_sdk.exec_create(cat, DEMUX_CMD, tty=True)
    assert docker_sdk.exec_start(exec_id, demux=True) == (b"hello out\r\nhello err\r\n", None)
    exec_id = docker_sdk.exec_create(cat, DEMUX_CMD, tty=True)
    chunks = list(docker_sdk.exec_start(exec_id, stream=True, demux=True))
    assert b"".join(out for out, _ in chunks) == b"hello out\r\nhello err\r\n"
    assert all(err is None for _, err in chunks)


def test_a_tty_execs_socket_reads_frame_headers(docker_sdk, cat):
    """docker-py's test_exec_start_socket: the first 8 bytes are a frame header."""
    line = "yay, interactive exec!"
    exec_id = docker_sdk.exec_create(cat, ["printf", line], tty=True)
    sock = docker_sdk.exec_start(exec_id, socket=True)
    try:
        raw = sock._sock
        stream, size = struct.unpack(">BxxxL", _read_exactly(raw, 8))
        assert (stream, size) == (1, len(line))
        assert _read_exactly(raw, size).decode() == line
    finally:
        sock.close()


def test_a_tty_start_is_raw_and_drops_a_plain_execs_stderr(docker_sdk, cat):
    """dockerd writes no stderr when the start says ``Tty`` and the exec has none."""
    exec_id = docker_sdk.exec_create(cat, ["sh", "-c", "echo out; echo err >&2"])
    assert docker_sdk.exec_start(exec_id, tty=True) == b"out\n"
    exec_id = docker_sdk.exec_create(cat, ["sh", "-c", "echo out"], tty=True)
    assert docker_sdk.exec_start(exec_id, tty=True) == b"out\r\n"


def _detach_with(docker_sdk, cat, keys: list[bytes]) -> str:
    exec_id = docker_sdk.exec_create(cat, "cat", stdin=True, tty=True, stdout=True)["Id"]
    sock = docker_sdk.exec_start(exec_id, tty=True, socket=True)
    try:
        raw = sock._sock
        raw.sendall(b"abc\n")
        assert _read_exactly(raw, 10) == b"abc\r\nabc\r\n"
        for key in keys:
            raw.sendall(key)
            time.sleep(0.2)
        assert _read_to_eof(raw) == DETACHED
    finally:
        sock.close()
    return exec_id


def _ended(docker_sdk, exec_id: str) -> dict:
    deadline = time.monotonic() + 10
    while (info := docker_sdk.exec_inspect(exec_id))["Running"] and time.monotonic() < deadline:
        time.sleep(0.05)
    return info


def test_detach_with_the_default_keys(docker_sdk, cat):
    exec_id = _detach_with(docker_sdk, cat, [b"\x10", b"\x11"])
    info = _ended(docker_sdk, exec_id)
    assert (info["Running"], info["ExitCode"]) == (False, 126)
    assert [p[-1] for p in docker_sdk.top(cat)["Processes"]] == ["cat"]  # the exec's hung up
    assert docker_sdk.inspect_container(cat)["State"]["Running"] is True


def test_detach_with_the_config_files_keys(docker_sdk, cat):
    docker_sdk._general_configs["detachKeys"] = "ctrl-p"
    exec_id = _detach_with(docker_sdk, cat, [b"\x10"])
    assert docker_sdk.exec_inspect(exec_id)["DetachKeys"] == "ctrl-p"
    assert _ended(docker_sdk, exec_id)["ExitCode"] == 126


def test_a_plain_exec_passes_the_keys_through(docker_sdk, cat):
    """dockerd watches for the keys only on a terminal."""
    exec_id = docker_sdk.exec_create(cat, "cat", stdin=True, stdout=True)["Id"]
    sock = docker_sdk.exec_start(exec_id, socket=True)
    try:
        raw = sock._sock
        raw.sendall(b"\x10\x11")
        assert _read_exactly(raw, 10) == b"\x01\x00\x00\x00\x00\x00\x00\x02\x10\x11"
        raw.shutdown(socket.SHUT_WR)
        assert _read_to_eof(raw) == b""
    finally:
        sock.close()
    assert _ended(docker_sdk, exec_id)["ExitCode"] == 0


def test_wrong_detach_keys_are_refused_at_create(api, cat):
    status, _, body = api("POST", f"/containers/{cat}/exec",
                          {"Cmd": ["true"], "DetachKeys": "ctrl-p,bogus-key"})
    assert (status, json.loads(body)["message"]) == (
        400, "Invalid escape keys (ctrl-p,bogus-key) provided")
    status, _, body = api("POST", "/containers/nosuch/exec",
                          {"Cmd": ["true"], "DetachKeys": "bogus-key"})
    assert status == 404
