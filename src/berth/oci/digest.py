"""sha256 digests as OCI writes them: ``sha256:<64 hex>``."""

import hashlib
import re

from berth.errors import InvalidArgument

_DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")


def of_bytes(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def validate(digest: str) -> str:
    if not _DIGEST.match(digest):
        raise InvalidArgument(f"invalid digest: {digest}")
    return digest


def hex_of(digest: str) -> str:
    return validate(digest).split(":", 1)[1]
