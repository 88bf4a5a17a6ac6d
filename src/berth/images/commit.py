"""``docker commit``: a container's upper dir becomes a new image over its own image.

The order makes a failed commit leave no image row and no tag moved:

1. the reference and the new config (``--change``) are checked before anything
   is written;
2. inside ``ImageService.writing()`` (garbage collection waits) the layer tar
   goes to the content store while the same entries are copied into a new
   snapshot (``berth.diff.layer``: the upper dir is read once); the blob is
   committed under its verified digest and the snapshot published under its
   chain id;
3. one ``store_image`` writes the config, the manifest, the image row and the
   tag in one transaction.

What a failure after step 2 leaves (a blob, a snapshot) nothing references:
garbage collection frees it. Like dockerd, an upper dir with no entries adds no
layer, only a history entry marked ``empty_layer``. The layer is stored
uncompressed, as dockerd keeps committed layers.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from berth.diff.layer import write_layer
from berth.errors import InvalidArgument
from berth.images.changes import apply_changes
from berth.oci import mediatypes, reference
from berth.oci.image import Descriptor, History, ImageConfig, Manifest
from berth.snapshots.overlay import chain_ids
from berth.util.timefmt import now_rfc3339

if TYPE_CHECKING:
    from berth.images.service import ImageService

JSON = dict[str, Any]


@dataclass(frozen=True, slots=True)
class CommitRequest:
    container_id: str
    image_id: str  # the container's image: the parent
    container_config: JSON  # the container's Config
    upper: Path  # the container's upper dir
    config: JSON | None = None  # the request's Config; None: the container's own
    changes: tuple[str, ...] = ()  # Dockerfile instructions (``--change``)
    comment: str = ""
    author: str = ""
    tag: str | None = None  # a normalized reference (``commit_tag``)


def commit_tag(repo: str, tag: str = "") -> str | None:
    """docker's RepoTagReference: ``repo`` (and ``tag``, ``latest`` by default) as a
    normalized reference, None without a repo; docker's messages for bad ones."""
    if not repo:
        return None
    ref = reference.parse(repo, default_tag=False)
    if ref.digest is not None:
        raise InvalidArgument("cannot commit to digest reference")
    if tag:
        try:
            ref = ref.with_tag(tag)
        except InvalidArgument:
            raise InvalidArgument("invalid tag format") from None
    elif ref.tag is None:
        ref = ref.with_tag(reference.DEFAULT_TAG)
    return str(ref)


def _merge(user: JSON, image: JSON) -> JSON:
    """dockerd's merge for commit: what ``user`` (the new config) leaves out comes from
    ``image`` (the container's config)."""
    out = dict(user)
    if not out.get("User"):
        out["User"] = image.get("User", "")
    ports = dict(out.get("ExposedPorts") or {})
    out["ExposedPorts"] = {**(image.get("ExposedPorts") or {}), **ports} if ports \
        else image.get("ExposedPorts")
    env = list(out.get("Env") or [])
    if not env:
        out["Env"] = image.get("Env")
    else:
        keys = {e.partition("=")[0] for e in env}
        out["Env"] = env + [e for e in image.get("Env") or [] if e.partition("=")[0] not in keys]
    out["Labels"] = {**(image.get("Labels") or {}), **(out.get("Labels") or {})}
    if not out.get("Entrypoint"):
        if not out.get("Cmd"):
            out["Cmd"] = image.get("Cmd")
        if out.get("Entrypoint") is None:
            out["Entrypoint"] = image.get("Entrypoint")
    if out.get("Healthcheck") is None and image.get("Healthcheck") is not None:
        out["Healthcheck"] = image["Healthcheck"]
    if not out.get("WorkingDir"):
        out["WorkingDir"] = image.get("WorkingDir", "")
    volumes = out.get("Volumes") or {}
    out["Volumes"] = {**volumes, **(image.get("Volumes") or {})} if volumes \
        else image.get("Volumes")
    if not out.get("StopSignal") and image.get("StopSignal"):
        out["StopSignal"] = image["StopSignal"]
    return out


def commit_config(container_config: JSON, body: JSON | None, changes: list[str]) -> JSON:
    """The new image's ``config``: the request's config (the container's without one),
    ``changes`` applied, then filled in from the container's config (dockerd's order)."""
    if body is not None and not isinstance(body, dict):
        raise InvalidArgument("the commit config must be a JSON object")
    base = dict(container_config) if body is None else dict(body)
    return _merge(apply_changes(base, changes), container_config)


@dataclass(frozen=True, slots=True)
class NewLayer:
    descriptor: Descriptor
    diff_id: str
    size: int  # unpacked bytes


def layer_from_upper(images: "ImageService", upper: Path,
                     parent_diff_ids: list[str]) -> NewLayer | None:
    """An upper dir as a layer over ``parent_diff_ids``: its blob (uncompressed, as dockerd
    keeps committed layers) and its snapshot, made from one read; None when the upper
    dir holds nothing. Call it inside ``images.writing()``."""
    tmp = images.snapshots.prepare_temp()
    try:
        # write_layer hashes the bytes it writes: the store need not hash them again
        with images.content.writer(hashing=False) as blob:
            written = write_layer(upper, blob, tmp / "fs")
            if written.entries:
                digest = blob.commit(written.diff_id, written.tar_size)
        if not written.entries:
            images.snapshots.discard_temp(tmp)
            return None
        chain = chain_ids([*parent_diff_ids, written.diff_id])[-1]
        images.snapshots.commit_temp(tmp, chain)
    except BaseException:
        images.snapshots.discard_temp(tmp)
        raise
    return NewLayer(Descriptor(mediatypes.OCI_LAYER, digest, written.tar_size),
                    written.diff_id, written.size)


def commit(images: "ImageService", req: CommitRequest) -> str:
    """Make the image (see the module docstring); its id."""
    parent = images.resolve(req.image_id)
    parent_config = ImageConfig.from_json(parent.config)
    if not parent.manifest_digest:
        raise InvalidArgument(f"image {parent.id} has no manifest to commit on")
    parent_layers = Manifest.parse(images.content.read(parent.manifest_digest)).layers
    new_config = commit_config(req.container_config, req.config, list(req.changes))
    created = now_rfc3339()
    with images.writing():
        made = layer_from_upper(images, req.upper, parent.diff_ids)
        empty = made is None
        layers = list(parent_layers)
        diff_ids = tuple(parent.diff_ids)
        size = 0
        if made is not None:
            layers.append(made.descriptor)
            diff_ids += (made.diff_id,)
            size = made.size
        entry = History(created=created, author=req.author, comment=req.comment,
                        created_by=" ".join(req.container_config.get("Cmd") or []),
                        empty_layer=empty)
        extra: JSON = {k: v for k, v in parent_config.extra.items()
                       if k in ("os.version", "os.features")}
        extra.update(container=req.container_id, container_config=req.container_config)
        config = ImageConfig(
            architecture=parent_config.architecture, os=parent_config.os or "linux",
            variant=parent_config.variant, diff_ids=diff_ids, config=new_config,
            created=created, author=req.author, history=(*parent_config.history, entry),
            extra=extra)
        tags = [req.tag] if req.tag else []
        return images.store_image(config, layers, parent.size + size, tags).id
