"""``RUN --mount`` and ``RUN --network``, as BuildKit defines them, made into OCI mounts.

- ``type=cache,target=P[,id=I][,sharing=shared|private|locked][,mode,uid,gid][,ro]``:
  a directory under ``<data-root>/builder/cache-mounts`` kept between builds
  (listed in the build cache, removed by ``builder prune``), keyed by ``id``
  (the target by default); never part of the image.
- ``type=bind,target=P[,source=S][,from=STAGE|IMAGE][,rw]``: ``S`` of the context
  (or of a stage or image) bound read-only; ``rw`` gives a writable copy whose
  writes are dropped.
- ``type=tmpfs,target=P[,size=N]``: a fresh tmpfs.
- ``type=secret,id=I[,target=P][,required][,mode,uid,gid]``: the build secret ``I``
  bound read-only at ``/run/secrets/I`` (or ``P``). It is a mount, so it never
  lands in a layer, and it is not part of the step's history or cache key.
"""

import hashlib
from dataclasses import dataclass, field

from berth.errors import InvalidArgument

_TYPES = ("bind", "cache", "tmpfs", "secret", "ssh")


@dataclass(frozen=True, slots=True)
class MountSpec:
    type: str
    target: str
    options: dict[str, str] = field(default_factory=dict)

    @property
    def readonly(self) -> bool:
        return self.options.get("readonly", "false") != "false"

    def cache_id(self) -> str:
        """The directory name of a cache mount: its id (its target by default)."""
        key = self.options.get("id") or self.target
        return hashlib.sha256(key.encode()).hexdigest()[:32]

    def key_text(self) -> str:
        """What of the mount reaches the cache key (a secret's content never does)."""
        opts = ",".join(f"{k}={v}" for k, v in sorted(self.options.items()))
        return f"{self.type}:{self.target}:{opts}"


def parse_mount(text: str) -> MountSpec:
    """One ``--mount`` value (comma-separated ``key=value``; ``ro``/``rw``/``required``
    may stand alone)."""
    options: dict[str, str] = {}
    for field_ in text.split(","):
        if not field_:
            continue
        key, eq, value = field_.partition("=")
        key = key.strip().lower()
        if not eq:
            if key in ("ro", "readonly", "rw", "readwrite", "required"):
                value = "true"
            else:
                raise InvalidArgument(f"invalid field '{field_}' must be a key=value pair")
        options[key] = value
    kind = options.pop("type", "bind")
    if kind not in _TYPES:
        raise InvalidArgument(f"unsupported mount type {kind!r}")
    if kind == "ssh":
        raise InvalidArgument("RUN --mount=type=ssh is not supported: berth has no SSH "
                              "agent forwarding")
    target = options.pop("target", options.pop("dst", options.pop("destination", "")))
    if kind == "secret":
        ident = options.get("id") or target.rsplit("/", 1)[-1]
        if not ident:
            raise InvalidArgument("secret mount requires an id or a target")
        options["id"] = ident
        target = target or f"/run/secrets/{ident}"
    if not target:
        raise InvalidArgument(f"mount type={kind} requires a target")
    if not target.startswith("/"):
        target = "/" + target
    if "rw" in options or "readwrite" in options:
        options.pop("readwrite", None)
        options["rw"] = "true"
    if "ro" in options:
        options["readonly"] = options.pop("ro")
    return MountSpec(kind, target, options)


def network_mode(value: str | None, default: str) -> str:
    """``RUN --network``: docker's ``default`` (the build's), ``none`` or ``host``."""
    if value is None or value == "default":
        return default
    if value not in ("none", "host"):
        raise InvalidArgument(f"unsupported network mode {value!r}: default, none or host")
    return value
