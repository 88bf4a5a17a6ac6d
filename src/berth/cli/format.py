"""Docker's output formats: human sizes and durations, ids, tables, quoted commands.

Each function mirrors the docker CLI helper named in its docstring, so that a
script reading ``docker ps`` or ``docker images`` reads ``berth``'s the same way.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from berth.util.units import human_duration

_DECIMAL = ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")
_BINARY = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB")


def _scaled(size: float, base: float, units: Sequence[str]) -> tuple[float, str]:
    i = 0
    while size >= base and i < len(units) - 1:
        size /= base
        i += 1
    return size, units[i]


def human_size(size: float, precision: int = 3) -> str:
    """go-units ``HumanSizeWithPrecision``: decimal units, ``%.3g`` (``5.37MB``)."""
    value, unit = _scaled(float(size), 1000.0, _DECIMAL)
    return f"{value:.{precision}g}{unit}"


def bytes_size(size: float) -> str:
    """go-units ``BytesSize``: binary units, ``%.4g`` (``3.821GiB``)."""
    value, unit = _scaled(float(size), 1024.0, _BINARY)
    return f"{value:.4g}{unit}"


def ago(timestamp: float, now: float) -> str:
    """The CREATED column: ``2 minutes ago``."""
    return human_duration(now - timestamp) + " ago"


def short_id(id_: str, no_trunc: bool = False) -> str:
    """``stringid.TruncateID``: drop ``sha256:`` and keep 12 hex digits."""
    if no_trunc:
        return id_
    return id_.split(":", 1)[-1][:12]


def ellipsis(text: str, width: int) -> str:
    """``formatter.Ellipsis``: cut to ``width`` characters, the last one ``…``."""
    if width <= 0:
        return ""
    if len(text) <= width:
        return text
    if width == 1:
        return text[0]
    return text[:width - 1] + "…"


def go_quote(text: str) -> str:
    """``strconv.Quote`` for the text docker shows (printable UTF-8 kept as is)."""
    return json.dumps(text, ensure_ascii=False)


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """docker's tabwriter (minwidth 10, padding 3): every column but the last is as
    wide as its widest cell plus 3, and at least 10."""
    widths = [len(h) for h in header]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    widths = [max(w + 3, 10) for w in widths]
    lines = []
    for row in (header, *rows):
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])]
        lines.append(("".join(cells) + row[-1]).rstrip())
    return "\n".join(lines) + "\n"


def ports(items: Sequence[dict[str, object]]) -> str:
    """The PORTS column: ``0.0.0.0:8080->80/tcp, 443/tcp``."""
    out: list[str] = []
    for p in sorted(items, key=lambda p: (str(p.get("Type", "")), _int(p.get("PrivatePort")),
                                          str(p.get("IP", "")))):
        proto = p.get("Type") or "tcp"
        private = p.get("PrivatePort")
        public = p.get("PublicPort")
        if public:
            ip = str(p.get("IP") or "0.0.0.0")
            host = f"[{ip}]" if ":" in ip else ip
            entry = f"{host}:{public}->{private}/{proto}"
        else:
            entry = f"{private}/{proto}"
        if entry not in out:
            out.append(entry)
    return ", ".join(out)


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def split_reference(ref: str) -> tuple[str, str]:
    """``repo[:tag]`` -> (repo, tag); a port in the registry part is no tag."""
    name, _, tag = ref.rpartition(":")
    if not name or "/" in tag:
        return ref, ""
    return name, tag


def familiar_tagged(image: str) -> str:
    """How docker names an image reference in messages: ``busybox`` -> ``busybox:latest``,
    ``docker.io/library/busybox`` -> ``busybox:latest``; digests and ids unchanged."""
    if "@" in image or image.startswith("sha256:"):
        return image
    name = image
    for prefix in ("docker.io/library/", "index.docker.io/library/", "docker.io/"):
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    repo, tag = split_reference(name)
    return f"{repo}:{tag or 'latest'}"
