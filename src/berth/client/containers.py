"""Container endpoints."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from berth.client.errors import APIError
from berth.client.http import Connection, Hijacked, Response, quote
from berth.client.streams import demux, is_multiplexed, raw

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO

    from berth.client.api import Client

    Records = list[dict[str, Any]]
    Pairs = list[tuple[str, object]]
    Filters = dict[str, list[str]]


class PendingWait:
    """A ``POST /containers/{id}/wait`` sent and not yet answered (docker sends it
    before start so that not even a very short-lived container's exit is missed).

    dockerd writes the response head as soon as the waiter is registered and the
    body at the exit; ``registered`` waits (briefly) for that head, so that start
    is sent only once the daemon is surely listening for the exit."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._resp: Response | None = None

    def registered(self, timeout: float) -> bool:
        """True once the daemon answered the head; False if it did not within
        ``timeout`` (a daemon that answers only at the exit)."""
        if self._resp is None:
            import select

            readable, _, _ = select.select([self._conn.sock], [], [], timeout)
            if not readable:
                return False
            self._resp = self._conn.get_response("POST")
        return True

    def result(self) -> dict[str, Any]:
        """``{"StatusCode": N, "Error": ...}``; raises ``APIError`` for a non-2xx answer."""
        import json

        try:
            resp = self._resp or self._conn.get_response("POST")
            body = resp.read()
        finally:
            self._conn.close()
        if not resp.ok:
            raise APIError.from_body(resp.status, body)
        data: dict[str, Any] = json.loads(body)
        return data

    def cancel(self) -> None:
        self._conn.close()


class ContainersAPI:
    def __init__(self, client: Client) -> None:
        self.client = client

    def create(self, config: dict[str, Any], name: str | None = None,
               platform: str = "") -> dict[str, Any]:
        result: dict[str, Any] = self.client.call(
            "POST", "/containers/create", {"name": name, "platform": platform or None},
            json_body=config)
        return result

    def list(self, all: bool = False, limit: int | None = None, size: bool = False,
             filters: dict[str, list[str]] | None = None) -> list[dict[str, Any]]:
        query = {"all": all or None, "limit": limit, "size": size or None,
                 "filters": json.dumps(filters) if filters else None}
        result: list[dict[str, Any]] = self.client.call("GET", "/containers/json", query)
        return result

    def inspect(self, ref: str) -> dict[str, Any]:
        result: dict[str, Any] = self.client.call("GET", f"/containers/{quote(ref)}/json")
        return result

    def start(self, ref: str) -> None:
        self.client.request("POST", f"/containers/{quote(ref)}/start").read()

    def begin_wait(self, ref: str, condition: str = "not-running") -> PendingWait:
        conn = self.client.send_on_own_connection(
            "POST", f"/containers/{quote(ref)}/wait", {"condition": condition})
        return PendingWait(conn)

    def wait(self, ref: str, condition: str = "not-running") -> dict[str, Any]:
        return self.begin_wait(ref, condition).result()

    def attach(self, ref: str, stdin: bool = False, stdout: bool = True, stderr: bool = True,
               logs: bool = False, detach_keys: str = "") -> Hijacked:
        query = {"stream": True, "stdin": stdin or None, "stdout": stdout or None,
                 "stderr": stderr or None, "logs": logs or None,
                 "detachKeys": detach_keys or None}
        return self.client.hijack("POST", f"/containers/{quote(ref)}/attach", query)

    def stats(self, ref: str, stream: bool = False,
              one_shot: bool = False) -> Iterator[dict[str, Any]]:
        """``GET /containers/{id}/stats``: its samples as they come."""
        resp = self.client.open_stream("GET", f"/containers/{quote(ref)}/stats",
                                       {"stream": stream, "one-shot": one_shot or None})
        try:
            yield from resp.iter_json()
        finally:
            resp.close()

    def prune(self, filters: Filters | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self.client.call(
            "POST", "/containers/prune", {"filters": json.dumps(filters) if filters else None})
        return result

    def update(self, ref: str, changes: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.client.call(
            "POST", f"/containers/{quote(ref)}/update", json_body=changes)
        return result

    def archive_stat(self, ref: str, path: str) -> dict[str, Any]:
        """``HEAD /containers/{id}/archive``: docker's ContainerPathStat of ``path``."""
        import base64

        resp = self.client.request("HEAD", f"/containers/{quote(ref)}/archive", {"path": path})
        resp.read()
        raw = resp.header("X-Docker-Container-Path-Stat")
        stat: dict[str, Any] = json.loads(base64.b64decode(raw)) if raw else {}
        return stat

    def get_archive(self, ref: str, path: str) -> Response:
        """``GET /containers/{id}/archive``: the tar of ``path``, to be read from the
        response (on a connection of its own)."""
        return self.client.open_stream("GET", f"/containers/{quote(ref)}/archive",
                                       {"path": path})

    def put_archive(self, ref: str, path: str, tar: BinaryIO, size: int | None = None,
                    no_overwrite_dir_non_dir: bool = False, copy_uid_gid: bool = False) -> None:
        self.client.request("PUT", f"/containers/{quote(ref)}/archive",
                            {"path": path,
                             "noOverwriteDirNonDir": no_overwrite_dir_non_dir or None,
                             "copyUIDGID": copy_uid_gid or None},
                            body=tar, body_size=size,
                            headers={"Content-Type": "application/x-tar"}).read()

    def exec_create(self, ref: str, config: dict[str, Any]) -> str:
        result: dict[str, Any] = self.client.call(
            "POST", f"/containers/{quote(ref)}/exec", json_body=config)
        return str(result["Id"])

    def exec_start(self, exec_id: str, tty: bool = False,
                   console_size: tuple[int, int] | None = None) -> Hijacked:
        body: dict[str, Any] = {"Detach": False, "Tty": tty}
        if console_size:
            body["ConsoleSize"] = list(console_size)
        return self.client.hijack("POST", f"/exec/{quote(exec_id)}/start", json_body=body)

    def exec_start_detached(self, exec_id: str) -> None:
        self.client.request("POST", f"/exec/{quote(exec_id)}/start",
                            json_body={"Detach": True}).read()

    def exec_inspect(self, exec_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.client.call("GET", f"/exec/{quote(exec_id)}/json")
        return result

    def resize(self, ref: str, height: int, width: int) -> None:
        self.client.request("POST", f"/containers/{quote(ref)}/resize",
                            {"h": height, "w": width}).read()

    def exec_resize(self, exec_id: str, height: int, width: int) -> None:
        self.client.request("POST", f"/exec/{quote(exec_id)}/resize",
                            {"h": height, "w": width}).read()

    def logs(self, ref: str, follow: bool = False, timestamps: bool = False,
             tail: str | None = None, stdout: bool = True, stderr: bool = True,
             since: str | None = None, until: str | None = None,
             tty: bool | None = None, details: bool = False) -> Iterator[tuple[int, bytes]]:
        """(stream, bytes) pieces of the container's log, demultiplexed."""
        query = {"stdout": stdout or None, "stderr": stderr or None,
                 "follow": follow or None, "timestamps": timestamps or None,
                 "tail": tail, "since": since, "until": until, "details": details or None}
        resp = self.client.open_stream("GET", f"/containers/{quote(ref)}/logs", query)
        try:
            content_type = resp.header("Content-Type")
            if tty is None and not content_type:
                tty = bool(self.inspect(ref).get("Config", {}).get("Tty"))
            chunks = resp.iter_chunks()
            yield from (demux(chunks) if is_multiplexed(content_type, tty) else raw(chunks))
        finally:
            resp.close()

    def kill(self, ref: str, signal: str | int | None = None) -> None:
        self.client.request("POST", f"/containers/{quote(ref)}/kill", {"signal": signal}).read()

    def stop(self, ref: str, timeout: int | None = None, signal: str | None = None) -> None:
        query = {"t": timeout, "signal": signal}
        self.client.request("POST", f"/containers/{quote(ref)}/stop", query).read()

    def restart(self, ref: str, timeout: int | None = None, signal: str | None = None) -> None:
        query = {"t": timeout, "signal": signal}
        self.client.request("POST", f"/containers/{quote(ref)}/restart", query).read()

    def top(self, ref: str, ps_args: str | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self.client.call("GET", f"/containers/{quote(ref)}/top",
                                                  {"ps_args": ps_args})
        return result

    def pause(self, ref: str) -> None:
        self.client.request("POST", f"/containers/{quote(ref)}/pause").read()

    def unpause(self, ref: str) -> None:
        self.client.request("POST", f"/containers/{quote(ref)}/unpause").read()

    def rename(self, ref: str, name: str) -> None:
        self.client.request("POST", f"/containers/{quote(ref)}/rename", {"name": name}).read()

    def changes(self, ref: str) -> Records:
        """``GET /containers/{id}/changes``: ``[{"Path", "Kind"}]`` (0 C, 1 A, 2 D)."""
        result: Records = self.client.call("GET", f"/containers/{quote(ref)}/changes") or []
        return result

    def export(self, ref: str) -> Iterator[bytes]:
        """``GET /containers/{id}/export``: the tar of its root, in pieces as they come."""
        resp = self.client.open_stream("GET", f"/containers/{quote(ref)}/export")
        try:
            yield from resp.iter_chunks()
        finally:
            resp.close()

    def commit(self, ref: str, repo: str = "", tag: str = "", comment: str = "",
               author: str = "", changes: Sequence[str] = (), pause: bool = True,
               config: dict[str, Any] | None = None) -> str:
        """``POST /commit``: the new image's id (``sha256:...``)."""
        query: Pairs = [
            ("container", ref), ("repo", repo or None), ("tag", tag or None),
            ("comment", comment or None), ("author", author or None)]
        query += [("changes", c) for c in changes]
        query.append(("pause", pause))
        result: dict[str, Any] = self.client.call("POST", "/commit", query, json_body=config)
        return str(result["Id"])

    def remove(self, ref: str, force: bool = False, volumes: bool = False) -> None:
        query = {"force": force or None, "v": volumes or None}
        self.client.request("DELETE", f"/containers/{quote(ref)}", query).read()
