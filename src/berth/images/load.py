"""``docker load``: read a docker-archive (old and new layouts) or an OCI image layout.

Layouts read:

- Docker ≤24: ``manifest.json`` naming ``<config-hex>.json`` and ``<id>/layer.tar``
  (a layer shared by two ids is a symlink ``<id2>/layer.tar -> ../<id>/layer.tar``);
- Docker 25+ and skopeo: ``manifest.json`` naming ``blobs/sha256/<hex>`` paths;
- a pure OCI layout: ``index.json`` only, names from its annotations
  (``io.containerd.image.name``, or ``org.opencontainers.image.ref.name`` when it is a
  whole reference).

The archive is read once, as a stream (it may be gzip-compressed as a whole).
Members that look like JSON are kept in memory (64 MiB each, 512 MiB in all);
every other one is taken for a layer: its bytes go to an uncommitted
content-store ingest and, in the same pass, it is unpacked into a snapshot
temp dir, which gives its diff_id. Only when the whole archive is read and
every image's layers match its config's ``rootfs.diff_ids`` (and, for an
OCI layout, every blob its descriptor's digest) does the caller ``commit``
blobs and snapshots and store the images.
``discard`` drops whatever was not committed: a hostile or broken archive
leaves nothing behind but what a crash would (ingests and ``.tmp-`` dirs,
removed at the next start).
"""

import json
import posixpath
import tarfile
import zlib
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from berth.content.store import LocalContentStore, LocalWriter
from berth.diff.apply import Applied, apply_layer
from berth.diff.compression import GZIP_MAGIC, ZSTD_MAGIC, Reader, TeeReader
from berth.errors import BerthError, InvalidArgument
from berth.oci import digest as digests
from berth.oci import mediatypes, reference
from berth.oci.image import Descriptor, ImageConfig, Index, Manifest, Platform, loads
from berth.snapshots.overlay import OverlaySnapshotter, chain_ids

_JSON_MAX = 64 << 20  # a JSON member larger than this is refused
_MEMORY_MAX = 512 << 20  # all members kept in memory together
_CHUNK = 1 << 20
# tarfile's stream copies its whole buffer on every read: as large as the reads, no more.
_TAR_BUFSIZE = 1 << 16
_TAR_ERRORS = (tarfile.TarError, EOFError, zlib.error)


@dataclass(slots=True)
class Member:
    """A regular file of the archive."""

    name: str
    size: int
    digest: str = ""  # sha256 of its bytes ("" when they were not all read)
    data: bytes | None = None  # the bytes, when kept in memory
    writer: LocalWriter | None = None  # the bytes in an ingest, for a layer
    tmp: Path | None = None  # the snapshot temp dir it was unpacked into
    applied: Applied | None = None
    error: str = ""  # why it cannot be a layer
    committed: str = ""  # the blob's digest once committed


@dataclass(frozen=True, slots=True)
class Found:
    """An image of the archive, verified, ready to commit."""

    raw_config: bytes
    config: ImageConfig
    layers: tuple[Member, ...]
    tags: tuple[str, ...]  # normalized references

    @property
    def id(self) -> str:
        return digests.of_bytes(self.raw_config)


class _Chain:
    """``head`` and then the rest of ``rest``."""

    def __init__(self, head: bytes, rest: Reader) -> None:
        self._head = head
        self._rest = rest

    def read(self, n: int = -1, /) -> bytes:
        if self._head:
            if n < 0:
                out, self._head = self._head + self._rest.read(), b""
                return out
            out, self._head = self._head[:n], self._head[n:]
            return out
        return self._rest.read(n)


def _safe_name(name: str) -> str:
    clean = posixpath.normpath(name)
    if name.startswith("/") or clean == ".." or clean.startswith("../"):
        raise InvalidArgument(f"invalid archive: unsafe path {name!r} is outside the archive")
    return "" if clean == "." else clean


class ArchiveReader:
    """Reads one archive (``read``), verifies it (``images``), commits it layer by layer."""

    def __init__(self, content: LocalContentStore, snapshots: OverlaySnapshotter) -> None:
        self.content = content
        self.snapshots = snapshots
        self.members: dict[str, Member] = {}
        self.links: dict[str, str] = {}  # name -> the name it stands for
        self._in_memory = 0
        self._read: list[Member] = []  # every member read, for discard

    # -- reading --------------------------------------------------------------

    def read(self, stream: Reader) -> None:
        try:
            tar = tarfile.open(fileobj=stream, mode="r|*", bufsize=_TAR_BUFSIZE)  # type: ignore[call-overload]  # noqa: SIM115
        except _TAR_ERRORS as e:
            raise InvalidArgument(f"invalid archive: not a tar archive ({e})") from None
        try:
            for m in tar:
                self._member(tar, m)
        except _TAR_ERRORS as e:
            raise InvalidArgument(f"invalid archive: {e or 'unexpected EOF'}") from None
        finally:
            tar.close()
        if not self.members:
            raise InvalidArgument("invalid archive: no files in it (is it a docker save archive?)")

    def _member(self, tar: tarfile.TarFile, m: tarfile.TarInfo) -> None:
        name = _safe_name(m.name)
        if not name or m.isdir():
            return
        if m.issym() or m.islnk():
            base = posixpath.dirname(name) if m.issym() else ""
            if m.linkname.startswith("/"):
                raise InvalidArgument(f"invalid archive: link {m.name!r} points outside the "
                                      f"archive ({m.linkname!r})")
            target = posixpath.normpath(posixpath.join(base, m.linkname))
            if target == ".." or target.startswith("../"):
                raise InvalidArgument(f"invalid archive: link {m.name!r} points outside the "
                                      f"archive ({m.linkname!r})")
            self.links[name] = target
            return
        if not m.isreg():
            raise InvalidArgument(f"invalid archive: {m.name!r} is not a regular file")
        f = tar.extractfile(m)
        assert f is not None
        head = f.read(min(m.size, 512))
        member = Member(name, m.size)
        self.members[name] = member  # a later member of the same name wins, as in docker
        self._read.append(member)
        if head.lstrip()[:1] in (b"{", b"["):
            if m.size > _JSON_MAX:
                raise InvalidArgument(
                    f"invalid archive: {m.name!r}: a JSON file of {m.size} bytes is too large")
            self._keep(member, head + f.read())
        else:
            self._layer(member, head, _Chain(head, f))

    def _keep(self, member: Member, data: bytes) -> None:
        if len(data) != member.size:
            raise InvalidArgument(f"invalid archive: unexpected EOF in {member.name!r}")
        self._in_memory += len(data)
        if self._in_memory > _MEMORY_MAX:
            raise InvalidArgument("invalid archive: too much metadata")
        member.data = data
        member.digest = digests.of_bytes(data)

    def _layer(self, member: Member, head: bytes, stream: Reader) -> None:
        """Unpack the member into a snapshot temp dir as it goes into an ingest.

        A plain tar is hashed once: by ``apply_layer``, whose diff_id is then the
        blob's digest too (the ingest does not hash it again).
        """
        plain = not head.startswith(GZIP_MAGIC) and head[:4] != ZSTD_MAGIC
        writer = self.content.writer(hashing=not plain)
        member.writer = writer
        member.tmp = self.snapshots.prepare_temp()
        tee = TeeReader(stream, writer)
        try:
            member.applied = apply_layer(tee, member.tmp / "fs")
        except InvalidArgument as e:
            member.error = e.message
            self.snapshots.discard_temp(member.tmp)
            member.tmp = None
        rest = 0
        while data := tee.read(_CHUNK):
            rest += len(data)
        if writer.size != member.size:
            raise InvalidArgument(f"invalid archive: unexpected EOF in {member.name!r}")
        if not plain:
            member.digest = writer.digest
        elif member.applied is not None and not rest and not member.applied.compression:
            member.digest = member.applied.diff_id
        elif not member.error:  # bytes apply_layer did not hash: not a layer for us
            member.error = "not a layer tar"

    # -- verifying ------------------------------------------------------------

    def file(self, name: str, what: str) -> Member:
        """The member a manifest names (following links), or InvalidArgument."""
        seen = 0
        key = _safe_name(name)
        while key in self.links and seen < 40:
            key, seen = self.links[key], seen + 1
        member = self.members.get(key)
        if member is None:
            raise InvalidArgument(f"invalid archive: {what} names {name!r}, which is not in "
                                  "the archive")
        return member

    def images(self, platform: Platform) -> list[Found]:
        """Every image of the archive, its layers verified; InvalidArgument else."""
        if "manifest.json" in self.members:
            found = self._docker_images()
        elif "index.json" in self.members:
            found = self._oci_images(platform)
        else:
            raise InvalidArgument("invalid archive: no manifest.json or index.json in it "
                                  "(is it a docker save archive?)")
        if not found:
            raise InvalidArgument("invalid archive: it holds no image")
        return found

    def _json(self, member: Member, what: str) -> object:
        if member.data is None:
            raise InvalidArgument(f"invalid archive: {what} {member.name!r} is not JSON")
        try:
            return json.loads(member.data)
        except (ValueError, UnicodeDecodeError) as e:
            raise InvalidArgument(f"invalid archive: {what} {member.name!r}: {e}") from None

    def _docker_images(self) -> list[Found]:
        entries = self._json(self.members["manifest.json"], "manifest")
        if not isinstance(entries, list):
            raise InvalidArgument("invalid archive: manifest.json is not a list")
        found = []
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("Config"), str):
                raise InvalidArgument("invalid archive: a manifest.json entry has no Config")
            layer_names = entry.get("Layers") or []
            tags = entry.get("RepoTags") or []
            if not isinstance(layer_names, list) or not isinstance(tags, list):
                raise InvalidArgument("invalid archive: bad Layers or RepoTags in manifest.json")
            config_member = self.file(entry["Config"], "manifest.json")
            layers = [self.file(str(n), "manifest.json") for n in layer_names]
            found.append(self._found(config_member, layers, [_tag(str(t)) for t in tags]))
        return found

    def _blob(self, desc: Descriptor, what: str) -> Member:
        member = self.file(f"blobs/{desc.digest.replace(':', '/', 1)}", f"the {what}")
        if member.digest != desc.digest:
            raise InvalidArgument(f"invalid archive: {what} {desc.digest} does not match its "
                                  f"digest (it is {member.digest or 'not readable'})")
        return member

    def _oci_images(self, platform: Platform) -> list[Found]:
        index = Index.from_json(_obj(self._json(self.members["index.json"], "index"), "index"))
        found = []
        for desc in index.manifests:
            tags = _oci_tags(desc)
            manifest_desc = self._pick(desc, platform)
            manifest = Manifest.from_json(_obj(
                self._json(self._blob(manifest_desc, "manifest"), "manifest"), "manifest"))
            config_member = self._blob(manifest.config, "config")
            layers = [self._blob(layer, "layer") for layer in manifest.layers]
            found.append(self._found(config_member, layers, tags))
        return _merge(found)

    def _pick(self, desc: Descriptor, platform: Platform) -> Descriptor:
        """A manifest, or the one of a nested index for the platform (else the first)."""
        for _ in range(4):
            if desc.media_type not in mediatypes.INDEXES:
                return desc
            nested = Index.from_json(_obj(self._json(self._blob(desc, "index"), "index"),
                                          "index"))
            if not nested.manifests:
                raise InvalidArgument(f"invalid archive: index {desc.digest} is empty")
            desc = next((d for d in nested.manifests if d.platform is not None
                         and (d.platform.os, d.platform.architecture)
                         == (platform.os, platform.architecture)), nested.manifests[0])
        raise InvalidArgument("invalid archive: indexes nested too deep")

    def _found(self, config_member: Member, layers: list[Member], tags: list[str]) -> Found:
        if config_member.data is None:
            raise InvalidArgument(f"invalid archive: config {config_member.name!r} is not JSON")
        config = ImageConfig.from_json(loads(config_member.data, "image config"))
        if len(config.diff_ids) != len(layers):
            raise InvalidArgument(
                f"invalid archive: the config has {len(config.diff_ids)} diff_ids for "
                f"{len(layers)} layers")
        for member, diff_id in zip(layers, config.diff_ids, strict=True):
            self._verify(member, diff_id)
        return Found(config_member.data, config, tuple(layers), tuple(tags))

    def _verify(self, member: Member, diff_id: str) -> None:
        if member.applied is None:
            raise InvalidArgument(f"invalid archive: layer {member.name!r}: "
                                  f"{member.error or 'not a layer tar'}")
        if member.applied.diff_id != diff_id:
            raise InvalidArgument(
                f"invalid archive: layer {member.name!r} has diff id "
                f"{member.applied.diff_id}, the config expects {diff_id}")

    # -- committing -----------------------------------------------------------

    def commit(self, found: Found) -> tuple[list[Descriptor], int]:
        """Publish the image's layer blobs and snapshots; its layer descriptors and
        unpacked size. Call it inside the image service's ``writing()``."""
        descriptors = []
        size = 0
        for member, chain_id in zip(found.layers, chain_ids(found.config.diff_ids),
                                    strict=True):
            assert member.applied is not None
            digest = self._commit_blob(member)
            if not self.snapshots.exists(chain_id):
                if member.tmp is not None:
                    self.snapshots.commit_temp(member.tmp, chain_id)
                    member.tmp = None
                else:
                    self.snapshots.unpack(chain_id, partial(self._apply, digest))
            descriptors.append(Descriptor(mediatypes.oci_layer(member.applied.compression),
                                          digest, member.size))
            size += member.applied.size
        return descriptors, size

    def _commit_blob(self, member: Member) -> str:
        if not member.committed:
            if member.writer is not None:
                member.committed = member.writer.commit(member.digest, member.size)
            else:
                assert member.data is not None
                member.committed = self.content.put(member.data, member.digest)
        return member.committed

    def _apply(self, digest: str, fs: Path) -> Applied:
        with self.content.open(digest) as f:
            return apply_layer(f, fs)

    def discard(self) -> None:
        """Drop every ingest and snapshot temp dir not committed."""
        for member in self._read:
            if member.writer is not None and not member.committed:
                member.writer.abort()
            if member.tmp is not None:
                self.snapshots.discard_temp(member.tmp)
                member.tmp = None


def _obj(value: object, what: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise InvalidArgument(f"invalid archive: the {what} is not a JSON object")
    return value


def _tag(text: str) -> str:
    try:
        ref = reference.parse(text)
    except BerthError as e:
        raise InvalidArgument(f"invalid archive: bad tag {text!r}: {e.message}") from None
    if ref.digest is not None or ref.tag is None:
        raise InvalidArgument(f"invalid archive: {text!r} is not a tag")
    return str(ref)


def _oci_tags(desc: Descriptor) -> list[str]:
    name = desc.annotations.get("io.containerd.image.name", "")
    if not name:
        ref_name = desc.annotations.get("org.opencontainers.image.ref.name", "")
        if ref_name and ("/" in ref_name or ":" in ref_name):
            name = ref_name  # a whole reference; a bare tag names no repository
    return [_tag(name)] if name else []


def _merge(found: list[Found]) -> list[Found]:
    """One entry per image: index.json repeats a manifest for each of its tags."""
    by_id: dict[str, Found] = {}
    for f in found:
        old = by_id.get(f.id)
        if old is None:
            by_id[f.id] = f
        else:
            tags = old.tags + tuple(t for t in f.tags if t not in old.tags)
            by_id[f.id] = Found(old.raw_config, old.config, old.layers, tags)
    return list(by_id.values())
