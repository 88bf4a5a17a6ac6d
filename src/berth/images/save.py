"""``docker save``: images as a docker-archive that is also an OCI image layout.

The archive is the one Docker 25+ writes::

    blobs/sha256/<hex>   image configs (as stored: their digest is the image id), OCI
                         manifests made for the archive, and every layer as an
                         *uncompressed* tar (so its digest is the config's diff_id,
                         which docker 20.10, docker 25+ and skopeo all accept)
    oci-layout           {"imageLayoutVersion": "1.0.0"}
    index.json           one manifest descriptor per tag (annotations
                         ``io.containerd.image.name`` and ``org.opencontainers.image.ref.name``),
                         one without annotations for an image saved untagged
    manifest.json        [{"Config": "blobs/sha256/<hex>", "RepoTags": [...], "Layers": [...]}]
    repositories         {"busybox": {"latest": "<hex of the top layer>"}}

The archive is *planned* first (``plan_archive``): a list of pieces, each bytes, a whole
blob file to copy, or a compressed blob to inflate, whose sizes are all known,
so the total is known before the first byte (a Content-Length for the API).
A gzip layer's uncompressed size is read from its trailer (ISIZE, the size
modulo 2**32 of the last member): one seek instead of inflating it twice. The
inflated bytes are counted as they go out; a layer whose trailer lied (a
multi-member gzip, or 4 GiB and more) fails the save rather than writing a
wrong archive. The blob files are opened when planned, so an image removed
during a save still has its bytes read to the end.
"""

import hashlib
import json
import os
import struct
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from berth.content.store import LocalContentStore
from berth.diff.compression import GZIP_MAGIC, ZSTD_MAGIC, decompressed
from berth.errors import FailedPrecondition
from berth.oci import mediatypes, reference
from berth.oci.digest import hex_of
from berth.oci.image import Descriptor, Index, Manifest, canonical

BLOCK = 512
_CHUNK = 1 << 20
_COPY = 1 << 30


@dataclass(frozen=True, slots=True)
class SaveImage:
    """One image to save: its stored config and manifest, and the references to write."""

    id: str
    config: bytes  # the config's bytes as stored (their sha256 is the id)
    diff_ids: tuple[str, ...]
    layers: tuple[Descriptor, ...]  # the stored manifest's layers (blobs in the store)
    tags: tuple[str, ...]  # normalized references ("docker.io/library/busybox:latest")


@dataclass(frozen=True, slots=True)
class FilePiece:
    """A whole blob, copied as it is (a plain tar layer)."""

    file: BinaryIO
    size: int


@dataclass(frozen=True, slots=True)
class InflatePiece:
    """A compressed blob written decompressed: exactly ``size`` bytes."""

    file: BinaryIO
    size: int
    diff_id: str


Piece = bytes | FilePiece | InflatePiece


@dataclass(slots=True)
class Archive:
    """A planned archive: its pieces in order and its total size. Close it when done."""

    pieces: list[Piece] = field(default_factory=list)
    size: int = 0

    def add(self, piece: Piece) -> None:
        self.pieces.append(piece)
        self.size += len(piece) if isinstance(piece, bytes) else piece.size

    def close(self) -> None:
        for piece in self.pieces:
            if not isinstance(piece, bytes):
                piece.file.close()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def tar_header(name: str, size: int, directory: bool = False) -> bytes:
    """A ustar header (pax when a field needs it), like Go's archive/tar writes."""
    info = tarfile.TarInfo(name)
    info.size = 0 if directory else size
    info.type = tarfile.DIRTYPE if directory else tarfile.REGTYPE
    info.mode = 0o755 if directory else 0o644
    info.mtime = 0
    return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


def _padding(size: int) -> bytes:
    return bytes(-size % BLOCK)


def uncompressed_size(f: BinaryIO, size: int) -> tuple[int, bool]:
    """The size of the tar in a layer blob and whether it must be inflated."""
    f.seek(0)
    head = f.read(4)
    if head.startswith(GZIP_MAGIC):
        if size < 18:
            raise FailedPrecondition("layer blob is too short to be gzip")
        f.seek(size - 4)
        (isize,) = struct.unpack("<I", f.read(4))
        f.seek(0)
        return isize, True
    if head == ZSTD_MAGIC:
        reader, _ = decompressed(f)
        total = 0
        while chunk := reader.read(_CHUNK):
            total += len(chunk)
        f.seek(0)
        return total, True
    f.seek(0)
    return size, False


class _Planner:
    def __init__(self, content: LocalContentStore) -> None:
        self.content = content
        self.archive = Archive()
        self.written: set[str] = set()

    def member(self, name: str, data: bytes) -> None:
        self.archive.add(tar_header(name, len(data)) + data + _padding(len(data)))

    def blob(self, digest: str, data: bytes) -> None:
        if digest not in self.written:
            self.written.add(digest)
            self.member(f"blobs/sha256/{hex_of(digest)}", data)

    def layer(self, layer: Descriptor, diff_id: str) -> int:
        """Add the layer (uncompressed) once; its tar size."""
        f = self.content.open(layer.digest)
        try:
            size, inflate = uncompressed_size(f, self.content.info(layer.digest).size)
        except BaseException:
            f.close()
            raise
        if diff_id in self.written:
            f.close()
            return size
        self.written.add(diff_id)
        self.archive.add(tar_header(f"blobs/sha256/{hex_of(diff_id)}", size))
        self.archive.add(InflatePiece(f, size, diff_id) if inflate else FilePiece(f, size))
        self.archive.add(_padding(size))
        return size


def plan_archive(images: list[SaveImage], content: LocalContentStore) -> Archive:
    """The archive of ``images`` (each once, in order), ready to write."""
    p = _Planner(content)
    try:
        p.archive.add(tar_header("blobs/", 0, directory=True))
        p.archive.add(tar_header("blobs/sha256/", 0, directory=True))
        index: list[Descriptor] = []
        manifests: list[dict[str, object]] = []
        repositories: dict[str, dict[str, str]] = {}
        for image in images:
            p.blob(image.id, image.config)
            layers = tuple(Descriptor(mediatypes.OCI_LAYER, diff_id, p.layer(layer, diff_id))
                           for layer, diff_id in zip(image.layers, image.diff_ids, strict=True))
            manifest = canonical(Manifest(
                Descriptor(mediatypes.OCI_CONFIG, image.id, len(image.config)), layers).to_json())
            manifest_digest = "sha256:" + _sha256(manifest)
            p.blob(manifest_digest, manifest)
            index += _index_entries(image, manifest_digest, len(manifest))
            manifests.append({
                "Config": f"blobs/sha256/{hex_of(image.id)}",
                "RepoTags": [reference.familiar(t) for t in image.tags],
                "Layers": [f"blobs/sha256/{hex_of(d)}" for d in image.diff_ids]})
            for tag in image.tags:
                ref = reference.parse(tag)
                if image.diff_ids and ref.tag:
                    repositories.setdefault(ref.familiar_name, {})[ref.tag] = hex_of(
                        image.diff_ids[-1])
        p.member("index.json", canonical(Index(tuple(index)).to_json()))
        p.member("manifest.json", json.dumps(manifests, separators=(",", ":")).encode())
        p.member("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        if repositories:
            p.member("repositories", canonical(repositories))
        p.archive.add(bytes(2 * BLOCK))
    except BaseException:
        p.archive.close()
        raise
    return p.archive


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _index_entries(image: SaveImage, digest: str, size: int) -> list[Descriptor]:
    if not image.tags:
        return [Descriptor(mediatypes.OCI_MANIFEST, digest, size)]
    out = []
    for tag in image.tags:
        ref = reference.parse(tag)
        out.append(Descriptor(mediatypes.OCI_MANIFEST, digest, size, annotations={
            "io.containerd.image.name": str(ref),
            "org.opencontainers.image.ref.name": ref.tag or ""}))
    return out


# -- writing ------------------------------------------------------------------------


def inflate(piece: InflatePiece) -> Iterator[bytes]:
    """The piece's decompressed bytes, checked to be exactly ``piece.size`` of them."""
    piece.file.seek(0)
    reader, _ = decompressed(piece.file)
    total = 0
    while chunk := reader.read(_CHUNK):
        total += len(chunk)
        if total > piece.size:
            break
        yield chunk
    if total != piece.size:
        raise FailedPrecondition(
            f"layer {piece.diff_id}: its gzip trailer gives {piece.size} bytes uncompressed, "
            f"it has {'more' if total > piece.size else total}: cannot save it")


def write_archive(archive: Archive, out: BinaryIO) -> None:
    """Write the archive to a file or pipe; blobs go by copy_file_range or sendfile."""
    for piece in archive.pieces:
        if isinstance(piece, bytes):
            out.write(piece)
        elif isinstance(piece, FilePiece):
            out.flush()
            copy_file(piece.file, out, piece.size)
        else:
            for chunk in inflate(piece):
                out.write(chunk)
    out.flush()


def copy_file(src: BinaryIO, out: BinaryIO, size: int) -> None:
    """``size`` bytes of ``src`` from its start to ``out``'s fd, in the kernel when it can."""
    offset = 0
    try:
        in_fd, out_fd = src.fileno(), out.fileno()
    except (OSError, ValueError):  # io.UnsupportedOperation: an in-memory file
        calls: tuple[Callable[[int, int, int, int], int], ...] = ()
    else:
        calls = (_copy_file_range, _sendfile)
    for call in calls:
        try:
            while offset < size:
                n = call(in_fd, out_fd, offset, min(size - offset, _COPY))
                if n == 0:
                    raise FailedPrecondition("a blob ended before its size while saving")
                offset += n
            return
        except OSError:
            if offset:
                raise
    src.seek(0)
    while offset < size:
        chunk = src.read(min(_CHUNK * 4, size - offset))
        if not chunk:
            raise FailedPrecondition("a blob ended before its size while saving")
        out.write(chunk)
        offset += len(chunk)
    out.flush()


def _copy_file_range(in_fd: int, out_fd: int, offset: int, count: int) -> int:
    return os.copy_file_range(in_fd, out_fd, count, offset)


def _sendfile(in_fd: int, out_fd: int, offset: int, count: int) -> int:
    return os.sendfile(out_fd, in_fd, offset, count)
