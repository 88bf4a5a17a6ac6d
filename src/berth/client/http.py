"""A minimal HTTP/1.1 client over a plain socket (AF_UNIX or TCP).

Written on ``socket`` alone so that ``berth`` starts fast: ``http.client``
pulls in ``email`` and friends, which cost more to import than a whole
``berth ps`` takes to run. It does what the Engine API needs and no more:

- a request with no body, a ``bytes`` body (Content-Length), or a file
  streamed either with a known length or chunked;
- a response read whole or streamed, framed by Content-Length, chunked
  transfer-coding, or the end of the connection;
- hijacking (``Connection: Upgrade`` / ``Upgrade: tcp``): after a 101 the
  socket carries a raw stream both ways, and the client half-closes its side
  with ``shutdown(SHUT_WR)`` when it has nothing more to send.
"""

from __future__ import annotations

import contextlib
import io
import json
import select
import socket
from collections.abc import Iterator, Mapping

from berth.client.errors import ProtocolError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO

    Reader = io.BufferedReader[socket.SocketIO]

Address = tuple[str, str | tuple[str, int]]
"""("unix", "/path/to.sock") or ("tcp", ("host", port))."""

BLOCK = 64 * 1024
_MAX_LINE = 64 * 1024
_NO_BODY_STATUS = frozenset({101, 204, 304})
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def quote(value: str, safe: str = "") -> str:
    """Percent-encode ``value`` (UTF-8) for a path segment or a query value."""
    keep = _UNRESERVED | frozenset(safe.encode())
    return "".join(chr(b) if b in keep else f"%{b:02X}" for b in value.encode())


def encode_query(params: Mapping[str, object] | list[tuple[str, object]] | None) -> str:
    """``?a=1&b=x`` from a mapping or pairs; ``None`` values are left out, bools become 1/0."""
    if not params:
        return ""
    items = params.items() if isinstance(params, Mapping) else params
    parts = []
    for key, value in items:
        if value is None:
            continue
        if isinstance(value, bool):
            value = "1" if value else "0"
        parts.append(f"{quote(key)}={quote(str(value))}")
    return "?" + "&".join(parts) if parts else ""


def connect(address: Address, timeout: float | None = None) -> socket.socket:
    """Open a stream socket to ``address``; OSError (ENOENT, ECONNREFUSED...) propagates."""
    family, where = address
    if family == "unix":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(where)
        except BaseException:
            sock.close()
            raise
        return sock
    assert isinstance(where, tuple)
    sock = socket.create_connection(where, timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


class Response:
    """Status line, headers and a body that is read on demand."""

    def __init__(self, sock: socket.socket, reader: Reader, method: str) -> None:
        self.sock = sock
        self._reader = reader
        self.status, self.reason, self.headers = _read_head(reader)
        while 100 <= self.status < 200 and self.status != 101:  # 100 Continue and friends
            self.status, self.reason, self.headers = _read_head(reader)
        self.will_close = self.headers.get("connection", "").lower() == "close"
        self._chunked = "chunked" in self.headers.get("transfer-encoding", "").lower()
        self._remaining: int | None = None
        self._done = method == "HEAD" or self.status in _NO_BODY_STATUS
        if not self._done and not self._chunked:
            length = self.headers.get("content-length")
            if length is not None:
                try:
                    self._remaining = int(length)
                except ValueError:
                    raise ProtocolError(f"bad Content-Length: {length!r}") from None
                self._done = self._remaining == 0
            else:
                self.will_close = True  # the body ends when the peer closes
        self._chunk_left = 0

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def complete(self) -> bool:
        """The whole body has been read (the connection may carry the next request)."""
        return self._done

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    def read1(self, size: int = BLOCK) -> bytes:
        """The next piece of the body as it arrives (at most ``size`` bytes); ``b""`` at
        its end."""
        if self._done:
            return b""
        if self._chunked:
            return self._read_chunk_piece(size)
        if self._remaining is None:
            data = self._reader.read1(size)
            if not data:
                self._done = True
            return data
        data = self._reader.read1(min(size, self._remaining))
        if not data:
            raise ProtocolError("connection closed before the end of the body")
        self._remaining -= len(data)
        if self._remaining == 0:
            self._done = True
        return data

    def iter_chunks(self) -> Iterator[bytes]:
        while data := self.read1():
            yield data

    def read(self) -> bytes:
        return b"".join(self.iter_chunks())

    def iter_json(self) -> Iterator[Any]:
        """The objects of a JSON-lines body (stats, events), as they arrive."""
        for line in self.iter_lines():
            if line.strip():
                yield json.loads(line)

    def iter_lines(self) -> Iterator[bytes]:
        """The body split at newlines, as the lines arrive (JSON progress streams)."""
        buf = b""
        for data in self.iter_chunks():
            buf += data
            *lines, buf = buf.split(b"\n")
            yield from (line for line in lines if line.strip())
        if buf.strip():
            yield buf

    def close(self) -> None:
        self.sock.close()

    def _read_chunk_piece(self, size: int = BLOCK) -> bytes:
        if self._chunk_left == 0:
            line = self._reader.readline(_MAX_LINE)
            if not line.endswith(b"\n"):
                raise ProtocolError("connection closed inside a chunked body")
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise ProtocolError(f"bad chunk size line: {line!r}") from None
            if size == 0:
                while self._reader.readline(_MAX_LINE).strip():  # trailers
                    pass
                self._done = True
                return b""
            self._chunk_left = size
        data = self._reader.read1(min(size, self._chunk_left))
        if not data:
            raise ProtocolError("connection closed inside a chunk")
        self._chunk_left -= len(data)
        if self._chunk_left == 0 and self._reader.read(2) != b"\r\n":
            raise ProtocolError("chunk not followed by CRLF")
        return data


def _read_head(reader: Reader) -> tuple[int, str, dict[str, str]]:
    line = reader.readline(_MAX_LINE)
    if not line:
        raise ProtocolError("connection closed before a response")
    parts = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise ProtocolError(f"not an HTTP response: {line[:80]!r}")
    try:
        status = int(parts[1])
    except ValueError:
        raise ProtocolError(f"bad status line: {line[:80]!r}") from None
    headers: dict[str, str] = {}
    while True:
        raw = reader.readline(_MAX_LINE)
        if not raw:
            raise ProtocolError("connection closed inside the response headers")
        if raw in (b"\r\n", b"\n"):
            break
        name, sep, value = raw.decode("latin-1").partition(":")
        if not sep:
            raise ProtocolError(f"bad header line: {raw[:80]!r}")
        key = name.strip().lower()
        value = value.strip()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return status, parts[2] if len(parts) > 2 else "", headers


class Connection:
    """One HTTP/1.1 connection; sequential requests while the peer keeps it open."""

    def __init__(self, address: Address, host_header: str = "berth",
                 timeout: float | None = None) -> None:
        self.address = address
        self.host_header = host_header
        self.sock = connect(address, timeout)
        self._reader = io.BufferedReader(socket.SocketIO(self.sock, "rb"), BLOCK)
        self._last: Response | None = None

    @property
    def reusable(self) -> bool:
        last = self._last
        if last is not None and not (last.complete and not last.will_close):
            return False
        return not self._closed_by_peer()

    def _closed_by_peer(self) -> bool:
        """An idle connection the daemon has closed (its keep-alive timeout, or it died)
        reads as ready (EOF, a reset): seen before reuse, so no request is sent on it
        and then sent again elsewhere (the client replays only GET and HEAD)."""
        try:
            ready, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(ready)

    def send_request(self, method: str, target: str, body: bytes | BinaryIO | None = None,
                     headers: Mapping[str, str] | None = None,
                     body_size: int | None = None) -> None:
        """Send a request; a file body goes with Content-Length when ``body_size`` is
        given (sendfile when it can), chunked otherwise."""
        head = [f"{method} {target} HTTP/1.1", f"Host: {self.host_header}",
                "User-Agent: berth-cli"]
        if headers:
            head.extend(f"{k}: {v}" for k, v in headers.items())
        if body is None:
            if method in ("POST", "PUT"):
                head.append("Content-Length: 0")
        elif isinstance(body, bytes | bytearray | memoryview):
            head.append(f"Content-Length: {len(body)}")
        elif body_size is not None:
            head.append(f"Content-Length: {body_size}")
        else:
            head.append("Transfer-Encoding: chunked")
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        if isinstance(body, bytes | bytearray | memoryview):
            self.sock.sendall(data + bytes(body))
        elif body is None:
            self.sock.sendall(data)
        else:
            self.sock.sendall(data)
            if body_size is not None:
                self._send_sized(body, body_size)
            else:
                self._send_chunked(body)

    def get_response(self, method: str = "GET") -> Response:
        self._last = Response(self.sock, self._reader, method)
        return self._last

    def request(self, method: str, target: str, body: bytes | BinaryIO | None = None,
                headers: Mapping[str, str] | None = None,
                body_size: int | None = None) -> Response:
        try:
            self.send_request(method, target, body, headers, body_size)
        except (BrokenPipeError, ConnectionResetError) as e:
            # not our stdout's broken pipe (main treats that one as a quiet end)
            raise ProtocolError(f"the daemon closed the connection: {e.strerror or e}") from None
        try:
            return self.get_response(method)
        except ConnectionResetError as e:  # it died with the request: a message, no traceback
            raise ProtocolError(f"the daemon closed the connection before it answered: "
                                f"{e.strerror or e}") from None

    def hijack(self, method: str, target: str,
               headers: Mapping[str, str] | None = None, body: bytes | None = None) -> Hijacked:
        """Send an upgrade request; the answer (101, or a 2xx stream from an older
        daemon) becomes a raw two-way stream. A non-2xx answer is returned as a
        ``Response`` on ``Hijacked.response`` for the caller to turn into an error."""
        all_headers = {"Connection": "Upgrade", "Upgrade": "tcp", **(headers or {})}
        resp = self.request(method, target, body, all_headers)
        return Hijacked(self, resp)

    def close(self) -> None:
        try:
            self._reader.close()
        finally:
            self.sock.close()

    def _send_sized(self, body: BinaryIO, size: int) -> None:
        try:
            body.fileno()
            sent = self.sock.sendfile(body, count=size)
        except (AttributeError, OSError, io.UnsupportedOperation):
            sent = 0
            while sent < size and (block := body.read(min(BLOCK, size - sent))):
                self.sock.sendall(block)
                sent += len(block)
        if sent != size:
            raise ProtocolError(f"body shorter than announced: {sent} of {size} bytes")

    def _send_chunked(self, body: BinaryIO) -> None:
        read = getattr(body, "read1", body.read)
        while block := read(BLOCK):
            self.sock.sendall(b"%x\r\n%b\r\n" % (len(block), block))
        self.sock.sendall(b"0\r\n\r\n")


class Hijacked:
    """A connection taken over after an upgrade: raw bytes both ways."""

    def __init__(self, conn: Connection, response: Response) -> None:
        self.conn = conn
        self.response = response
        # 101: everything after the head is the raw stream, whatever it says about length.
        self.upgraded = response.status == 101

    @property
    def ok(self) -> bool:
        return self.upgraded or self.response.ok

    def read1(self) -> bytes:
        """The next bytes the peer sent; ``b""`` when it closed its side."""
        if self.upgraded:
            try:
                return self.conn._reader.read1(BLOCK)
            except ConnectionResetError:
                return b""
        return self.response.read1()

    def iter_chunks(self) -> Iterator[bytes]:
        while data := self.read1():
            yield data

    def send(self, data: bytes) -> None:
        self.conn.sock.sendall(data)

    def close_write(self) -> None:
        """Half-close: tell the peer we are done sending (stdin EOF)."""
        with contextlib.suppress(OSError):
            self.conn.sock.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self.conn.close()
