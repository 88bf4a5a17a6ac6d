"""``--change`` instructions (Dockerfile syntax) applied to an image config.

What ``docker import -c`` and ``docker commit -c`` accept: CMD, ENTRYPOINT,
ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR. Exec (JSON)
and shell forms; Dockerfile quoting for ``key=value`` pairs; ``$VAR``,
``${VAR}``, ``${VAR:-word}`` and ``${VAR:+word}`` expanded from the config's
own environment in ENV, LABEL, EXPOSE, STOPSIGNAL, USER, VOLUME and WORKDIR.
"""

import json
import posixpath
import re
from typing import Any

from berth.errors import InvalidArgument

ALLOWED = ("CMD", "ENTRYPOINT", "ENV", "EXPOSE", "LABEL", "ONBUILD", "STOPSIGNAL", "USER",
           "VOLUME", "WORKDIR")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PORT = re.compile(r"^(\d+)(?:-(\d+))?(?:/([A-Za-z]+))?$")


def _json_array(text: str) -> list[str] | None:
    if not text.startswith("["):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def _exec_or_shell(rest: str) -> list[str]:
    return _json_array(rest) or ["/bin/sh", "-c", rest]


def _expand_var(text: str, i: int, env: dict[str, str]) -> tuple[str, int]:
    """Expand the variable at ``text[i] == '$'``; the value and the index after it."""
    if i + 1 < len(text) and text[i + 1] == "{":
        end = text.find("}", i + 2)
        if end < 0:
            raise InvalidArgument(f"missing '}}' in {text!r}")
        body = text[i + 2:end]
        name, op, word = body, "", ""
        for candidate in (":-", ":+"):
            if candidate in body:
                name, _, word = body.partition(candidate)
                op = candidate
                break
        if not _NAME.fullmatch(name):
            raise InvalidArgument(f"bad substitution in {text!r}")
        value = env.get(name, "")
        if op == ":-":
            value = value or word
        elif op == ":+":
            value = word if value else ""
        return value, end + 1
    m = _NAME.match(text, i + 1)
    if m is None:
        return "$", i + 1
    return env.get(m.group(0), ""), m.end()


def _words(text: str, env: dict[str, str]) -> list[str]:
    """Split like the Dockerfile shell lexer: quotes, backslash escapes, $ expansion."""
    words: list[str] = []
    cur: list[str] = []
    in_word = False
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            if in_word:
                words.append("".join(cur))
                cur, in_word = [], False
            i += 1
            continue
        in_word = True
        if c == "\\" and i + 1 < n:
            cur.append(text[i + 1])
            i += 2
        elif c == "'":
            end = text.find("'", i + 1)
            if end < 0:
                raise InvalidArgument(f"unexpected end of statement while looking for "
                                      f"matching single-quote: {text!r}")
            cur.append(text[i + 1:end])
            i = end + 1
        elif c == '"':
            i += 1
            while i < n and text[i] != '"':
                if text[i] == "\\" and i + 1 < n and text[i + 1] in '"\\$':
                    cur.append(text[i + 1])
                    i += 2
                elif text[i] == "$":
                    value, i = _expand_var(text, i, env)
                    cur.append(value)
                else:
                    cur.append(text[i])
                    i += 1
            if i >= n:
                raise InvalidArgument(f"unexpected end of statement while looking for "
                                      f"matching double-quote: {text!r}")
            i += 1
        elif c == "$":
            value, i = _expand_var(text, i, env)
            cur.append(value)
        else:
            cur.append(c)
            i += 1
    if in_word:
        words.append("".join(cur))
    return words


def _pairs(rest: str, what: str, env: dict[str, str]) -> list[tuple[str, str]]:
    """``key=value ...`` or the legacy ``key value`` form."""
    first = rest.split(None, 1)
    if not first:
        raise InvalidArgument(f"{what} requires at least one argument")
    if "=" not in first[0]:
        if len(first) < 2:
            raise InvalidArgument(f"{what} must have two arguments")
        key = _words(first[0], env)[0]
        return [(key, " ".join(_words(first[1], env)))]
    out = []
    for word in _words(rest, env):
        key, sep, value = word.partition("=")
        if not sep or not key:
            raise InvalidArgument(f"{what} names can not be blank: {word!r}")
        out.append((key, value))
    return out


def _env_of(config: dict[str, Any]) -> dict[str, str]:
    return dict(e.split("=", 1) if "=" in e else (e, "") for e in config.get("Env") or [])


def _ports(rest: str, env: dict[str, str]) -> list[str]:
    out = []
    for spec in _words(rest, env):
        m = _PORT.match(spec)
        if m is None:
            raise InvalidArgument(f"invalid containerPort: {spec}")
        start, end = int(m.group(1)), int(m.group(2) or m.group(1))
        proto = (m.group(3) or "tcp").lower()
        if end < start or end > 65535:
            raise InvalidArgument(f"invalid range specified for container port: {spec}")
        out += [f"{p}/{proto}" for p in range(start, end + 1)]
    return out


def apply_changes(config: dict[str, Any], changes: list[str]) -> dict[str, Any]:
    """A new config (the ``config`` part of an image config) with each change applied."""
    out = dict(config)
    cmd_set = False
    for change in changes:
        for line in change.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            word, _, rest = line.strip().partition(" ")
            rest = rest.strip()
            instruction = word.upper()
            if instruction not in ALLOWED:
                raise InvalidArgument(f"{word.lower()} is not a valid change command")
            cmd_set = _apply(out, instruction, rest, cmd_set)
    return out


def _apply(out: dict[str, Any], instruction: str, rest: str, cmd_set: bool) -> bool:
    env = _env_of(out)
    if instruction in ("CMD", "ENTRYPOINT"):
        key = "Cmd" if instruction == "CMD" else "Entrypoint"
        out[key] = _exec_or_shell(rest) if rest else None
        if instruction == "ENTRYPOINT" and not cmd_set:
            out.pop("Cmd", None)  # as docker: a new ENTRYPOINT drops the old CMD
        return cmd_set or instruction == "CMD"
    if not rest:
        raise InvalidArgument(f"{instruction.lower()} requires at least one argument")
    if instruction == "ENV":
        new = _pairs(rest, "ENV", env)
        values = [e for e in out.get("Env") or []]
        for key, value in new:
            values = [e for e in values if e.split("=", 1)[0] != key] + [f"{key}={value}"]
        out["Env"] = values
    elif instruction == "LABEL":
        out["Labels"] = {**(out.get("Labels") or {}), **dict(_pairs(rest, "LABEL", env))}
    elif instruction == "EXPOSE":
        out["ExposedPorts"] = {**(out.get("ExposedPorts") or {}),
                               **{p: {} for p in _ports(rest, env)}}
    elif instruction == "VOLUME":
        paths = _json_array(rest) or _words(rest, env)
        if any(not p for p in paths):
            raise InvalidArgument("VOLUME specified can not be an empty string")
        out["Volumes"] = {**(out.get("Volumes") or {}), **{p: {} for p in paths}}
    elif instruction == "WORKDIR":
        workdir = " ".join(_words(rest, env))
        out["WorkingDir"] = posixpath.normpath(
            posixpath.join("/", out.get("WorkingDir") or "/", workdir))
    elif instruction == "USER":
        out["User"] = " ".join(_words(rest, env))
    elif instruction == "STOPSIGNAL":
        out["StopSignal"] = " ".join(_words(rest, env))
    elif instruction == "ONBUILD":
        first = rest.split(None, 1)[0].upper()
        if first in ("ONBUILD", "FROM", "MAINTAINER"):
            raise InvalidArgument(f"{first} isn't allowed as an ONBUILD trigger")
        out["OnBuild"] = [*(out.get("OnBuild") or []), rest]
    return cmd_set
