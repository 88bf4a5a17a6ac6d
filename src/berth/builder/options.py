"""What a build is asked to do: the API's and the CLI's options, checked once."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType


def _empty() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class BuildOptions:
    dockerfile: str = "Dockerfile"  # a path in the context
    remote: str = ""  # a git or http(s) URL berthd fetches the context from
    tags: tuple[str, ...] = ()  # normalized references
    build_args: Mapping[str, str | None] = field(default_factory=_empty)
    target: str = ""
    no_cache: bool = False
    pull: bool = False
    cache_from: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=_empty)
    quiet: bool = False
    network: str = "default"  # the RUN steps' network: default, none, host
    extra_hosts: tuple[str, ...] = ()
    platform: str = ""
    resources: Mapping[str, object] = field(default_factory=_empty)  # RUN steps' limits
    # X-Registry-Config: {registry host: docker's AuthConfig} for the pulls of FROM,
    # --from and --cache-from images
    registry_auth: Mapping[str, Mapping[str, str]] = field(
        default_factory=lambda: MappingProxyType({}))
    secret_ids: tuple[str, ...] = ()  # sent in the context's .berth-build-secrets/
    secrets: Mapping[str, Path] = field(default_factory=lambda: MappingProxyType({}))
