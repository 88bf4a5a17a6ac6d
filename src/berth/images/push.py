"""``docker push``: a local image's blobs and manifest to a registry.

Each layer is HEADed first (present: "Layer already exists"), mounted from
another repository of the same registry that the image is also tagged in
("Mounted from ..."), else uploaded (``berth.registry.client.upload``:
monolithic when small, chunked when large); then the config, and the
manifest last, under the tag. A plain (uncompressed) layer is sent compressed
as docker sends it (``berth.images.compress``: gzip, or zstd by berthd's
``--push-compression``), and the manifest is made anew for those layers;
otherwise the stored manifest's bytes are sent as they are, so a pulled image
keeps its digest. On success the ``name@digest`` reference is recorded, as
dockerd does. Messages are dockerd's.
"""

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from berth.errors import InvalidArgument, NotFound
from berth.images import compress
from berth.images import progress as msgs
from berth.images.progress import Progress
from berth.oci import mediatypes, reference
from berth.oci.digest import short_id
from berth.oci.image import Descriptor, Manifest, canonical
from berth.registry.client.auth import Authorizer
from berth.registry.client.dockerconfig import Credentials
from berth.registry.client.endpoint import Endpoint
from berth.registry.client.repository import Repository
from berth.registry.client.upload import upload_blob

if TYPE_CHECKING:
    from berth.images.service import ImageService


@dataclass(frozen=True, slots=True)
class PushRequest:
    reference: str  # "localhost:5000/busybox:latest"; ":latest" when no tag
    credentials: Credentials = field(default_factory=Credentials)
    all_tags: bool = False  # every local tag of the repository (the reference names none)
    compression: str = ""  # of plain layers: "gzip" or "zstd"; "": the daemon's choice


class Pusher:
    def __init__(self, service: "ImageService", request: PushRequest,
                 send: Progress = msgs.no_progress) -> None:
        self.service = service
        self.send = send
        self.creds = request.credentials
        self.compression = compress.check(request.compression or service.push_compression)
        self._endpoint: Endpoint | None = None
        self.ref = reference.parse(request.reference, default_tag=not request.all_tags)
        if self.ref.digest is not None:
            raise InvalidArgument("cannot push a digest reference")
        if request.all_tags and self.ref.tag:
            raise InvalidArgument("tag can't be used with --all-tags/-a")
        self.targets = self._tags() if request.all_tags else [self.ref]
        self._select(self.targets[0])

    def _tags(self) -> list[reference.Reference]:
        name = self.ref.name
        refs = sorted(r for refs in [self.service.references(i.id)
                                     for i in self.service.list()] for r in refs
                      if "@" not in r and r.rpartition(":")[0] == name)
        if not refs:
            raise NotFound(f"An image does not exist locally with the tag: "
                           f"{self.ref.familiar_name}")
        return [reference.parse(r) for r in refs]

    def _select(self, ref: reference.Reference) -> None:
        self.ref = ref
        try:
            self.image = self.service.resolve(str(ref))
        except NotFound:
            raise NotFound(f"An image does not exist locally with the tag: "
                           f"{ref.familiar_name}") from None
        # other repositories of the same registry naming this image (by tag, or by the
        # digest it was pulled or pushed with): where its blobs can be mounted from
        self.sources = tuple(sorted({
            _repository(r).partition("/")[2] for r in self.service.references(self.image.id)
            if r.startswith(ref.domain + "/")} - {ref.path}))
        if self._endpoint is None or self._endpoint.domain != ref.domain:
            self._endpoint = self.service.endpoint(ref.domain)  # once: one ping per push
        ep = self._endpoint
        self.repo = Repository(ep, ref.path, Authorizer(ep, self.creds), push=True,
                               mount_from=self.sources)

    def push(self) -> str:
        """Push every target; the last manifest's digest."""
        self.send(msgs.status(f"The push refers to repository [{self.ref.name}]"))
        digest = ""
        for ref in self.targets:
            self._select(ref)
            digest = self._push_one()
        return digest

    def _push_one(self) -> str:
        manifest_raw = self.service.content.read(self.image.manifest_digest)
        manifest = Manifest.parse(manifest_raw)
        pairs = list(zip(manifest.layers, self.image.diff_ids, strict=True))
        for _, diff_id in reversed(pairs):
            self.send(msgs.layer("Preparing", short_id(diff_id)))
        pushed = []
        for layer, diff_id in reversed(pairs):
            pushed.append(self._compressed(layer, diff_id))
            self._layer(pushed[-1], short_id(diff_id))
        pushed.reverse()
        if pushed != list(manifest.layers):
            manifest = pushed_manifest(manifest, pushed)
            manifest_raw = canonical(manifest.to_json())
        self._blob(manifest.config, "")
        tag = self.ref.tag or reference.DEFAULT_TAG
        digest = self.repo.put_manifest(tag, manifest_raw, manifest.media_type)
        self.service.add_reference(f"{self.ref.name}@{digest}", self.image.id)
        self.send(msgs.status(f"{tag}: digest: {digest} size: {len(manifest_raw)}"))
        self.send({"progressDetail": {}, "aux": {"Tag": tag, "Digest": digest,
                                                 "Size": len(manifest_raw)}})
        self.service.on_event("image", "push", self.ref.familiar(),
                              {"name": self.ref.familiar_name})  # dockerd's LogImageEvent
        return digest

    def _compressed(self, layer: Descriptor, diff_id: str) -> Descriptor:
        if not compress.needs_compression(layer):
            return layer
        with self.service.writing():
            return self.service.compressed.compressed(layer, diff_id, self.compression)

    def _layer(self, layer: Descriptor, id_: str) -> None:
        how = self._blob(layer, id_)
        if how == "exists":
            self.send(msgs.layer("Layer already exists", id_))
        elif how.startswith("mounted:"):
            self.send(msgs.layer(f"Mounted from {how.partition(':')[2]}", id_))
        else:
            self.send(msgs.layer("Pushed", id_))

    def _blob(self, desc: Descriptor, id_: str) -> str:
        content = self.service.content
        report = msgs.Throttle(self.send, "Pushing", id_, desc.size) if id_ else None
        source = self.sources[0] if self.sources else ""
        how = upload_blob(self.repo, desc.digest, desc.size,
                          lambda: content.open(desc.digest), source, report)
        return "mounted:" + source if how == "mounted" else how  # docker names the path


def pushed_manifest(manifest: Manifest, layers: list[Descriptor]) -> Manifest:
    """The manifest to push for these layers: a zstd one needs OCI types throughout
    (docker's schema2 has none for it), else the stored manifest's kind is kept."""
    if manifest.media_type == mediatypes.DOCKER_MANIFEST and any(
            layer.media_type == mediatypes.OCI_LAYER_ZSTD for layer in layers):
        oci = compress.oci_manifest_types
        return replace(manifest, media_type=oci(manifest.media_type),
                       config=replace(manifest.config, media_type=oci(manifest.config.media_type)),
                       layers=tuple(replace(x, media_type=oci(x.media_type)) for x in layers))
    return replace(manifest, layers=tuple(layers))


def _repository(ref: str) -> str:
    """``domain/path`` of a normalized ``domain/path:tag`` or ``domain/path@digest``."""
    return ref.partition("@")[0] if "@" in ref else ref.rpartition(":")[0]
