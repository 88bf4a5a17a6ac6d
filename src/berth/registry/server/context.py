"""What every route shares: the app's state key and the checks of path parts."""

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

from berth.errors import InvalidArgument
from berth.oci import digest as digests
from berth.registry.server.errors import RegistryError
from berth.registry.server.storage import Storage

if TYPE_CHECKING:
    from berth.registry.server.uploads import Uploads

# distribution-spec: the repository name, path components joined by "/".
_COMPONENT = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"
_NAME = re.compile(rf"{_COMPONENT}(?:/{_COMPONENT})*")
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
NAME_MAX = 255
API_VERSION = ("Docker-Distribution-API-Version", "registry/2.0")


@dataclass(slots=True)
class Registry:
    storage: Storage
    uploads: "Uploads"


STATE = web.AppKey("registry", Registry)


def state(request: web.Request) -> Registry:
    return request.app[STATE]


def check_name(name: str) -> str:
    if len(name) > NAME_MAX or not _NAME.fullmatch(name):
        raise RegistryError("NAME_INVALID", "invalid repository name", {"name": name})
    return name


def is_tag(reference: str) -> bool:
    return bool(_TAG.fullmatch(reference))


def check_digest(digest: str | None) -> str:
    """A sha256 digest, or DIGEST_INVALID (berth stores sha256 only)."""
    if not digest:
        raise RegistryError("DIGEST_INVALID", "a digest is required")
    try:
        return digests.validate(digest)
    except InvalidArgument as e:
        raise RegistryError("DIGEST_INVALID", e.message, {"digest": digest}) from None


def name_of(request: web.Request) -> str:
    return str(request.match_info["name"])
