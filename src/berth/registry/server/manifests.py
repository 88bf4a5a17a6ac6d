"""Manifests: ``GET/HEAD/PUT/DELETE /v2/<name>/manifests/<reference>`` and the
referrers API ``GET /v2/<name>/referrers/<digest>``.

A manifest is stored only when it parses as an OCI or Docker schema2 image
manifest or index and everything it references is in the repository already
(config and layers as blobs, the manifests of an index as manifests), with the
sizes its descriptors give; a ``subject`` need not exist (spec: referrers may
be pushed first). Its bytes go to the content store as they came, so its
digest is the digest of what the client sent.
"""

import asyncio
import json
from typing import Any

from aiohttp import web

from berth.errors import InvalidArgument
from berth.oci import digest as digests
from berth.oci import image, mediatypes
from berth.registry.server.context import check_digest, is_tag, name_of, state
from berth.registry.server.errors import RegistryError
from berth.registry.server.storage import NewManifest, Storage, StoredManifest

MAX_MANIFEST = 4 << 20  # the spec: registries SHOULD accept at least 4 MiB
KNOWN = mediatypes.MANIFESTS | mediatypes.INDEXES


def _invalid(message: str, detail: Any = None) -> RegistryError:
    return RegistryError("MANIFEST_INVALID", message, detail)


def _media_type(j: dict[str, Any], content_type: str) -> str:
    declared = j.get("mediaType")
    if declared is not None and not isinstance(declared, str):
        raise _invalid("mediaType is not a string")
    if declared and content_type in KNOWN and content_type != declared:
        raise _invalid("Content-Type does not match the manifest's mediaType",
                       {"contentType": content_type, "mediaType": declared})
    media_type = declared or (content_type if content_type in KNOWN else "")
    if not media_type:
        media_type = mediatypes.OCI_INDEX if "manifests" in j else mediatypes.OCI_MANIFEST
    if media_type not in KNOWN:
        raise _invalid(f"unsupported manifest media type {media_type}")
    return media_type


def _check_blob(storage: Storage, name: str, desc: image.Descriptor, manifest: bool) -> None:
    size: int | None
    if manifest:
        found = storage.manifest(name, desc.digest)
        size = found.size if found else None
    else:
        size = storage.blob_size(name, desc.digest)
    if size is None:
        raise RegistryError("MANIFEST_BLOB_UNKNOWN", "blob unknown to registry",
                            {"digest": desc.digest})
    if size != desc.size:
        raise RegistryError("SIZE_INVALID", f"descriptor of {desc.digest} says {desc.size} bytes, "
                            f"the registry has {size}", {"digest": desc.digest})


def parse_manifest(storage: Storage, name: str, data: bytes, content_type: str) -> NewManifest:
    """Check a pushed manifest (see the module docstring); what to store of it."""
    try:
        j = image.loads(data, "manifest")
        media_type = _media_type(j, content_type)
        subject_j = j.get("subject")
        subject = image.Descriptor.from_json(subject_j).digest if subject_j else None
        if media_type in mediatypes.MANIFESTS:
            m = image.Manifest.from_json({**j, "mediaType": media_type})
            blobs = [m.config, *(x for x in m.layers if not x.urls)]
            for desc in blobs:
                _check_blob(storage, name, desc, manifest=False)
            return NewManifest(digests.of_bytes(data), media_type, data,
                               tuple(d.digest for d in blobs), subject,
                               m.artifact_type or m.config.media_type, m.annotations)
        index = image.Index.from_json(j)
        for desc in index.manifests:
            _check_blob(storage, name, desc, manifest=True)
        return NewManifest(digests.of_bytes(data), media_type, data,
                           tuple(d.digest for d in index.manifests), subject,
                           str(j.get("artifactType") or ""), index.annotations)
    except InvalidArgument as e:
        raise _invalid(e.message) from None


async def _read_body(request: web.Request) -> bytes:
    data = bytearray()
    async for chunk in request.content.iter_any():
        data += chunk
        if len(data) > MAX_MANIFEST:
            raise RegistryError("SIZE_INVALID", f"manifest larger than {MAX_MANIFEST} bytes",
                                status=413)
    return bytes(data)


async def put_manifest(request: web.Request) -> web.Response:
    name, reference = name_of(request), request.match_info["reference"]
    tag: str | None = None
    if ":" in reference:
        check_digest(reference)
    elif is_tag(reference):
        tag = reference
    else:
        raise RegistryError("TAG_INVALID", "manifest tag did not match URI", {"tag": reference})
    data = await _read_body(request)
    storage = state(request).storage
    content_type = request.headers.get("Content-Type", "").split(";")[0].strip()
    m = await asyncio.to_thread(parse_manifest, storage, name, data, content_type)
    if tag is None and reference != m.digest:
        raise RegistryError("DIGEST_INVALID", "manifest digest did not match the reference",
                            {"reference": reference, "digest": m.digest})
    await asyncio.to_thread(storage.put_manifest, name, m, tag)
    headers = {"Location": f"/v2/{name}/manifests/{m.digest}",
               "Docker-Content-Digest": m.digest, "Content-Length": "0"}
    if m.subject:
        headers["OCI-Subject"] = m.subject
    return web.Response(status=201, headers=headers)


def _unknown(name: str, reference: str) -> RegistryError:
    return RegistryError("MANIFEST_UNKNOWN", "manifest unknown",
                         {"name": name, "reference": reference})


def _resolve(storage: Storage, name: str, reference: str) -> StoredManifest:
    if ":" in reference:
        found = storage.manifest(name, check_digest(reference))
    else:
        found = storage.tagged(name, reference) if is_tag(reference) else None
    if found is None:
        raise _unknown(name, reference)
    return found


def _accepts(request: web.Request) -> set[str]:
    out: set[str] = set()
    for header in request.headers.getall("Accept", []):
        out.update(part.split(";")[0].strip() for part in header.split(","))
    out.discard("")
    return out


async def get_manifest(request: web.Request) -> web.Response:
    """GET/HEAD: by digest always as stored; by tag only in a type the client accepts."""
    name, reference = name_of(request), request.match_info["reference"]
    storage = state(request).storage
    m = await asyncio.to_thread(_resolve, storage, name, reference)
    accepts = _accepts(request)
    if (":" not in reference and accepts and m.media_type not in accepts
            and not accepts & {"*/*", "application/*"}):
        raise RegistryError("MANIFEST_UNKNOWN", f"manifest is {m.media_type}, which the "
                            "Accept header does not list", {"accept": sorted(accepts)},
                            status=404)
    headers = {"Docker-Content-Digest": m.digest, "ETag": f'"{m.digest}"',
               "Content-Type": m.media_type}
    if request.method == "HEAD":
        headers["Content-Length"] = str(m.size)
        return web.Response(status=200, headers=headers)
    body = await asyncio.to_thread(storage.content.read, m.digest)
    return web.Response(status=200, headers=headers, body=body)


async def delete_manifest(request: web.Request) -> web.Response:
    """DELETE by digest: the manifest and its tags; by tag: the tag alone."""
    name, reference = name_of(request), request.match_info["reference"]
    storage = state(request).storage
    if ":" in reference:
        done = await asyncio.to_thread(storage.delete_manifest, name, check_digest(reference))
    else:
        done = is_tag(reference) and await asyncio.to_thread(storage.delete_tag, name, reference)
    if not done:
        raise _unknown(name, reference)
    return web.Response(status=202, headers={"Content-Length": "0"})


async def referrers(request: web.Request) -> web.Response:
    """An OCI index of the repository's manifests whose subject is the digest."""
    name, digest = name_of(request), check_digest(request.match_info["digest"])
    found = await asyncio.to_thread(state(request).storage.referrers, name, digest)
    headers = {}
    wanted = request.query.get("artifactType")
    if wanted is not None:
        found = [r for r in found if r.artifact_type == wanted]
        headers["OCI-Filters-Applied"] = "artifactType"
    manifests = []
    for r in found:
        desc: dict[str, Any] = {"mediaType": r.media_type, "digest": r.digest, "size": r.size}
        if r.artifact_type:
            desc["artifactType"] = r.artifact_type
        if r.annotations:
            desc["annotations"] = r.annotations
        manifests.append(desc)
    body = {"schemaVersion": 2, "mediaType": mediatypes.OCI_INDEX, "manifests": manifests}
    return web.Response(status=200, headers=headers, body=json.dumps(body).encode(),
                        content_type=mediatypes.OCI_INDEX)
