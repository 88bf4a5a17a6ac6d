"""Requests per second against a Docker Engine API socket: N clients on keep-alive
connections, each sending its next request when the last answer is in.

    python bench/api_load.py SOCKET PATH [CLIENTS] [SECONDS]

Prints requests/s and the number of errors (non-200 or broken connections). The same
client measures berthd and dockerd, so the ratio is what counts.
"""

import asyncio
import sys
import time


async def client(sock: str, path: str, deadline: float, counts: list[int]) -> None:
    reader, writer = await asyncio.open_unix_connection(sock)
    request = f"GET {path} HTTP/1.1\r\nHost: docker\r\n\r\n".encode()
    try:
        while time.monotonic() < deadline:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = head.split(b" ", 2)[1]
            length = 0
            chunked = False
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
                elif name.lower() == b"transfer-encoding" and b"chunked" in value.lower():
                    chunked = True
            if chunked:
                while True:
                    size = int((await reader.readuntil(b"\r\n")).strip(), 16)
                    await reader.readexactly(size + 2)
                    if size == 0:
                        break
            else:
                await reader.readexactly(length)
            counts[0 if status == b"200" else 1] += 1
    except (ConnectionError, asyncio.IncompleteReadError):
        counts[1] += 1
    finally:
        writer.close()


async def main(sock: str, path: str, clients: int, seconds: float) -> None:
    counts = [0, 0]
    deadline = time.monotonic() + seconds
    start = time.monotonic()
    await asyncio.gather(*(client(sock, path, deadline, counts) for _ in range(clients)))
    elapsed = time.monotonic() - start
    print(f"{counts[0] / elapsed:.0f} req/s, {counts[1]} errors "
          f"({clients} clients, {elapsed:.1f} s, GET {path})")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 8,
                     float(sys.argv[4]) if len(sys.argv) > 4 else 5.0))
