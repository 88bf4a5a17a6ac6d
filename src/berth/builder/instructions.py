"""Docker's checks of each instruction's arguments and flags, made at parse time.

Each message is docker's (BuildKit's ``frontend/dockerfile/instructions/parse.go`` and
``bflag.go``), and the order of the checks is docker's too, so the first fault docker
reports for an instruction is the one berth reports.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from berth.builder.ast import Heredoc
from berth.builder.keyvalues import parse_key_values
from berth.builder.lexer import heredoc_word
from berth.builder.words import WHITESPACE, go_quote, go_strip, split_words
from berth.errors import InvalidArgument
from berth.util.timefmt import parse_go_duration

KEYWORDS = ("ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK",
            "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME",
            "WORKDIR")

_STRING, _STRINGS, _BOOL = "string", "strings", "bool"
FLAGS: dict[str, dict[str, str]] = {
    "ADD": {"chown": _STRING, "chmod": _STRING, "link": _BOOL, "keep-git-dir": _BOOL,
            "checksum": _STRING, "unpack": _BOOL, "exclude": _STRINGS},
    "COPY": {"chown": _STRING, "from": _STRING, "chmod": _STRING, "link": _BOOL,
             "exclude": _STRINGS, "parents": _BOOL},
    "FROM": {"platform": _STRING},
    "RUN": {"mount": _STRINGS, "network": _STRING, "security": _STRING},
    "HEALTHCHECK": {"interval": _STRING, "timeout": _STRING, "start-period": _STRING,
                    "start-interval": _STRING, "retries": _STRING},
}
_STAGE_NAME = re.compile(r"[a-z][a-z0-9\-_.]*\Z")
_GO_INT = re.compile(r"[+-]?[0-9]+\Z")
_HEALTH_DURATIONS = ("interval", "timeout", "start-period", "start-interval")


def levenshtein(a: str, b: str) -> int:
    """The edit distance docker's "did you mean" suggestions use."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def suggest(value: str, options: tuple[str, ...] | list[str], case_sensitive: bool) -> str:
    """`` (did you mean X?)`` for the option within two edits of ``value``, else ''."""
    wanted = value if case_sensitive else value.lower()
    if len(wanted) > 64:
        return ""
    match, best = "", 3
    for option in options:
        candidate = option if case_sensitive else option.lower()
        if candidate == wanted:
            return ""
        distance = levenshtein(wanted, candidate)
        if distance < best:
            match, best = candidate, distance
    if match and not case_sensitive:
        match = match.upper() if value == value.upper() else \
            match.lower() if value == value.lower() else match
    return f" (did you mean {match}?)" if match else ""


def parse_flags(keyword: str, raw: list[str]) -> tuple[tuple[str, str], ...]:
    """The ``(name, value)`` pairs of an instruction's flag words, checked as docker's
    BFlags.Parse checks them; a boolean's value becomes ``"true"``/``"false"``."""
    allowed = FLAGS.get(keyword, {})
    parsed: list[tuple[str, str]] = []
    used: set[str] = set()
    for word in raw:
        if word == "--":
            break
        if not word.startswith("--"):
            raise InvalidArgument(f"arg should start with -- : {word}")
        flag, eq, value = word.partition("=")
        name = flag[2:]
        kind = allowed.get(name)
        if kind is None:
            raise InvalidArgument(f"unknown flag: {flag}" + suggest(name, list(allowed), True))
        if name in used and kind != _STRINGS:
            raise InvalidArgument(f"duplicate flag specified: {flag}")
        used.add(name)
        if kind == _BOOL:
            if eq and not value:
                raise InvalidArgument(f"missing a value on flag: {flag}")
            if value.lower() not in ("", "true", "false"):
                raise InvalidArgument(f"expecting boolean value for flag {flag}, not: {value}")
            value = "false" if value.lower() == "false" else "true"
        elif not eq:
            raise InvalidArgument(f"missing a value on flag: {flag}")
        parsed.append((name, value))
    return tuple(parsed)


def go_duration_seconds(name: str, text: str) -> float:
    """A HEALTHCHECK ``--interval``-style value: Go's time.ParseDuration, then docker's
    floor of 1ms (0 means "the default")."""
    if text == "":
        return 0.0
    unsigned = text[1:] if text[:1] in ("+", "-") else text
    seconds = parse_go_duration(unsigned) if unsigned.isascii() else None
    if seconds is None:
        if re.fullmatch(r"[0-9.]+", unsigned) and unsigned != "0":
            raise InvalidArgument(f"time: missing unit in duration {go_quote(text)}")
        raise InvalidArgument(f"time: invalid duration {go_quote(text)}")
    if text.startswith("-") and seconds:
        seconds = -seconds
    if seconds and seconds < 0.001:
        raise InvalidArgument(f"Interval {go_quote(name)} cannot be less than 1ms")
    return seconds


def _health_retries(text: str) -> None:
    if not _GO_INT.match(text):
        raise InvalidArgument(f"strconv.ParseInt: parsing {go_quote(text)}: invalid syntax")
    retries = int(text)
    if not -(2**31) <= retries < 2**31:
        raise InvalidArgument(f"strconv.ParseInt: parsing {go_quote(text)}: value out of range")
    if retries < 0:
        raise InvalidArgument(f"--retries cannot be negative ({retries})")


def check_healthcheck(args: tuple[str, ...], json_form: bool, raw_flags: list[str]
                      ) -> tuple[tuple[str, str], ...]:
    """HEALTHCHECK NONE (flags not even read, as in docker) or CMD with valid options."""
    if not args:
        raise InvalidArgument("HEALTHCHECK requires at least one argument")
    kind = args[0].upper()
    if kind == "NONE":
        if len(args) > 1:
            raise InvalidArgument("HEALTHCHECK NONE takes no arguments")
        return ()
    flags = parse_flags("HEALTHCHECK", raw_flags)
    if kind != "CMD":
        raise InvalidArgument(f"Unknown type {go_quote(kind)} in HEALTHCHECK (try CMD)")
    if len(args) < 2:
        raise InvalidArgument("Missing command after HEALTHCHECK CMD")
    values = dict(flags)
    for name in _HEALTH_DURATIONS:
        go_duration_seconds(name, values.get(name, ""))
    if values.get("retries"):
        _health_retries(values["retries"])
    return flags


def _exactly_one(keyword: str, args: list[str]) -> None:
    if len(args) != 1:
        raise InvalidArgument(f"{keyword} requires exactly one argument")


def _at_least_one(keyword: str, args: list[str]) -> None:
    if not args:
        raise InvalidArgument(f"{keyword} requires at least one argument")


def must_heredoc_word(word: str) -> Heredoc | None:
    try:
        return heredoc_word(word)
    except InvalidArgument:
        return None


def _sources_and_dest(keyword: str, args: list[str], raw: list[str]) -> tuple[tuple[str, str], ...]:
    if len(args) < 2:
        raise InvalidArgument(f"{keyword} requires at least two arguments, but only one was "
                              "provided. Destination could not be determined")
    flags = parse_flags(keyword, raw)
    if must_heredoc_word(args[-1]) is not None:
        raise InvalidArgument(f"{keyword} cannot accept a heredoc as a destination")
    return flags


def stage_name(args: list[str]) -> str | None:
    """The ``AS`` name of ``FROM image AS name``, lower-cased and checked as docker does."""
    if len(args) == 3 and args[1].lower() == "as":
        name = args[2].lower()
        if not _STAGE_NAME.match(name):
            raise InvalidArgument(f"invalid name for build stage: {go_quote(args[2])}, "
                                  "name can't start with a number or contain symbols")
        return name
    if len(args) != 1:
        raise InvalidArgument("FROM requires either one or three arguments")
    return None


def _onbuild(args: list[str], raw: list[str], escape: str) -> tuple[tuple[str, str], ...]:
    _at_least_one("ONBUILD", args)
    flags = parse_flags("ONBUILD", raw)
    trigger = WHITESPACE.split(args[0].strip(), maxsplit=1)[0].upper()
    if trigger == "ONBUILD":
        raise InvalidArgument("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")
    if trigger in ("MAINTAINER", "FROM"):
        raise InvalidArgument(f"{trigger} isn't allowed as an ONBUILD trigger")
    return flags


def node_args(keyword: str, rest: str, listed: list[str] | None, escape: str) -> list[str]:
    """The argument list docker's line parser makes of ``rest`` for ``keyword``."""
    if listed is not None:
        return listed
    if keyword in ("ADD", "COPY", "VOLUME", "EXPOSE", "FROM"):
        return [w for w in WHITESPACE.split(rest) if w]
    if keyword == "ARG":
        return split_words(rest, escape)
    return [rest] if rest else []


Check = Callable[[list[str], list[str], str], tuple[tuple[str, str], ...]]


def _flags_only(keyword: str) -> Check:
    return lambda args, raw, escape: parse_flags(keyword, raw)


def _one_then_flags(keyword: str) -> Check:
    def check(args: list[str], raw: list[str], escape: str) -> tuple[tuple[str, str], ...]:
        _exactly_one(keyword, args)
        return parse_flags(keyword, raw)
    return check


def _env_like(keyword: str) -> Check:
    def check(args: list[str], raw: list[str], escape: str) -> tuple[tuple[str, str], ...]:
        flags = parse_flags(keyword, raw)
        parse_key_values(args[0] if args else "", keyword, escape)
        return flags
    return check


def _expose(args: list[str], raw: list[str], escape: str) -> tuple[tuple[str, str], ...]:
    _at_least_one("EXPOSE", args)
    return parse_flags("EXPOSE", raw)


def _volume(args: list[str], raw: list[str], escape: str) -> tuple[tuple[str, str], ...]:
    _at_least_one("VOLUME", args)
    flags = parse_flags("VOLUME", raw)
    if any(not go_strip(v) for v in args):
        raise InvalidArgument("VOLUME specified can not be an empty string")
    return flags


def _stopsignal(args: list[str], raw: list[str], escape: str) -> tuple[tuple[str, str], ...]:
    _exactly_one("STOPSIGNAL", args)
    return ()


def _arg(args: list[str], raw: list[str], escape: str) -> tuple[tuple[str, str], ...]:
    _at_least_one("ARG", args)
    for word in args:
        if word.startswith("="):
            raise InvalidArgument("ARG names can not be blank")
    return ()


def _from(args: list[str], raw: list[str], escape: str) -> tuple[tuple[str, str], ...]:
    stage_name(args)
    return parse_flags("FROM", raw)


CHECKS: dict[str, Check] = {
    "ADD": lambda args, raw, escape: _sources_and_dest("ADD", args, raw),
    "COPY": lambda args, raw, escape: _sources_and_dest("COPY", args, raw),
    "ARG": _arg,
    "CMD": _flags_only("CMD"),
    "ENTRYPOINT": _flags_only("ENTRYPOINT"),
    "RUN": _flags_only("RUN"),
    "ENV": _env_like("ENV"),
    "LABEL": _env_like("LABEL"),
    "EXPOSE": _expose,
    "FROM": _from,
    "MAINTAINER": _one_then_flags("MAINTAINER"),
    "USER": _one_then_flags("USER"),
    "WORKDIR": _one_then_flags("WORKDIR"),
    "ONBUILD": _onbuild,
    "STOPSIGNAL": _stopsignal,
    "VOLUME": _volume,
}
