"""The distribution API of one repository: manifests, blobs and uploads.

Every request carries the authorization for the repository's scope and is
sent again once after a 401 that names a way in. Requests without a streamed
body (GET, HEAD, small PUTs) are also retried on a 5xx answer or a broken
connection, up to 3 times with a short pause; the caller of ``blob`` resumes
a broken body itself (``offset`` asks for a ``Range``).
"""

import json
import time
from collections.abc import Mapping
from typing import BinaryIO
from urllib.parse import quote, urlencode

from berth.errors import FailedPrecondition, InvalidArgument, NotFound, Unauthorized, Unavailable
from berth.oci import digest as digests
from berth.oci import mediatypes
from berth.registry.client import transport
from berth.registry.client.auth import Authorizer
from berth.registry.client.endpoint import Endpoint

MANIFEST_ACCEPT = ", ".join([mediatypes.OCI_INDEX, mediatypes.DOCKER_MANIFEST_LIST,
                             mediatypes.OCI_MANIFEST, mediatypes.DOCKER_MANIFEST])
MANIFEST_LIMIT = 4 << 20
ATTEMPTS = 3
RETRY_PAUSE = 0.5


class Repository:
    def __init__(self, endpoint: Endpoint, path: str, authorizer: Authorizer,
                 push: bool = False, mount_from: tuple[str, ...] = ()) -> None:
        self.endpoint = endpoint
        self.path = path
        self.auth = authorizer
        scopes = [f"repository:{path}:{'pull,push' if push else 'pull'}"]
        scopes += [f"repository:{other}:pull" for other in mount_from if other != path]
        self.scope = " ".join(scopes)

    def url(self, suffix: str, query: Mapping[str, str] | None = None) -> str:
        out = f"{self.endpoint.base_url}/v2/{self.path}/{suffix}"
        return out + ("?" + urlencode(query) if query else "")

    def request(self, method: str, url: str, headers: Mapping[str, str] | None = None,
                body: transport.Body = None, ok: tuple[int, ...] = (200,),
                retry: bool = True) -> transport.Response:
        """Send with authorization; an answer in ``ok`` or 404 is returned open,
        anything else raised as a berth error."""
        repeatable = retry and (body is None or isinstance(body, bytes))
        attempt = 0
        authorized = 0
        while True:
            attempt += 1
            try:
                resp = transport.send(self.endpoint, method, url,
                                      {**(headers or {}), **self.auth.header(self.scope)}, body)
            except Unavailable:
                if not repeatable or attempt >= ATTEMPTS:
                    raise
                time.sleep(RETRY_PAUSE * attempt)
                continue
            if resp.status in ok or resp.status == 404:
                return resp
            if (resp.status == 401 and authorized < 2 and repeatable
                    and self.auth.challenged(resp, self.scope)):
                resp.close()
                authorized += 1
                attempt -= 1
                continue
            text = transport.error_text(resp)
            resp.close()
            if resp.status >= 500 and repeatable and attempt < ATTEMPTS:
                time.sleep(RETRY_PAUSE * attempt)
                continue
            raise _error(method, url, resp.status, text)

    # -- manifests -------------------------------------------------------------

    def manifest(self, ref: str) -> tuple[bytes, str, str]:
        """(bytes, media type, digest) of a manifest or index by tag or digest;
        NotFound when the registry has none. A digest reference is verified."""
        url = self.url(f"manifests/{quote(ref, safe=':')}")
        with self.request("GET", url, {"Accept": MANIFEST_ACCEPT}) as resp:
            if resp.status == 404:
                raise NotFound(f"manifest unknown: {transport.error_text(resp)}")
            data = resp.read(MANIFEST_LIMIT + 1)
            media_type = resp.header("Content-Type").partition(";")[0].strip()
        if len(data) > MANIFEST_LIMIT:
            raise InvalidArgument(f"manifest {ref}: larger than {MANIFEST_LIMIT} bytes")
        actual = digests.of_bytes(data)
        if digests.is_sha256(ref) and actual != ref:
            raise FailedPrecondition(f"manifest verification failed for digest {ref}")
        return data, media_type, actual

    def manifest_digest(self, ref: str) -> str | None:
        """HEAD: the digest a tag names now (``Docker-Content-Digest``), None when unknown."""
        url = self.url(f"manifests/{quote(ref, safe=':')}")
        with self.request("HEAD", url, {"Accept": MANIFEST_ACCEPT}) as resp:
            if resp.status == 404:
                return None
            return resp.header("Docker-Content-Digest") or None

    def put_manifest(self, ref: str, data: bytes, media_type: str) -> str:
        url = self.url(f"manifests/{quote(ref, safe=':')}")
        with self.request("PUT", url, {"Content-Type": media_type}, data,
                          ok=(201, 200, 202)) as resp:
            if resp.status == 404:
                raise NotFound(f"manifest {ref}: {transport.error_text(resp)}")
            return resp.header("Docker-Content-Digest") or digests.of_bytes(data)

    def tags(self) -> list[str]:
        """Every tag of the repository (``tags/list``, its ``Link`` pages followed)."""
        out: list[str] = []
        url: str | None = self.url("tags/list")
        while url:
            with self.request("GET", url) as resp:
                if resp.status == 404:
                    raise NotFound(f"repository {self.path} not found: "
                                   f"{transport.error_text(resp)}")
                try:
                    out += [str(t) for t in json.loads(resp.read(16 << 20)).get("tags") or []]
                except (ValueError, AttributeError):
                    raise InvalidArgument(f"{url}: not a tag list") from None
                url = _next_link(resp.header("Link"))
            url = self._abs(url) if url else None
        return out

    # -- blobs -------------------------------------------------------------------

    def blob(self, digest: str, offset: int = 0) -> transport.Response:
        """An open response with the blob's bytes from ``offset`` on (status 206 when
        the registry honoured the range, 200 when it sends everything again)."""
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        resp = self.request("GET", self.url(f"blobs/{digest}"), headers, ok=(200, 206))
        if resp.status == 404:
            resp.close()
            raise NotFound(f"blob unknown: blob {digest} not found in {self.path}")
        return resp

    def blob_size(self, digest: str) -> int | None:
        """HEAD: the blob's size when the repository has it, else None."""
        with self.request("HEAD", self.url(f"blobs/{digest}")) as resp:
            if resp.status == 404:
                return None
            return int(resp.header("Content-Length") or 0)

    def mount(self, digest: str, source: str) -> bool:
        """Cross-repository mount from ``source`` (same registry); False when the
        registry started an upload instead (it is cancelled)."""
        url = self.url("blobs/uploads/", {"mount": digest, "from": source})
        with self.request("POST", url, {"Content-Length": "0"}, b"", ok=(201, 202)) as resp:
            if resp.status == 201:
                return True
            location = resp.header("Location")
        if location:
            self._cancel(location)
        return False

    def _cancel(self, location: str) -> None:
        try:
            self.request("DELETE", self._abs(location), ok=(204, 200, 202)).close()
        except (NotFound, FailedPrecondition, Unavailable, Unauthorized):
            pass

    def _abs(self, location: str) -> str:
        if location.startswith(("http://", "https://")):
            return location
        return self.endpoint.base_url + location

    def start_upload(self) -> str:
        with self.request("POST", self.url("blobs/uploads/"), {"Content-Length": "0"}, b"",
                          ok=(202,)) as resp:
            if resp.status == 404:
                raise NotFound(f"repository {self.path}: {transport.error_text(resp)}")
            return self._abs(resp.header("Location"))

    def patch(self, location: str, chunk: bytes, start: int) -> str:
        headers = {"Content-Type": "application/octet-stream",
                   "Content-Range": f"{start}-{start + len(chunk) - 1}",
                   "Content-Length": str(len(chunk))}
        with self.request("PATCH", location, headers, chunk, ok=(202,), retry=False) as resp:
            if resp.status == 404:
                raise NotFound(f"upload {location}: {transport.error_text(resp)}")
            return self._abs(resp.header("Location") or location)

    def finish_upload(self, location: str, digest: str, body: bytes | BinaryIO = b"",
                      size: int = 0) -> None:
        sep = "&" if "?" in location else "?"
        url = f"{location}{sep}{urlencode({'digest': digest})}"
        headers = {"Content-Type": "application/octet-stream", "Content-Length": str(size)}
        with self.request("PUT", url, headers, body, ok=(201, 204),
                          retry=isinstance(body, bytes)) as resp:
            if resp.status == 404:
                raise NotFound(f"upload of {digest}: {transport.error_text(resp)}")


def _next_link(header: str) -> str | None:
    """The target of ``<...>; rel="next"`` in a ``Link`` header."""
    for part in header.split(","):
        target, _, params = part.partition(";")
        if 'rel="next"' in params.replace(" ", "") and target.strip().startswith("<"):
            return target.strip()[1:-1]
    return None


def _error(method: str, url: str, status: int, text: str) -> Exception:
    where = f'{method.title()} "{url}"'  # Go's net/http spelling, as docker prints it
    if status in (401, 403):
        return Unauthorized(f"{where}: {text}" if "unauthorized" not in text
                            and "denied" not in text else text)
    if status >= 500:
        return Unavailable(f"{where}: received unexpected HTTP status: {status} {text}")
    return InvalidArgument(f"{where}: {text}")
