"""The image service: import, list, resolve, tag, and the mounts of a container's root.

Images are stored the OCI way: every layer, config and manifest is a blob in
the content store; the ``images`` table holds one row per config digest (the
image id) with its manifest's digest, and ``tags`` maps normalized references
to image ids. Layers are unpacked once per chain id into the snapshotter.
A tag that moves leaves its old image in place, untagged ("dangling").
"""

import os
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from berth.content.store import LocalContentStore
from berth.diff.apply import Applied, apply_layer
from berth.diff.compression import Reader, TeeReader
from berth.errors import FailedPrecondition, InvalidArgument, NotFound
from berth.images import compress, distribution, gc, history
from berth.images import filters as image_filters
from berth.images.changes import apply_changes
from berth.images.commit import CommitRequest
from berth.images.commit import commit as commit_image
from berth.images.load import ArchiveReader
from berth.images.progress import Progress, no_progress
from berth.images.pull import Puller, PullRequest
from berth.images.push import Pusher, PushRequest
from berth.images.save import Archive, SaveImage, plan_archive, write_archive
from berth.metadata.build_cache import BuildCacheTable
from berth.metadata.db import Database
from berth.metadata.images import ImageRow, ImageTable
from berth.oci import mediatypes, reference
from berth.oci.image import Descriptor, History, ImageConfig, Manifest, Platform, canonical, loads
from berth.paths import CERTS_DIR, Paths
from berth.registry.client import endpoint as endpoints
from berth.registry.client.dockerconfig import Credentials
from berth.registry.client.insecure import InsecureRegistries
from berth.registry.client.ping import ping
from berth.registry.client.proxy import Proxies
from berth.snapshots.overlay import OverlaySnapshotter, chain_ids
from berth.util.rwlock import SharedExclusiveLock
from berth.util.timefmt import now_rfc3339

Strs = list[str]
Sizes = list[int]
Entries = list[history.HistoryEntry]
Mounts = list[dict[str, Any]]
Dirs = list[Path]

_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "i686": "386",
         "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64"}


def host_arch() -> str:
    machine = os.uname().machine
    return _ARCH.get(machine, machine)


@dataclass(frozen=True, slots=True)
class Image:
    id: str  # "sha256:<hex>" of the config
    config: dict[str, Any]  # the OCI image config JSON
    repo_tags: list[str] = field(default_factory=list)  # familiar: "busybox:latest"
    repo_digests: list[str] = field(default_factory=list)  # familiar: "busybox@sha256:..."
    size: int = 0
    created: str = ""
    manifest_digest: str = ""

    @property
    def diff_ids(self) -> list[str]:
        return list((self.config.get("rootfs") or {}).get("diff_ids") or [])


@dataclass(frozen=True, slots=True)
class Stored:
    id: str
    displaced: dict[str, str]  # tag -> the image id it pointed at before, when another


class ImageService:
    def __init__(self, paths: Paths, db: Database,
                 insecure_registries: InsecureRegistries | None = None,
                 push_compression: str = compress.DEFAULT,
                 proxies: Proxies | None = None) -> None:
        self.content = LocalContentStore(paths.content)
        # plain layers as pushed (berthd's --push-compression: gzip or zstd)
        self.compressed = compress.CompressedLayers(paths.compressed, self.content)
        self.push_compression = compress.check(push_compression)
        self.proxies = proxies or Proxies()  # berthd's HTTP_PROXY, HTTPS_PROXY, NO_PROXY
        self.snapshots = OverlaySnapshotter(paths.snapshots)
        self.snapshots.clean_temps()
        self.content.clean_ingests()
        self._table = ImageTable(db)
        self._build_cache = BuildCacheTable(db)  # its layers are roots too
        self.certs_dir = CERTS_DIR  # registry CAs (berth.registry.client.endpoint)
        # the daemon's --insecure-registry list (berth.registry.client.insecure)
        self.insecure_registries = insecure_registries or InsecureRegistries()
        self._unpack_lock = threading.Lock()
        self._gc_lock = SharedExclusiveLock()
        # (type, action, id, attributes): the daemon connects its event bus
        self.on_event: Callable[[str, str, str, dict[str, str]], None] = _no_events

    def writing(self) -> AbstractContextManager[None]:
        """Hold this from the first blob written until the image row that references it
        is stored: garbage collection waits for it (do not nest it)."""
        return self._gc_lock.shared()

    # -- import -------------------------------------------------------------

    def import_tar(self, stream: Reader, reference: str | None, changes: list[str],
                   message: str) -> str:
        """``docker import``: the tar (plain or gzip) becomes a one-layer image; its id.

        Everything is checked before anything is stored: a bad reference or
        change fails at once, a stream that is not a tar leaves no blob, no
        snapshot and no row.
        """
        tag = _import_tag(reference)
        config_fields = apply_changes({}, changes)
        with self.writing(), self.content.writer() as blob:
            tee = TeeReader(stream, blob)
            tmp = self.snapshots.prepare_temp()
            try:
                applied = apply_layer(tee, tmp / "fs")
                while tee.read(1 << 20):
                    pass
                layer_digest = blob.commit()
                self.snapshots.commit_temp(tmp, applied.diff_id)
            except BaseException:
                self.snapshots.discard_temp(tmp)
                raise
            created = now_rfc3339()
            comment = message or "Imported from -"
            config = ImageConfig(
                architecture=host_arch(), os="linux", diff_ids=(applied.diff_id,),
                config=config_fields, created=created,
                history=(History(created=created, comment=comment),),
                extra={"comment": comment})
            layer = Descriptor(mediatypes.oci_layer(applied.compression), layer_digest,
                               self.content.info(layer_digest).size)
            image_id = self.store_image(config, [layer], applied.size, [tag] if tag else []).id
        self.on_event("image", "import", image_id, {"name": image_id})
        return image_id

    def store_image(self, config: ImageConfig, layers: list[Descriptor], size: int,
                    tags: list[str], raw_config: bytes | None = None) -> "Stored":
        """Write the config and an OCI manifest for ``layers`` (blobs already in the
        store), add the image row and point ``tags`` (normalized references) at it,
        all in one transaction. Call it inside ``writing()``. ``raw_config``: the
        config's bytes as they came (a loaded image keeps its id), else made here."""
        config_raw = raw_config if raw_config is not None else canonical(config.to_json())
        config_digest = self.content.put(config_raw)
        manifest = Manifest(Descriptor(mediatypes.OCI_CONFIG, config_digest, len(config_raw)),
                            tuple(layers))
        manifest_digest = self.content.put(canonical(manifest.to_json()))
        row = ImageRow(id=config_digest, manifest_digest=manifest_digest,
                       manifest_media_type=manifest.media_type, config=config_raw, size=size,
                       created=config.created or now_rfc3339())
        displaced = self._table.add(row, tags)
        return Stored(config_digest, displaced)

    def store_pulled(self, config_raw: bytes, config: ImageConfig, manifest_raw: bytes,
                     manifest_media_type: str, size: int, refs: Strs) -> str:
        """Like ``store_image``, for a pulled image: the registry's manifest bytes are
        kept as they came (its digest is the repo digest); ``refs`` (tags and
        ``name@digest``) point at it, all in one transaction. Inside ``writing()``."""
        config_digest = self.content.put(config_raw)
        manifest_digest = self.content.put(manifest_raw)
        row = ImageRow(id=config_digest, manifest_digest=manifest_digest,
                       manifest_media_type=manifest_media_type, config=config_raw, size=size,
                       created=config.created or now_rfc3339())
        self._table.add(row, refs)
        return config_digest

    def unpack_layer(self, digest: str, diff_id: str, chain_id: str,
                     progress: Callable[[int], None] | None = None) -> None:
        """Unpack one layer blob into its snapshot (unless there), its diff_id checked."""
        with self._unpack_lock:
            self.snapshots.unpack(chain_id, partial(self._apply_blob, digest, diff_id,
                                                    progress=progress))

    def add_reference(self, ref: str, image_id: str) -> None:
        """Point a normalized reference (a tag or ``name@digest``) at an image."""
        self._table.set_tag(ref, image_id)

    def tag_target(self, ref: str) -> str | None:
        """The image id a normalized reference names, or None."""
        return self._table.tag_target(ref)

    # -- registries -----------------------------------------------------------

    def endpoint(self, domain: str) -> endpoints.Endpoint:
        """Where a pull, push, login or inspect of ``domain`` goes: the daemon's rules
        (certs.d, --insecure-registry), the scheme settled by a ping, as dockerd's."""
        return ping(endpoints.resolve(domain, self.certs_dir, self.insecure_registries,
                                      self.proxies))

    def pull(self, request: PullRequest, progress: Progress = no_progress) -> str:
        """``docker pull`` (``berth.images.pull``): the image id."""
        puller = Puller(self, request, host_arch(), progress)
        try:
            return puller.pull()
        finally:
            puller.repo.endpoint.pool.close()  # the connections kept for this pull

    def push(self, request: PushRequest, progress: Progress = no_progress) -> str:
        """``docker push`` (``berth.images.push``): the manifest digest pushed."""
        pusher = Pusher(self, request, progress)
        try:
            return pusher.push()
        finally:
            pusher.repo.endpoint.pool.close()  # the connections kept for this push

    def login(self, creds: Credentials) -> None:
        """``POST /auth``: Unauthorized unless the registry takes the credentials."""
        distribution.login(creds, self.endpoint)

    def distribution(self, name: str, creds: Credentials) -> dict[str, Any]:
        """``GET /distribution/{name}/json``: the registry's descriptor and platforms."""
        return distribution.describe(name, creds, self.endpoint)

    # -- save and load ------------------------------------------------------

    def save_plan(self, names: Strs) -> Archive:
        """``docker save``: the planned archive of the named images (close it)."""
        return plan_archive(self._save_images(names), self.content)

    def save(self, names: Strs, out: BinaryIO) -> None:
        """Write the docker-archive of the named images to ``out`` (a file or pipe)."""
        with self.save_plan(names) as archive:
            write_archive(archive, out)

    def _save_images(self, names: Strs) -> list[SaveImage]:
        """Docker's rules: a repository alone saves all its tags, ``repo:tag`` that
        tag, an id (full or short) the image untagged."""
        tags: dict[str, Strs] = {}
        for name in names:
            for image_id, ref in self._save_refs(name):
                wanted = tags.setdefault(image_id, [])
                if ref and ref not in wanted:
                    wanted.append(ref)
        out = []
        for image_id, refs in tags.items():
            row = self._table.get(image_id)
            if row is None or not row.manifest_digest:
                raise NotFound(f"No such image: {image_id}")
            manifest = Manifest.parse(self.content.read(row.manifest_digest))
            diff_ids = tuple(self._image(row, []).diff_ids)
            if len(diff_ids) != len(manifest.layers):
                raise FailedPrecondition(f"image {image_id}: manifest and config disagree")
            out.append(SaveImage(image_id, row.config, diff_ids, manifest.layers,
                                      tuple(refs)))
        return out

    def _save_refs(self, name: str) -> list[tuple[str, str]]:
        if isinstance(reference.parse_any(name), str):
            return [(self.resolve(name).id, "")]
        ref = reference.parse(name, default_tag=False)
        if ref.tag is not None or ref.digest is not None:
            image = self.resolve(name)
            tagged = ref.digest is None and str(ref) in self.references(image.id)
            return [(image.id, str(ref) if tagged else "")]
        repo = [(image_id, r) for image_id, refs in self._table.tags().items() for r in refs
                if "@" not in r and r.rpartition(":")[0] == ref.name]
        return sorted(repo, key=lambda x: x[1]) or [(self.resolve(name).id, "")]

    def load(self, stream: Reader) -> Strs:
        """``docker load``: every image of the archive, verified first; docker's messages."""
        archive = ArchiveReader(self.content, self.snapshots)
        try:
            archive.read(stream)
            found = archive.images(Platform(host_arch(), "linux"))
            messages: Strs = []
            with self.writing():
                for image in found:
                    layers, size = archive.commit(image)
                    stored = self.store_image(image.config, layers, size, list(image.tags),
                                              raw_config=image.raw_config)
                    messages += [f"The image {reference.familiar(tag)} already exists, renaming "
                                 f"the old one with ID {old} to empty string"
                                 for tag, old in stored.displaced.items()]
                    messages += ([f"Loaded image: {reference.familiar(t)}" for t in image.tags]
                                 or [f"Loaded image ID: {stored.id}"])
            return messages
        finally:
            archive.discard()

    # -- tags ---------------------------------------------------------------

    def tag(self, name_or_id: str, target: str) -> None:
        """``docker tag``: point ``target`` (a name, ``:latest`` by default) at the image."""
        image = self.resolve(name_or_id)
        ref = reference.parse(target)
        if ref.digest is not None:
            raise InvalidArgument("refusing to create a tag with a digest reference")
        self._table.set_tag(str(ref), image.id)
        self.on_event("image", "tag", image.id, {"name": ref.familiar()})

    def untag(self, ref: str) -> bool:
        """Remove one normalized reference; False when it named nothing."""
        image_id = self._table.tag_target(ref)
        removed = self._table.remove_tag(ref)
        if removed and image_id:
            self.on_event("image", "untag", image_id, {"name": image_id})
        return removed

    def references(self, image_id: str) -> list[str]:
        """The normalized references (tags and digests) that name the image."""
        return self._table.tags_of(image_id)

    # -- removal and garbage ---------------------------------------------------

    def delete(self, image_id: str) -> gc.Swept:
        """Drop the image's row and references, then free what nothing else uses."""
        with self._gc_lock.exclusive():
            if not self._table.delete(image_id):
                raise NotFound(f"No such image: {image_id}")
            swept = self._sweep()
        self.on_event("image", "delete", image_id, {"name": image_id})
        return swept

    def collect(self) -> gc.Swept:
        """Free the blobs and snapshots no image references (left by crashes)."""
        with self._gc_lock.exclusive():
            return self._sweep()

    def _sweep(self) -> gc.Swept:
        rows = self._table.all()
        marked = gc.mark(rows, self.content, self._build_cache.roots())
        diff_ids = gc.diff_ids(rows)
        marked = gc.Marked(marked.blobs | self.compressed.marked(diff_ids), marked.snapshots)
        self.compressed.prune(diff_ids)
        return gc.sweep(marked, self.content, self.snapshots)

    # -- lookup -------------------------------------------------------------

    def resolve(self, name_or_id: str) -> Image:
        """An image by reference, full or short id (docker's GetImage); NotFound else."""
        ref = reference.parse_any(name_or_id)
        if isinstance(ref, str):
            row = self._table.get(ref)
            if row is None:
                raise NotFound(f"No such image: {ref}")
            return self._image(row)
        image_id = self._table.tag_target(str(ref))
        if image_id is None:
            image_id = self._by_short_id(name_or_id)
        row = self._table.get(image_id) if image_id else None
        if row is None:
            raise NotFound(f"No such image: {ref.familiar()}")
        return self._image(row)

    def _by_short_id(self, text: str) -> str | None:
        hex_part = text.removeprefix("sha256:")
        if not hex_part or len(hex_part) > 64 or any(c not in "0123456789abcdef"
                                                    for c in hex_part):
            return None
        matches = self._table.by_prefix("sha256:" + hex_part)
        return matches[0] if len(matches) == 1 else None

    def list(self, filters: dict[str, Strs] | None = None) -> list[Image]:
        """Every image, or those the filters keep (``berth.images.filters``)."""
        tags = self._table.tags()
        images = [self._image(row, tags.get(row.id, [])) for row in self._table.all()]
        return image_filters.apply(images, filters, self.resolve) if filters else images

    def _image(self, row: ImageRow, refs: Strs | None = None) -> Image:
        if refs is None:
            refs = self._table.tags_of(row.id)
        familiar = [reference.familiar(r) for r in refs]
        return Image(
            id=row.id, config=loads(row.config, "image config"),
            repo_tags=sorted(f for f in familiar if "@" not in f),
            repo_digests=sorted(f for f in familiar if "@" in f),
            size=row.size, created=row.created, manifest_digest=row.manifest_digest)

    def layer_sizes(self, image: Image) -> Sizes:
        """The unpacked bytes of each layer (0 for one not unpacked yet)."""
        return [self.snapshots.usage(c) if self.snapshots.exists(c) else 0
                for c in chain_ids(image.diff_ids)]

    def history(self, name: str) -> Entries:
        image = self.resolve(name)
        return history.entries(image.id, image.config, image.repo_tags, self.layer_sizes(image))

    # -- containers ---------------------------------------------------------

    def rootfs_mounts(self, image: Image, upper: Path, work: Path) -> Mounts:
        """The OCI-shaped overlay mount of a container's root over the image's layers.

        A layer whose snapshot is missing is unpacked again from its blob.
        """
        chain = chain_ids(image.diff_ids)
        if any(not self.snapshots.exists(c) for c in chain):
            self._unpack(image, chain)
        return [m.to_json() for m in self.snapshots.mounts(chain, upper, work)]

    def layer_dirs(self, image: Image) -> Dirs:
        """The image's unpacked layer dirs, topmost first (unpacked again when missing)."""
        chain = chain_ids(image.diff_ids)
        if any(not self.snapshots.exists(c) for c in chain):
            self._unpack(image, chain)
        return [self.snapshots.path(c) for c in reversed(chain)]

    def commit(self, request: CommitRequest) -> str:
        """``docker commit`` (``berth.images.commit``): the new image's id."""
        return commit_image(self, request)

    def _unpack(self, image: Image, chain: Strs) -> None:
        if not image.manifest_digest:
            raise NotFound(f"image {image.id} has no manifest to unpack its layers from")
        manifest = Manifest.parse(self.content.read(image.manifest_digest))
        if len(manifest.layers) != len(chain):
            raise FailedPrecondition(f"image {image.id}: manifest and config disagree on layers")
        with self._unpack_lock:
            for layer, diff_id, chain_id in zip(manifest.layers, image.diff_ids, chain,
                                                strict=True):
                self.snapshots.unpack(chain_id, partial(self._apply_blob, layer.digest, diff_id))

    def _apply_blob(self, digest: str, diff_id: str, fs: Path,
                    progress: Callable[[int], None] | None = None) -> Applied:
        with self.content.open(digest) as f:
            applied = apply_layer(_Counting(f, progress) if progress else f, fs)
        if applied.diff_id != diff_id:
            raise FailedPrecondition(
                f"layer {digest} unpacks to {applied.diff_id}, not the diff_id {diff_id}")
        return applied


class _Counting:
    """A reader that reports how many bytes were read so far."""

    def __init__(self, raw: BinaryIO, report: Callable[[int], None]) -> None:
        self._raw, self._report, self._n = raw, report, 0

    def read(self, n: int = -1, /) -> bytes:
        data = self._raw.read(n)
        self._n += len(data)
        self._report(self._n)
        return data


def _no_events(type_: str, action: str, id_: str, attributes: dict[str, str]) -> None:
    pass


def _import_tag(text: str | None) -> str | None:
    if not text:
        return None
    ref = reference.parse(text)
    if ref.digest is not None:
        raise InvalidArgument("cannot import digest reference")
    return str(ref)
