"""``docker pull``: a registry's image into the content store, snapshots and tables.

The order keeps a failed pull from changing what the store shows:

1. the manifest (or the index, resolved to the platform asked for, the host's
   by default) and the config are fetched and checked before anything is
   written; the platform's manifest must name as many layers as the config
   has diff_ids;
2. inside ``ImageService.writing()`` (garbage collection waits), the layer
   blobs missing from the content store are fetched a few at a time (while
   step 3 unpacks, in order, those already there), each
   through a resumable ingest named after its digest (a broken connection
   resumes with ``Range``; a second pull of the same blob waits for the
   first) and committed only when its size and digest match;
3. each layer is unpacked into its snapshot by chain id, its diff_id checked;
4. one ``store_pulled`` transaction writes the config, the registry's own
   manifest bytes, the image row, the tag and the ``name@digest`` reference.

A failure anywhere leaves no row and moves no tag; blobs committed on the way
are complete and verified, and garbage collection frees them if nothing
comes to use them. Messages are dockerd's JSON progress, word for word.
"""

import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from berth.errors import FailedPrecondition, InvalidArgument, NotFound, Unavailable
from berth.images import progress as msgs
from berth.images.progress import Progress
from berth.oci import mediatypes, reference
from berth.oci.digest import of_bytes, short_id
from berth.oci.image import Descriptor, ImageConfig, Index, Manifest, Platform, loads
from berth.registry.client.auth import Authorizer
from berth.registry.client.dockerconfig import Credentials
from berth.registry.client.fetch import fetch_blob
from berth.registry.client.repository import Repository
from berth.snapshots.overlay import chain_ids

if TYPE_CHECKING:
    from berth.images.service import ImageService

CONCURRENCY = 3
_LOCK_WAIT = 0.2


class Cancelled(Exception):
    """A fetch stopped because the pull failed elsewhere."""


@dataclass(frozen=True, slots=True)
class PullRequest:
    reference: str  # "busybox", "localhost:5000/a/b:tag", "x@sha256:..."
    platform: str = ""  # "linux/arm64/v8"; the host's when empty
    credentials: Credentials = field(default_factory=Credentials)
    all_tags: bool = False  # every tag of the repository (the reference names none)


@dataclass(frozen=True, slots=True)
class Resolved:
    manifest_raw: bytes
    manifest: Manifest
    manifest_digest: str  # of the platform's manifest
    repo_digest: str  # what the reference names: the index's digest for a multi-arch image
    config_raw: bytes
    config: ImageConfig


def parse_platform(text: str, default_arch: str) -> Platform:
    """``os[/arch[/variant]]`` (``linux/amd64``, ``linux/arm/v7``, ``arm64``)."""
    if not text:
        return Platform(default_arch, "linux")
    parts = text.lower().split("/")
    if len(parts) > 3 or not all(parts):
        raise InvalidArgument(f'"{text}": unknown operating system or architecture: '
                              f"invalid argument")
    if len(parts) == 1:
        return Platform(parts[0], "linux") if parts[0] != "linux" else Platform(default_arch,
                                                                                 "linux")
    variant = parts[2] if len(parts) == 3 else ""
    arch = {"x86_64": "amd64", "x86-64": "amd64", "aarch64": "arm64"}.get(parts[1], parts[1])
    if arch == "arm64" and variant == "v8":
        variant = ""
    return Platform(arch, parts[0], variant)


def _matches(want: Platform, have: Platform) -> bool:
    if want.os != have.os or want.architecture != have.architecture:
        return False
    have_variant = "" if have.architecture == "arm64" and have.variant == "v8" else have.variant
    return not want.variant or want.variant == have_variant


class Puller:
    def __init__(self, service: "ImageService", request: PullRequest, host_arch: str,
                 send: Progress = msgs.no_progress) -> None:
        self.service = service
        self.send = send
        self.ref = reference.parse(request.reference, default_tag=not request.all_tags)
        self.all_tags = request.all_tags
        if self.all_tags and (self.ref.tag or self.ref.digest):
            raise InvalidArgument("tag can't be used with --all-tags/-a")
        self.platform = parse_platform(request.platform, host_arch)
        self.explicit_platform = bool(request.platform)
        self._stop = threading.Event()
        ep = service.endpoint(self.ref.domain)
        self.repo = Repository(ep, self.ref.path, Authorizer(ep, request.credentials))

    @property
    def tag_or_digest(self) -> str:
        return self.ref.digest or self.ref.tag or reference.DEFAULT_TAG

    def pull(self) -> str:
        """Pull (every tag with ``all_tags``, docker's order: the registry's); the id of
        the image pulled last."""
        if not self.all_tags:
            image_id, new = self._pull_one()
            self._status(new)
            return image_id
        name = self.ref
        image_id, new = "", False
        for tag in self.repo.tags():
            self.ref = name.with_tag(tag)
            image_id, pulled = self._pull_one()
            new = new or pulled
        self.ref = name
        if not image_id:
            raise NotFound(f"repository {name.familiar_name} has no tags")
        self._status(new)
        return image_id

    def _status(self, new: bool) -> None:
        fam = self.ref.familiar()
        if new:
            self.send(msgs.status(f"Status: Downloaded newer image for {fam}"))
        else:
            self.send(msgs.status(f"Status: Image is up to date for {fam}"))
        self.service.on_event("image", "pull", fam, {"name": self.ref.familiar_name})

    def _pull_one(self) -> tuple[str, bool]:
        """Pull ``self.ref``: the image id, and whether a layer came or a reference moved."""
        resolved = self.resolve()
        self.send(msgs.status(f"Pulling from {self.ref.path}", self.tag_or_digest))
        layers = resolved.manifest.layers
        chains = chain_ids(list(resolved.config.diff_ids))
        with self.service.writing():
            todo = self._plan(layers, chains)
            size = self._fetch_and_unpack(resolved, chains, set(todo))
            refs = [] if self.ref.digest else [str(self.ref)]
            refs.append(f"{self.ref.name}@{resolved.repo_digest}")
            old = self.service.tag_target(str(self.ref))
            image_id = self.service.store_pulled(
                resolved.config_raw, resolved.config, resolved.manifest_raw,
                resolved.manifest.media_type, size, refs)
        self.send(msgs.status(f"Digest: {resolved.repo_digest}"))
        return image_id, old != image_id or bool(todo)

    # -- 1. what to pull ----------------------------------------------------------

    def resolve(self) -> Resolved:
        try:
            raw, media_type, digest = self.repo.manifest(self.tag_or_digest)
        except NotFound:
            raise NotFound(f"manifest for {self.ref.familiar()} not found: manifest unknown: "
                           f"manifest unknown") from None
        repo_digest = digest
        media_type = _media_type(raw, media_type)
        if media_type in mediatypes.INDEXES:
            chosen = self._choose(Index.from_json(loads(raw, "index")))
            raw, media_type, digest = self.repo.manifest(chosen.digest)
            media_type = _media_type(raw, media_type)
        if media_type not in mediatypes.MANIFESTS:
            raise InvalidArgument(f"unsupported manifest media type {media_type or 'unknown'} "
                                  f"for {self.ref.familiar()}")
        manifest = Manifest.parse(raw)
        config_raw = self._small_blob(manifest.config)
        config = ImageConfig.parse(config_raw)
        if len(config.diff_ids) != len(manifest.layers):
            raise InvalidArgument(f"{self.ref.familiar()}: the manifest names "
                                  f"{len(manifest.layers)} layers, its config "
                                  f"{len(config.diff_ids)} diff_ids")
        for layer in manifest.layers:
            if not mediatypes.is_layer(layer.media_type):
                raise InvalidArgument(f"unsupported layer media type {layer.media_type}")
        have = Platform(config.architecture, config.os or "linux", config.variant)
        if self.explicit_platform and not _matches(self.platform, have):
            raise NotFound(f"image with reference {self.ref.familiar()} was found but does not "
                           f"match the specified platform: wanted {_fmt(self.platform)}, "
                           f"actual: {_fmt(have)}")
        return Resolved(raw, manifest, digest, repo_digest, config_raw, config)

    def _choose(self, index: Index) -> Descriptor:
        for desc in index.manifests:
            if desc.platform is not None and _matches(self.platform, desc.platform):
                return desc
        raise NotFound(f"no matching manifest for {_fmt(self.platform)} in the manifest "
                       f"list entries")

    def _small_blob(self, desc: Descriptor) -> bytes:
        if desc.size > 8 << 20:
            raise InvalidArgument(f"config {desc.digest}: too large ({desc.size} bytes)")
        with self.repo.blob(desc.digest) as resp:
            data = resp.read(desc.size + 1)
        if len(data) != desc.size or of_bytes(data) != desc.digest:
            raise FailedPrecondition(f"image config verification failed for digest "
                                     f"{desc.digest}")
        return data

    # -- 2. blobs ------------------------------------------------------------------

    def _plan(self, layers: tuple[Descriptor, ...], chains: list[str]) -> list[int]:
        """The indexes of the layers to fetch or unpack; the others "Already exists"."""
        todo = []
        for i, (layer, chain) in enumerate(zip(layers, chains, strict=True)):
            if self.service.content.exists(layer.digest) and self.service.snapshots.exists(chain):
                self.send(msgs.layer("Already exists", short_id(layer.digest)))
            else:
                todo.append(i)
                self.send(msgs.layer("Pulling fs layer", short_id(layer.digest)))
        return todo

    def _fetch_and_unpack(self, resolved: Resolved, chains: list[str], todo: set[int]) -> int:
        """Fetch the layers a few at a time while unpacking them in order as each one
        is there (docker's overlap); the image's unpacked size."""
        layers = resolved.manifest.layers
        unique = list({layers[i].digest: layers[i] for i in sorted(todo)}.values())
        self._stop.clear()
        with ThreadPoolExecutor(max_workers=CONCURRENCY, thread_name_prefix="pull") as pool:
            for i, desc in enumerate(unique):
                if i >= CONCURRENCY and not self.service.content.exists(desc.digest):
                    self.send(msgs.layer("Waiting", short_id(desc.digest)))
            fetched = {d.digest: pool.submit(self._fetch, d) for d in unique}
            try:
                return self._unpack(resolved, chains, todo, fetched)
            except BaseException:
                self._stop.set()  # the fetches still running stop at their next chunk
                for future in fetched.values():
                    future.cancel()
                raise

    def _fetch(self, desc: Descriptor) -> None:
        content = self.service.content
        id_ = short_id(desc.digest)
        while not content.exists(desc.digest):
            try:
                writer = content.writer(f"pull-{desc.digest}")
            except Unavailable:  # another pull is fetching it: wait for its end
                time.sleep(_LOCK_WAIT)
                continue
            with writer:
                fetch_blob(self.repo, desc.digest, desc.size, writer,
                           self._reporter(desc.digest, id_, desc.size))
                self.send(msgs.layer("Verifying Checksum", id_))
                try:
                    writer.commit(desc.digest, desc.size)
                except InvalidArgument:
                    raise FailedPrecondition(
                        f"filesystem layer verification failed for digest {desc.digest}"
                    ) from None
        self.send(msgs.layer("Download complete", id_))

    def _reporter(self, digest: str, id_: str, size: int) -> Callable[[int], None]:
        """The byte counter of one fetch: progress, and the stop when the pull failed."""
        throttle = msgs.Throttle(self.send, "Downloading", id_, size)

        def report(n: int) -> None:
            if self._stop.is_set():
                raise Cancelled(f"pull of {digest} stopped: another layer failed")
            throttle(n)

        return report

    # -- 3. snapshots ----------------------------------------------------------------

    def _unpack(self, resolved: Resolved, chains: list[str], todo: set[int],
                fetched: dict[str, Future[None]]) -> int:
        size = 0
        for i, (layer, diff_id, chain) in enumerate(zip(
                resolved.manifest.layers, resolved.config.diff_ids, chains, strict=True)):
            if i in todo:
                fetched[layer.digest].result()
                id_ = short_id(layer.digest)
                report = msgs.Throttle(self.send, "Extracting", id_, layer.size)
                self.service.unpack_layer(layer.digest, diff_id, chain, report)
                self.send(msgs.layer("Pull complete", id_))
            size += self.service.snapshots.usage(chain)
        return size


def _media_type(raw: bytes, header: str) -> str:
    if header in mediatypes.MANIFESTS or header in mediatypes.INDEXES:
        return header
    try:
        j = json.loads(raw)
    except ValueError:
        return header
    if isinstance(j, dict):
        if j.get("mediaType"):
            return str(j["mediaType"])
        if "manifests" in j:
            return mediatypes.OCI_INDEX
        if "config" in j:
            return mediatypes.OCI_MANIFEST
    return header


def _fmt(p: Platform) -> str:
    return "/".join(x for x in (p.os, p.architecture, p.variant) if x)
