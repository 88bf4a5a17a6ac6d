"""Layers compressed for a push, as docker sends them, and kept beside the layers.

Committed, imported, loaded and built layers are stored as plain tars (the
diff is computed once, and unpacking needs no decompression). A push sends
each such layer compressed: gzip by default, zstd when berthd runs with
``--push-compression zstd``. The compressed blob is written to the content
store once and remembered per diff_id and compression::

    <data-root>/compressed/<compression>/<diff_id hex>   {"digest": ..., "size": ...}

so a second push, to the same registry or another, sends those same bytes
(a HEAD finds them there: "Layer already exists") without compressing again.
Garbage collection keeps a compressed blob while some image has its diff_id
(``berth.images.gc``), and drops the record with it.

gzip is ISA-L's igzip at its fastest level, its blocks compressed in a thread
per core (one gzip member, as pigz writes); zstd is zstandard at level 3 with
a worker per core. Both release the GIL, so a push compresses at several
hundred MB/s where Go's compress/gzip (dockerd's) does a few tens.
"""

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO, cast

from berth.content.store import LocalContentStore, LocalWriter
from berth.errors import InvalidArgument, NotFound
from berth.oci import mediatypes
from berth.oci.digest import validate
from berth.oci.image import Descriptor

COMPRESSIONS = ("gzip", "zstd")
DEFAULT = "gzip"
_CHUNK = 1 << 20
_GZIP_LEVEL = 1  # ISA-L's 0-3: 1 writes ~15% more than zlib's 6 (docker's) at 10x its speed
_ZSTD_LEVEL = 3  # zstd's default

# a plain layer's media type, compressed: (in a docker schema2 manifest, in an OCI one)
_COMPRESSED = {
    "gzip": {mediatypes.DOCKER_LAYER: mediatypes.DOCKER_LAYER_GZIP,
             mediatypes.OCI_LAYER: mediatypes.OCI_LAYER_GZIP},
    "zstd": {mediatypes.OCI_LAYER: mediatypes.OCI_LAYER_ZSTD},
}


def check(compression: str) -> str:
    """``compression`` if berth can push with it, else InvalidArgument naming the choices."""
    if compression not in COMPRESSIONS:
        raise InvalidArgument(f"invalid push compression {compression!r}: "
                              f"choose one of {', '.join(COMPRESSIONS)}")
    return compression


def needs_compression(layer: Descriptor) -> bool:
    """A plain layer docker would compress (foreign/non-distributable ones are not sent)."""
    return layer.media_type in (mediatypes.OCI_LAYER, mediatypes.DOCKER_LAYER)


@dataclass(frozen=True, slots=True)
class CompressedLayers:
    root: Path  # <data-root>/compressed
    content: LocalContentStore

    def _record(self, diff_id: str, compression: str) -> Path:
        return self.root / compression / validate(diff_id).partition(":")[2]

    def find(self, diff_id: str, compression: str) -> tuple[str, int] | None:
        """(digest, size) of the blob already made for ``diff_id``, if still stored."""
        try:
            raw = json.loads(self._record(diff_id, compression).read_bytes())
            digest, size = validate(str(raw["digest"])), int(raw["size"])
        except (OSError, ValueError, KeyError, TypeError, InvalidArgument):
            return None
        try:
            if self.content.info(digest).size != size:
                return None
        except NotFound:
            return None
        return digest, size

    def compressed(self, layer: Descriptor, diff_id: str, compression: str) -> Descriptor:
        """The descriptor of ``layer`` (a plain one) as pushed: found, or made now. The
        caller holds the image service's ``writing()`` so no GC runs in between."""
        media_type = _COMPRESSED[compression].get(layer.media_type, layer.media_type)
        found = self.find(diff_id, compression)
        if found is None:
            with self.content.open(layer.digest) as src, self.content.writer() as blob:
                _COMPRESSORS[compression](src, blob)
                found = (blob.commit(), blob.size)
            self._remember(diff_id, compression, *found)
        return Descriptor(media_type, found[0], found[1], layer.urls, layer.annotations)

    def _remember(self, diff_id: str, compression: str, digest: str, size: int) -> None:
        path = self._record(diff_id, compression)
        self.root.mkdir(exist_ok=True, mode=0o700)
        path.parent.mkdir(exist_ok=True, mode=0o700)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps({"digest": digest, "size": size}))
        os.replace(tmp, path)

    def marked(self, diff_ids: Iterable[str]) -> set[str]:
        """The compressed blobs of these diff_ids (the live images'), for the GC."""
        out = set()
        for diff_id in set(diff_ids):
            for compression in COMPRESSIONS:
                found = self.find(diff_id, compression)
                if found is not None:
                    out.add(found[0])
        return out

    def prune(self, diff_ids: Iterable[str]) -> None:
        """Forget every record but those of ``diff_ids`` (the live images')."""
        keep = {d.partition(":")[2] for d in diff_ids}
        for compression in COMPRESSIONS:
            folder = self.root / compression
            if not folder.is_dir():
                continue
            for entry in folder.iterdir():
                if entry.name not in keep:
                    entry.unlink(missing_ok=True)


class _Sink:
    """A content writer as the file object the compressors write to."""

    def __init__(self, writer: LocalWriter) -> None:
        self._writer = writer

    def write(self, data: bytes) -> int:
        self._writer.write(data)
        return len(data)

    def flush(self) -> None:
        pass


def _threads() -> int:
    return len(os.sched_getaffinity(0)) or 1


def _gzip(src: BinaryIO, blob: LocalWriter) -> None:
    from isal import igzip_threaded  # only a push of a plain layer needs it

    with igzip_threaded.open(_Sink(blob), "wb", compresslevel=_GZIP_LEVEL,
                             threads=_threads()) as out:
        while chunk := src.read(_CHUNK):
            out.write(chunk)


def _zstd(src: BinaryIO, blob: LocalWriter) -> None:
    import zstandard

    cctx = zstandard.ZstdCompressor(level=_ZSTD_LEVEL, threads=_threads())
    cctx.copy_stream(src, cast(IO[bytes], _Sink(blob)), read_size=_CHUNK, write_size=_CHUNK)


_COMPRESSORS = {"gzip": _gzip, "zstd": _zstd}


def oci_manifest_types(media_type: str) -> str:
    """A docker schema2 type's OCI equivalent (a zstd layer needs an OCI manifest)."""
    return {mediatypes.DOCKER_MANIFEST: mediatypes.OCI_MANIFEST,
            mediatypes.DOCKER_CONFIG: mediatypes.OCI_CONFIG,
            mediatypes.DOCKER_LAYER: mediatypes.OCI_LAYER,
            mediatypes.DOCKER_LAYER_GZIP: mediatypes.OCI_LAYER_GZIP,
            mediatypes.DOCKER_LAYER_FOREIGN: mediatypes.OCI_LAYER_NONDIST,
            mediatypes.DOCKER_LAYER_FOREIGN_GZIP: mediatypes.OCI_LAYER_NONDIST_GZIP,
            }.get(media_type, media_type)
