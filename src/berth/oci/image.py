"""OCI image-spec values: descriptors, manifests, indexes and image configs.

Each is a frozen dataclass with ``from_json`` (a parsed JSON object) and
``to_json`` (a dict with the spec's exact field names, optional fields left
out when empty). Docker schema2 manifests and configs have the same shape and
are read by the same classes. Unknown fields of a config are kept, so a
config read and written again loses nothing. ``canonical`` gives the bytes
berth stores for a value it makes itself (compact JSON, like Go's encoder).
"""

import json
from dataclasses import dataclass, field
from typing import Any

from berth.errors import InvalidArgument
from berth.oci import digest as digests
from berth.oci import mediatypes

JSON = dict[str, Any]


def canonical(value: JSON) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def loads(data: bytes, what: str) -> JSON:
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError) as e:
        raise InvalidArgument(f"invalid {what}: {e}") from None
    if not isinstance(value, dict):
        raise InvalidArgument(f"invalid {what}: not a JSON object")
    return value


def _obj(value: object, what: str) -> JSON:
    if not isinstance(value, dict):
        raise InvalidArgument(f"invalid {what}: not a JSON object")
    return value


def _strs(value: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


@dataclass(frozen=True, slots=True)
class Platform:
    architecture: str
    os: str
    variant: str = ""
    os_version: str = ""
    os_features: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, j: JSON) -> "Platform":
        j = _obj(j, "platform")
        return cls(str(j.get("architecture", "")), str(j.get("os", "")),
                   str(j.get("variant", "")), str(j.get("os.version", "")),
                   tuple(j.get("os.features") or ()))

    def to_json(self) -> JSON:
        out: JSON = {"architecture": self.architecture, "os": self.os}
        if self.os_version:
            out["os.version"] = self.os_version
        if self.os_features:
            out["os.features"] = list(self.os_features)
        if self.variant:
            out["variant"] = self.variant
        return out


@dataclass(frozen=True, slots=True)
class Descriptor:
    media_type: str
    digest: str
    size: int
    urls: tuple[str, ...] = ()
    annotations: dict[str, str] = field(default_factory=dict)
    platform: Platform | None = None
    artifact_type: str = ""

    @classmethod
    def from_json(cls, j: JSON) -> "Descriptor":
        j = _obj(j, "descriptor")
        size = j.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise InvalidArgument(f"invalid descriptor: bad size {size!r}")
        dgst = j.get("digest")
        if not isinstance(dgst, str):
            raise InvalidArgument("invalid descriptor: no digest")
        digests.validate(dgst)
        platform = j.get("platform")
        return cls(str(j.get("mediaType", "")), dgst, size, tuple(j.get("urls") or ()),
                   _strs(j.get("annotations")),
                   Platform.from_json(platform) if platform else None,
                   str(j.get("artifactType", "")))

    def to_json(self) -> JSON:
        out: JSON = {"mediaType": self.media_type, "digest": self.digest, "size": self.size}
        if self.urls:
            out["urls"] = list(self.urls)
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        if self.platform is not None:
            out["platform"] = self.platform.to_json()
        if self.artifact_type:
            out["artifactType"] = self.artifact_type
        return out


@dataclass(frozen=True, slots=True)
class Manifest:
    config: Descriptor
    layers: tuple[Descriptor, ...]
    media_type: str = mediatypes.OCI_MANIFEST
    schema_version: int = 2
    annotations: dict[str, str] = field(default_factory=dict)
    subject: Descriptor | None = None
    artifact_type: str = ""

    @classmethod
    def from_json(cls, j: JSON) -> "Manifest":
        j = _obj(j, "manifest")
        if j.get("schemaVersion") != 2:
            raise InvalidArgument(f"unsupported manifest schemaVersion {j.get('schemaVersion')!r}")
        media_type = str(j.get("mediaType") or mediatypes.OCI_MANIFEST)
        if media_type not in mediatypes.MANIFESTS:
            raise InvalidArgument(f"not an image manifest: media type {media_type}")
        layers = j.get("layers") or []
        if not isinstance(layers, list):
            raise InvalidArgument("invalid manifest: layers is not a list")
        subject = j.get("subject")
        return cls(Descriptor.from_json(j.get("config")),  # type: ignore[arg-type]
                   tuple(Descriptor.from_json(x) for x in layers), media_type, 2,
                   _strs(j.get("annotations")),
                   Descriptor.from_json(subject) if subject else None,
                   str(j.get("artifactType", "")))

    @classmethod
    def parse(cls, data: bytes) -> "Manifest":
        return cls.from_json(loads(data, "manifest"))

    def to_json(self) -> JSON:
        out: JSON = {"schemaVersion": self.schema_version, "mediaType": self.media_type}
        if self.artifact_type:
            out["artifactType"] = self.artifact_type
        out["config"] = self.config.to_json()
        out["layers"] = [x.to_json() for x in self.layers]
        if self.subject is not None:
            out["subject"] = self.subject.to_json()
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        return out


@dataclass(frozen=True, slots=True)
class Index:
    manifests: tuple[Descriptor, ...]
    media_type: str = mediatypes.OCI_INDEX
    schema_version: int = 2
    annotations: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, j: JSON) -> "Index":
        j = _obj(j, "index")
        if j.get("schemaVersion") != 2:
            raise InvalidArgument(f"unsupported index schemaVersion {j.get('schemaVersion')!r}")
        manifests = j.get("manifests") or []
        if not isinstance(manifests, list):
            raise InvalidArgument("invalid index: manifests is not a list")
        return cls(tuple(Descriptor.from_json(x) for x in manifests),
                   str(j.get("mediaType") or mediatypes.OCI_INDEX), 2,
                   _strs(j.get("annotations")))

    def to_json(self) -> JSON:
        out: JSON = {"schemaVersion": self.schema_version, "mediaType": self.media_type,
                     "manifests": [x.to_json() for x in self.manifests]}
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        return out


@dataclass(frozen=True, slots=True)
class History:
    created: str = ""
    created_by: str = ""
    author: str = ""
    comment: str = ""
    empty_layer: bool = False

    @classmethod
    def from_json(cls, j: JSON) -> "History":
        j = _obj(j, "history entry")
        return cls(str(j.get("created") or ""), str(j.get("created_by") or ""),
                   str(j.get("author") or ""), str(j.get("comment") or ""),
                   bool(j.get("empty_layer")))

    def to_json(self) -> JSON:
        out: JSON = {}
        for key in ("created", "created_by", "author", "comment"):
            if value := getattr(self, key):
                out[key] = value
        if self.empty_layer:
            out["empty_layer"] = True
        return out


_CONFIG_KEYS = ("created", "author", "architecture", "os", "variant", "config", "rootfs",
                "history")


@dataclass(frozen=True, slots=True)
class ImageConfig:
    """An image config. ``config`` (Env, Cmd, Entrypoint...) stays a JSON dict as written."""

    architecture: str
    os: str
    diff_ids: tuple[str, ...]
    config: JSON = field(default_factory=dict)
    created: str = ""
    author: str = ""
    variant: str = ""
    history: tuple[History, ...] = ()
    extra: JSON = field(default_factory=dict)  # every other field (docker's "comment", ...)

    @classmethod
    def from_json(cls, j: JSON) -> "ImageConfig":
        j = _obj(j, "image config")
        rootfs = _obj(j.get("rootfs"), "image config rootfs")
        if rootfs.get("type") != "layers":
            raise InvalidArgument(f"invalid image config: rootfs type {rootfs.get('type')!r}")
        diff_ids = rootfs.get("diff_ids") or []
        if not isinstance(diff_ids, list):
            raise InvalidArgument("invalid image config: diff_ids is not a list")
        for d in diff_ids:
            digests.validate(d)
        history = j.get("history") or []
        extra = {k: v for k, v in j.items() if k not in _CONFIG_KEYS}
        return cls(str(j.get("architecture", "")), str(j.get("os", "")), tuple(diff_ids),
                   dict(j.get("config") or {}), str(j.get("created") or ""),
                   str(j.get("author") or ""), str(j.get("variant") or ""),
                   tuple(History.from_json(h) for h in history), extra)

    @classmethod
    def parse(cls, data: bytes) -> "ImageConfig":
        return cls.from_json(loads(data, "image config"))

    def to_json(self) -> JSON:
        out: JSON = {}
        if self.created:
            out["created"] = self.created
        if self.author:
            out["author"] = self.author
        out["architecture"] = self.architecture
        if self.variant:
            out["variant"] = self.variant
        out["os"] = self.os
        out.update(self.extra)
        out["config"] = dict(self.config)
        out["rootfs"] = {"type": "layers", "diff_ids": list(self.diff_ids)}
        if self.history:
            out["history"] = [h.to_json() for h in self.history]
        return out
