"""Digests as OCI writes them: ``<algorithm>:<encoded>``; berth stores sha256 only.

``of_bytes`` and ``Hasher`` make them, ``validate`` checks one, ``hex_of`` gives
the part used as a file name, ``short_id`` docker's 12-character form.
"""

import hashlib
import re

from berth.errors import InvalidArgument

SHA256 = "sha256"
_SHA256 = re.compile(r"^sha256:[a-f0-9]{64}$")
# image-spec descriptor.md: algorithm ":" encoded, with registered algorithms checked below.
_ANY = re.compile(r"^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$")
_LENGTHS = {"sha256": 64, "sha512": 128}


def of_bytes(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def from_hex(hex_digest: str) -> str:
    return validate("sha256:" + hex_digest)


def is_sha256(digest: str) -> bool:
    return bool(_SHA256.match(digest))


def validate(digest: str) -> str:
    """The digest itself when it is a well-formed sha256 digest, else InvalidArgument."""
    if _SHA256.match(digest):
        return digest
    if not _ANY.match(digest):
        raise InvalidArgument(f"invalid digest: {digest!r}")
    algorithm, _, encoded = digest.partition(":")
    expected = _LENGTHS.get(algorithm)
    if expected is None:
        raise InvalidArgument(f"unsupported digest algorithm: {digest}")
    if len(encoded) != expected:
        raise InvalidArgument(f"invalid checksum digest length: {digest}")
    raise InvalidArgument(f"invalid checksum digest format: {digest}")


def hex_of(digest: str) -> str:
    """The hex part of a sha256 digest (the blob's and the snapshot's file name)."""
    return validate(digest)[7:]


def short_id(digest: str) -> str:
    """Docker's short form of an id: the first 12 hex characters."""
    return digest.partition(":")[2][:12] if ":" in digest else digest[:12]


class Hasher:
    """A running sha256 over the bytes given to ``update`` and how many there were."""

    __slots__ = ("_hash", "size")

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.size = 0

    def update(self, data: bytes | bytearray | memoryview) -> None:
        self._hash.update(data)
        self.size += len(data)

    @property
    def digest(self) -> str:
        return "sha256:" + self._hash.hexdigest()
