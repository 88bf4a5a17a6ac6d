"""``POST /auth`` and ``GET /distribution/{name}/json``: a registry asked, nothing stored."""

from collections.abc import Callable
from typing import Any

from berth.errors import NotFound
from berth.oci import mediatypes, reference
from berth.oci.image import ImageConfig, Index, loads
from berth.registry.client import endpoint as endpoints
from berth.registry.client.auth import Authorizer
from berth.registry.client.dockerconfig import Credentials
from berth.registry.client.login import check_login
from berth.registry.client.repository import Repository

Endpoints = Callable[[str], endpoints.Endpoint]  # domain -> endpoint (ImageService.endpoint)


def login(creds: Credentials, endpoint_of: Endpoints) -> None:
    """Check the credentials against the registry of ``creds.server`` (Docker Hub if none)."""
    ep = endpoint_of(endpoints.domain_of(creds.server))
    check_login(Authorizer(ep, creds))


def describe(name: str, creds: Credentials, endpoint_of: Endpoints) -> dict[str, Any]:
    """Docker's DistributionInspect: the descriptor the reference names and its platforms."""
    ref = reference.parse(name)
    ep = endpoint_of(ref.domain)
    repo = Repository(ep, ref.path, Authorizer(ep, creds))
    try:
        raw, media_type, digest = repo.manifest(ref.digest or ref.tag or "latest")
    except NotFound:
        raise NotFound(f"manifest for {ref.familiar()} not found: manifest unknown") from None
    j = loads(raw, "manifest")
    media_type = str(j.get("mediaType") or media_type)
    platforms: list[dict[str, Any]] = []
    if media_type in mediatypes.INDEXES or "manifests" in j:
        platforms = [d.platform.to_json() for d in Index.from_json(j).manifests
                     if d.platform is not None]
    else:
        config_digest = str((j.get("config") or {}).get("digest") or "")
        with repo.blob(config_digest) as resp:
            config = ImageConfig.parse(resp.read(8 << 20))
        platform: dict[str, Any] = {"architecture": config.architecture, "os": config.os}
        if config.variant:
            platform["variant"] = config.variant
        platforms = [platform]
    return {"Descriptor": {"mediaType": media_type, "digest": digest, "size": len(raw)},
            "Platforms": platforms}
