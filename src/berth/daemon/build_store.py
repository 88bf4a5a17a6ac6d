"""The image service as the builder's ``ImageStore`` (``berth.builder.backend``).

Layers are the image service's own: a step's upper dir becomes a blob and a
snapshot through ``berth.images.commit.layer_from_upper`` (the path ``docker
commit`` takes), a build's image is stored with ``store_image`` (config,
manifest, row and tags in one transaction).
"""

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from berth.builder.backend import JSON, BaseImage, Layer
from berth.errors import InvalidArgument, NotFound
from berth.images.commit import layer_from_upper
from berth.images.pull import PullRequest
from berth.images.service import Image, ImageService
from berth.oci.digest import of_bytes
from berth.oci.image import ImageConfig, Manifest, canonical
from berth.oci.reference import parse
from berth.registry.client.dockerconfig import Credentials
from berth.snapshots.mounts import overlay
from berth.snapshots.overlay import chain_ids


class BuildImageStore:
    def __init__(self, images: ImageService, empty_dir: Path) -> None:
        self._images = images
        self._empty = empty_dir  # the lower dir of a root with no layers (FROM scratch)
        empty_dir.mkdir(parents=True, exist_ok=True, mode=0o755)

    def lookup(self, name: str) -> BaseImage | None:
        try:
            return self._base(self._images.resolve(name))
        except NotFound:
            return None

    def pull(self, name: str, platform: str,
             auth: Mapping[str, Mapping[str, str]]) -> BaseImage:
        domain = parse(name).domain
        found = auth.get(domain) or auth.get(f"https://{domain}") or (
            auth.get("https://index.docker.io/v1/") if domain == "docker.io" else None) or {}
        creds = Credentials(str(found.get("username") or ""), str(found.get("password") or ""),
                            str(found.get("identitytoken") or ""),
                            str(found.get("serveraddress") or ""))
        image_id = self._images.pull(PullRequest(reference=name, platform=platform,
                                                 credentials=creds))
        return self._base(self._images.resolve(image_id))

    def _base(self, image: Image) -> BaseImage:
        if not image.manifest_digest:
            raise InvalidArgument(f"image {image.id} has no manifest to build on")
        manifest = Manifest.parse(self._images.content.read(image.manifest_digest))
        if len(manifest.layers) != len(image.diff_ids):
            raise InvalidArgument(f"image {image.id}: manifest and config disagree on layers")
        layers = tuple(Layer(d, diff_id) for d, diff_id in zip(manifest.layers, image.diff_ids,
                                                              strict=True))
        return BaseImage(image.id, image.config, layers)

    def writing(self) -> AbstractContextManager[None]:
        return self._images.writing()

    def _chain(self, layers: Sequence[Layer]) -> list[str]:
        chain = chain_ids([x.diff_id for x in layers])
        for layer, chain_id in zip(layers, chain, strict=True):
            if not self._images.snapshots.exists(chain_id):
                self._images.unpack_layer(layer.descriptor.digest, layer.diff_id, chain_id)
        return chain

    def layer_dirs(self, layers: Sequence[Layer]) -> list[Path]:
        return [self._images.snapshots.path(c) for c in reversed(self._chain(layers))]

    def rootfs_mounts(self, layers: Sequence[Layer], upper: Path, work: Path) -> list[JSON]:
        if not layers:
            return [overlay([str(self._empty)], str(upper), str(work)).to_json()]
        return [m.to_json() for m in self._images.snapshots.mounts(self._chain(layers), upper,
                                                                   work)]

    def commit_layer(self, upper: Path, parent: Sequence[Layer]) -> Layer | None:
        made = layer_from_upper(self._images, upper, [x.diff_id for x in parent])
        return None if made is None else Layer(made.descriptor, made.diff_id)

    def layer_size(self, layers: Sequence[Layer]) -> int:
        return self._images.snapshots.usage(self._chain(layers)[-1]) if layers else 0

    def store(self, config: JSON, layers: Sequence[Layer], tags: Sequence[str]) -> str:
        image_config = ImageConfig.from_json(config)
        try:  # a fully cached rebuild makes an image that is there: its size is known
            size = self._images.resolve(of_bytes(canonical(image_config.to_json()))).size
        except NotFound:
            size = sum(self._images.snapshots.usage(c) for c in self._chain(layers))
        with self._images.writing():
            stored = self._images.store_image(image_config, [x.descriptor for x in layers],
                                              size, list(tags))
        for tag in tags:
            self._images.on_event("image", "tag", stored.id, {"name": tag})
        return stored.id
