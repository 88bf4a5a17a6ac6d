"""``--change`` instructions (Dockerfile syntax) applied to an image config."""

import json
import shlex
from typing import Any

from berth.errors import InvalidArgument

ALLOWED = ("CMD", "ENTRYPOINT", "ENV", "EXPOSE", "LABEL", "ONBUILD", "STOPSIGNAL", "USER",
           "VOLUME", "WORKDIR")


def _exec_or_shell(rest: str) -> list[str]:
    text = rest.strip()
    if text.startswith("["):
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
    return ["/bin/sh", "-c", text]


def _pairs(rest: str, what: str) -> list[tuple[str, str]]:
    words = shlex.split(rest)
    if not words:
        raise InvalidArgument(f"{what} requires at least one argument")
    if "=" not in words[0]:
        if len(words) < 2:
            raise InvalidArgument(f"{what} requires at least two arguments")
        key, _, value = rest.strip().partition(" ")
        return [(key, value.strip())]
    out = []
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or not key:
            raise InvalidArgument(f"{what} names must be followed by =value: {word!r}")
        out.append((key, value))
    return out


def apply_changes(config: dict[str, Any], changes: list[str]) -> dict[str, Any]:
    """A new config with each change applied in order."""
    out = dict(config)
    for change in changes:
        if not change.strip():
            continue
        word, _, rest = change.strip().partition(" ")
        instruction = word.upper()
        if instruction not in ALLOWED:
            raise InvalidArgument(f"{word} is not a valid change command")
        if instruction == "CMD":
            out["Cmd"] = _exec_or_shell(rest)
        elif instruction == "ENTRYPOINT":
            out["Entrypoint"] = _exec_or_shell(rest)
        elif instruction == "ENV":
            env = list(out.get("Env") or [])
            for key, value in _pairs(rest, "ENV"):
                env = [e for e in env if e.split("=", 1)[0] != key] + [f"{key}={value}"]
            out["Env"] = env
        elif instruction == "LABEL":
            labels = dict(out.get("Labels") or {})
            labels.update(_pairs(rest, "LABEL"))
            out["Labels"] = labels
        elif instruction == "EXPOSE":
            ports = dict(out.get("ExposedPorts") or {})
            for port in rest.split():
                ports[port if "/" in port else port + "/tcp"] = {}
            out["ExposedPorts"] = ports
        elif instruction == "VOLUME":
            volumes = dict(out.get("Volumes") or {})
            for path in _exec_or_shell(rest) if rest.strip().startswith("[") else rest.split():
                volumes[path] = {}
            out["Volumes"] = volumes
        elif instruction == "WORKDIR":
            out["WorkingDir"] = rest.strip()
        elif instruction == "USER":
            out["User"] = rest.strip()
        elif instruction == "STOPSIGNAL":
            out["StopSignal"] = rest.strip()
        elif instruction == "ONBUILD":
            out["OnBuild"] = [*(out.get("OnBuild") or []), rest.strip()]
    return out
