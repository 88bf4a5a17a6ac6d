"""Image endpoints."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from berth.client.errors import StreamError
from berth.client.http import quote

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO

    from berth.client.api import Client
    from berth.client.http import Response

    Records = list[dict[str, str]]
    Entries = list[dict[str, Any]]
    Filters = dict[str, list[str]]


def progress(lines: Iterator[bytes]) -> Iterator[dict[str, Any]]:
    """The JSON messages of a progress stream; an ``{"error": ...}`` line raises."""
    for line in lines:
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if not isinstance(msg, dict):
            continue
        if msg.get("error") or msg.get("errorDetail"):
            detail = msg.get("errorDetail") or {}
            raise StreamError(str(msg.get("error") or detail.get("message") or detail))
        yield msg


def _import_query(repo: str, tag: str, changes: Sequence[str],
                  message: str) -> list[tuple[str, object]]:
    pairs: list[tuple[str, object]] = [("fromSrc", "-"), ("repo", repo), ("tag", tag)]
    pairs += [("changes", c) for c in changes]
    pairs.append(("message", message))
    return pairs


class ImagesAPI:
    def __init__(self, client: Client) -> None:
        self.client = client

    def list(self, all: bool = False, filters: Filters | None = None,
             digests: bool = False) -> Entries:
        result: Entries = self.client.call("GET", "/images/json", {
            "all": all or None, "digests": digests or None,
            "filters": json.dumps(filters) if filters else None})
        return result

    def inspect(self, ref: str) -> dict[str, Any]:
        result: dict[str, Any] = self.client.call("GET", f"/images/{quote(ref, '/:@')}/json")
        return result

    def remove(self, ref: str, force: bool = False, noprune: bool = False) -> Records:
        """``DELETE /images/{name}``: docker's Untagged/Deleted records."""
        result: Records = self.client.call(
            "DELETE", f"/images/{quote(ref, '/:@')}",
            {"force": force or None, "noprune": noprune or None}) or []
        return result

    def prune(self, filters: Filters | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self.client.call(
            "POST", "/images/prune", {"filters": json.dumps(filters) if filters else None})
        return result

    def history(self, ref: str) -> Entries:
        result: Entries = self.client.call(
            "GET", f"/images/{quote(ref, '/:@')}/history")
        return result

    def tag(self, ref: str, repo: str, tag: str = "") -> None:
        self.client.request("POST", f"/images/{quote(ref, '/:@')}/tag",
                            {"repo": repo, "tag": tag or None}).read()

    def save(self, names: Sequence[str]) -> Response:
        """``GET /images/get?names=...``: the docker-archive of the images, as a response
        to read to its end (``read1``) before the next request."""
        return self.client.request("GET", "/images/get", [("names", n) for n in names])

    def load(self, source: BinaryIO, size: int | None = None,
             quiet: bool = False) -> Iterator[dict[str, Any]]:
        """``POST /images/load`` with the archive as the body; yields the messages
        (``{"stream": "Loaded image: busybox:latest\\n"}``)."""
        resp = self.client.request("POST", "/images/load", {"quiet": quiet}, body=source,
                                   body_size=size,
                                   headers={"Content-Type": "application/x-tar"})
        yield from progress(resp.iter_lines())

    def import_tar(self, source: BinaryIO, size: int | None = None, repo: str = "",
                   tag: str = "", changes: Sequence[str] = (),
                   message: str = "") -> Iterator[dict[str, Any]]:
        """``POST /images/create?fromSrc=-`` with the tar as the body (Content-Length
        when ``size`` is known, chunked otherwise); yields the progress messages, the
        last one ``{"status": "sha256:..."}``."""
        query = _import_query(repo, tag, changes, message)
        resp = self.client.request("POST", "/images/create", query, body=source,
                                   body_size=size,
                                   headers={"Content-Type": "application/x-tar"})
        yield from progress(resp.iter_lines())

    def pull(self, name: str, tag: str = "", platform: str = "",
             auth: str = "") -> Iterator[dict[str, Any]]:
        """``POST /images/create?fromImage=&tag=``: yields dockerd's progress messages;
        ``auth`` is the ``X-Registry-Auth`` value (``berth.client.credentials``)."""
        resp = self.client.request(
            "POST", "/images/create",
            {"fromImage": name, "tag": tag or None, "platform": platform or None},
            headers={"X-Registry-Auth": auth} if auth else None)
        yield from progress(resp.iter_lines())

    def push(self, name: str, tag: str = "", auth: str = "") -> Iterator[dict[str, Any]]:
        """``POST /images/{name}/push?tag=``: yields the progress messages."""
        resp = self.client.request(
            "POST", f"/images/{quote(name, '/:')}/push", {"tag": tag or None},
            headers={"X-Registry-Auth": auth or "e30="})
        yield from progress(resp.iter_lines())

    def login(self, username: str, password: str, server: str,
              identity_token: str = "") -> dict[str, Any]:
        """``POST /auth``: ``{"Status": "Login Succeeded", "IdentityToken": ""}``."""
        body = {"username": username, "password": password, "serveraddress": server}
        if identity_token:
            body["identitytoken"] = identity_token
        result: dict[str, Any] = self.client.call("POST", "/auth", json_body=body)
        return result
