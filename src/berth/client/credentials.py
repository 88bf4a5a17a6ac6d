"""The credentials the CLI sends with a pull or push, from docker's ``config.json``.

The file and its credential helpers are read by
``berth.registry.client.dockerconfig`` (stdlib only): ``berth login`` writes
the same ``$DOCKER_CONFIG/config.json`` (``~/.docker/config.json``) that
``docker login`` does, so one login serves both. The daemon reads no file: it
takes what the client sends in ``X-Registry-Auth``, as dockerd does.
"""

from __future__ import annotations

from berth.registry.client.dockerconfig import Credentials, DockerConfig
from berth.registry.client.endpoint import config_key, domain_of


def registry_of(image: str) -> str:
    """The registry domain of an image reference, docker's way (``docker.io`` unless the
    first component has a dot or a colon, or is ``localhost``)."""
    first, sep, _ = image.partition("/")
    if sep and (any(c in first for c in ".:") or first == "localhost"
                or first.lower() != first):
        return domain_of(first)
    return "docker.io"


def auth_header(image: str, config: DockerConfig | None = None) -> str:
    """The ``X-Registry-Auth`` value for pulling or pushing ``image`` ("" without a login)."""
    key = config_key(registry_of(image))
    creds = (config or DockerConfig()).get(key)
    return "" if creds.empty else creds.to_header()


__all__ = ["Credentials", "DockerConfig", "auth_header", "config_key", "domain_of",
           "registry_of"]
