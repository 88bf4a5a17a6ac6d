"""``berth volume create|ls|inspect|rm|prune``, as the docker CLI (28.x) has them."""

from __future__ import annotations

import json
import re
import sys

from berth.cli.commands._prune import filters_of, report
from berth.cli.format import table
from berth.client.errors import APIError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

    from berth.client import Client

HEADER = ("DRIVER", "VOLUME NAME")
_WARNING = {
    False: "WARNING! This will remove anonymous local volumes not used by at least one "
           "container.",
    True: "WARNING! This will remove all local volumes not used by at least one container.",
}


def _pairs(items: list[str]) -> dict[str, str]:
    """``k=v`` flags as a map (a bare ``k`` is an empty value, as the docker CLI's)."""
    out = {}
    for item in items:
        key, _, value = item.partition("=")
        out[key] = value
    return out


def natural_key(name: str) -> list[tuple[int, int, str]]:
    """The docker CLI's natural order (``sortorder.NaturalLess``): runs of digits by value."""
    return [(0, int(part), part) if part.isdigit() else (1, 0, part)
            for part in re.findall(r"\d+|\D+", name)]


def create(args: argparse.Namespace, client: Client) -> int:
    if args.name and args.volume and args.name != args.volume:
        print("Conflicting options: either specify --name or provide positional arg, not both",
              file=sys.stderr)
        return 1
    volume = client.volumes.create(args.name or args.volume or "", args.driver,
                                   _pairs(args.opt), _pairs(args.label))
    print(volume["Name"])
    return 0


def ls(args: argparse.Namespace, client: Client) -> int:
    found = client.volumes.list(filters_of(args.filter))
    for warning in found.get("Warnings") or []:
        print(warning, file=sys.stderr)
    volumes = sorted(found.get("Volumes") or [], key=lambda v: natural_key(v["Name"]))
    fmt = args.format
    if args.quiet and not fmt:
        fmt = "{{.Name}}"
    if fmt and fmt != "table":
        from berth.cli.contexts import VolumeContext
        from berth.cli.formatter import FormatError, write

        try:
            sys.stdout.write(write(fmt, [VolumeContext(v) for v in volumes],
                                   VolumeContext.HEADER))
        except FormatError as e:
            print(e.message, file=sys.stderr)
            return e.status
        return 0
    print(table(HEADER, [(v.get("Driver", ""), v["Name"]) for v in volumes]), end="")
    return 0


def inspect(args: argparse.Namespace, client: Client) -> int:
    found: list[Any] = []
    errors = []
    for name in args.volumes:
        try:
            found.append(client.volumes.inspect(name))
        except APIError as e:
            errors.append(f"Error response from daemon: {e.message}")
    return print_inspected(found, args.format, errors)


def print_inspected(found: list[Any], fmt: str | None, errors: list[str]) -> int:
    """What ``volume inspect`` and ``network inspect`` print: the objects as JSON or
    through ``--format``, then the errors; docker's status."""
    if fmt:
        from berth.cli.commands._format import LISTS, MAPS, POINTERS, RECORDS
        from berth.cli.formatter import FormatError, parse
        from berth.cli.template import ExecError, structs

        try:
            tmpl = parse("{{json .}}" if fmt == "json" else fmt)
        except FormatError as e:
            print(e.message, file=sys.stderr)
            return 64
        for item in found:
            try:
                print(tmpl.execute(structs(item, MAPS, LISTS, POINTERS, RECORDS)))
            except ExecError as e:
                errors.append(f"template parsing error: {e}")
    else:
        print(json.dumps(found, indent=4))
    for message in errors:
        print(message, file=sys.stderr)
    return 1 if errors else 0


def rm(args: argparse.Namespace, client: Client) -> int:
    status = 0
    for name in args.volumes:
        try:
            client.volumes.remove(name, force=args.force)
        except APIError as e:
            print(f"Error response from daemon: {e.message}", file=sys.stderr)
            status = 1
            continue
        print(name, flush=True)
    return status


def prune(args: argparse.Namespace, client: Client) -> int:
    if not args.force:
        print(_WARNING[args.all] + "\nAre you sure you want to continue? [y/N] ", end="",
              flush=True)
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            return 0
    filters = filters_of(args.filter)
    if args.all:
        filters["all"] = ["true"]
    pruned = client.volumes.prune(filters)
    report("Deleted Volumes", pruned.get("VolumesDeleted") or [],
           pruned.get("SpaceReclaimed") or 0)
    return 0


_COMMANDS = {"volume create": create, "volume ls": ls, "volume inspect": inspect,
             "volume rm": rm, "volume prune": prune}


def run(args: argparse.Namespace, client: Client) -> int:
    return _COMMANDS[args.command](args, client)
