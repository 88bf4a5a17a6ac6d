"""``--format`` for ``ps``, ``images``, ``history``, ``inspect``, ``version`` and ``info``.

Each command hands over here only when it is given a format, so the template
engine is never imported otherwise. What is printed, and the exit status of a
bad format, follow docker 28:

- ``ps``: the format is parsed, then run once on an empty row (``failed to parse
  template: ...`` / ``failed to execute template: ...``, status 1); ``.Size`` in
  it asks the daemon for sizes; ``-q`` wins over a format, with docker's warning.
- ``images``, ``history``: a custom format wins over ``-q``.
- ``inspect -f``: the template runs on each object's JSON; a parse error is
  ``template parsing error: ...`` with status 64, an execution error the same
  words with status 1 after the other objects are printed.
- ``version -f``, ``info -f``: the API's JSON (``.Client``/``.Server`` for version,
  the info with ``.ClientInfo``); execution errors print Go's message as is.
"""

from __future__ import annotations

import json
import sys
import time

from berth.cli import contexts
from berth.cli.commands.ps import ps_filters
from berth.cli.formatter import JSON, JSON_TEMPLATE, TABLE, FormatError, parse, tabwrite, write
from berth.cli.template import ExecError, ParseError, Struct, Template, structs

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable
    from typing import Any

    from berth.client import Client

USAGE_ERROR = 64
MAPS = frozenset((
    "Labels", "Options", "Data", "Networks", "Ports", "ExposedPorts", "Volumes", "Sysctls",
    "StorageOpt", "Tmpfs", "DriverOpts", "Annotations", "Details", "IndexConfigs", "Runtimes"))
"""JSON objects that are Go maps in docker's types (a missing key is ``<no value>``)."""
LISTS = frozenset((
    "Env", "Cmd", "Entrypoint", "OnBuild", "Shell", "Mounts", "RepoTags", "RepoDigests",
    "Layers", "Binds", "Links", "Dns", "DnsOptions", "DnsSearch", "ExtraHosts", "CapAdd",
    "CapDrop", "SecurityOpt", "GroupAdd", "Devices", "DeviceRequests", "DeviceCgroupRules",
    "VolumesFrom", "MaskedPaths", "ReadonlyPaths", "Aliases", "DNSNames", "Ulimits", "ExecIDs",
    "Args", "BlkioWeightDevice", "BlkioDeviceReadBps", "BlkioDeviceWriteBps",
    "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps"))
"""... and Go slices (``null`` or absent prints ``[]``)."""
POINTERS = frozenset((
    "Health", "Healthcheck", "Node", "StopTimeout", "OomKillDisable", "PidsLimit",
    "MemorySwappiness", "Init", "IPAMConfig", "ImageManifestDescriptor"))
"""... and Go pointers that berthd leaves out when nil (absent prints ``<nil>``)."""
RECORDS = frozenset(("Config", "ContainerConfig", "State", "HostConfig", "NetworkSettings",
                     "GraphDriver", "RootFS", "Metadata", "RestartPolicy", "LogConfig"))
"""... and Go structs, even when berthd sends ``{}``."""
PS_RAW = ("container_id: {{.ID}}\nimage: {{.Image}}\ncommand: {{.Command}}\n"
          "created_at: {{.CreatedAt}}\nstate: {{- pad .State 1 0}}\n"
          "status: {{- pad .Status 1 0}}\nnames: {{.Names}}\nlabels: {{- pad .Labels 1 0}}\n"
          "ports: {{- pad .Ports 1 0}}\n")
IMAGES_RAW = ("repository: {{ .Repository }}\ntag: {{.Tag}}\nimage_id: {{.ID}}\n"
              "created_at: {{.CreatedAt}}\nvirtual_size: {{.Size}}\n")


def _fail(e: FormatError) -> int:
    if e.partial:
        sys.stdout.write(e.partial)
    print(e.message, file=sys.stderr)
    return e.status


def _default(args: argparse.Namespace, default: Callable[[], int]) -> int:
    """The command's own table (``--format table``, or ``ps -q``)."""
    args.format = None
    return default()


def _print(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def ps(args: argparse.Namespace, client: Client, default: Callable[[], int]) -> int:
    fmt: str = args.format
    if args.quiet:
        print("WARNING: Ignoring custom format, because both --format and --quiet are set.",
              file=sys.stderr)
    probe = contexts.ContainerContext({}, time.time(), True)
    try:
        Template(fmt).execute(probe)
    except ParseError as e:
        return _fail(FormatError(f"failed to parse template: {e}"))
    except ExecError as e:
        return _fail(FormatError(f"failed to execute template: {e}"))
    if fmt == "raw":
        fmt = "container_id: {{.ID}}" if args.quiet else PS_RAW
    elif fmt == TABLE or args.quiet:
        return _default(args, default)
    limit = 1 if args.latest and args.last == -1 else args.last
    containers = client.containers.list(all=args.all, limit=limit if limit > 0 else None,
                                        size=probe.size_used or args.size,
                                        filters=ps_filters(args))
    now = time.time()
    rows = [contexts.ContainerContext(c, now, not args.no_trunc) for c in containers]
    try:
        _print(write(fmt, rows, contexts.ContainerContext.HEADER))
    except FormatError as e:
        return _fail(e)
    return 0


def images(args: argparse.Namespace, client: Client, default: Callable[[], int]) -> int:
    from berth.cli.commands.images import NONE, digest_of, filters_of, repo_tags

    fmt: str = args.format
    if fmt == TABLE:
        return _default(args, default)
    if fmt == "raw":
        fmt = "image_id: {{.ID}}" if args.quiet else IMAGES_RAW
    elif fmt.startswith(TABLE) and args.digests and "{{.Digest}}" not in fmt:
        fmt += "\t{{.Digest}}"
    found = client.images.list(all=args.all, filters=filters_of(args), digests=args.digests)
    digests = args.digests or "{{.Digest}}" in fmt
    now = time.time()
    rows = [contexts.ImageContext(image, repo, tag,
                                  digest_of(image, repo) if digests else NONE, now,
                                  not args.no_trunc)
            for image in found for repo, tag in repo_tags(image)]
    try:
        _print(write(fmt, rows, contexts.ImageContext.HEADER))
    except FormatError as e:
        return _fail(e)
    return 0


def history(args: argparse.Namespace, client: Client, default: Callable[[], int]) -> int:
    if args.format == TABLE:
        return _default(args, default)
    entries = client.images.history(args.image)
    human = args.human.lower() not in ("false", "0")
    now = time.time()
    rows = [contexts.HistoryContext(e, now, not args.no_trunc, human) for e in entries]
    try:
        _print(write(args.format, rows, contexts.HistoryContext.HEADER))
    except FormatError as e:
        return _fail(e)
    return 0


def system_df(args: argparse.Namespace, client: Client, default: Callable[[], int]) -> int:
    """The summary only: with ``-v`` the format is not used (docker runs it per section)."""
    from berth.cli.commands.system_df import summary_rows

    fmt: str = args.format
    if fmt == TABLE:
        return _default(args, default)
    if fmt == "raw":
        fmt = ("type: {{.Type}}\ntotal: {{.TotalCount}}\nactive: {{.Active}}\n"
               "size: {{.Size}}\nreclaimable: {{.Reclaimable}}\n")
    rows = [contexts.DiskUsageContext(row) for row in summary_rows(client.system.df())]
    try:
        _print(write(fmt, rows, contexts.DiskUsageContext.HEADER))
    except FormatError as e:
        return _fail(e)
    return 0


def inspect(args: argparse.Namespace, client: Client) -> int:
    from berth.cli.commands.inspect import find
    from berth.client.errors import APIError

    fmt: str = args.format
    tmpl = None
    if fmt != JSON:
        try:
            tmpl = parse(fmt)
        except FormatError as e:
            return _fail(FormatError(e.message, USAGE_ERROR))
    found: list[dict[str, Any]] = []
    out: list[str] = []
    errors: list[str] = []
    for name in args.names:
        try:
            obj = find(client, name, args.type)
        except APIError as e:
            errors.append(f"Error response from daemon: {e.message}")
            continue
        if tmpl is None:
            found.append(obj)
            continue
        try:
            out.append(tmpl.execute(structs(obj, MAPS, LISTS, POINTERS, RECORDS)) + "\n")
        except ExecError as e:
            errors.append(f"template parsing error: {e}")
    if tmpl is None:
        _print(json.dumps(found, ensure_ascii=False, separators=(",", ":")) + "\n")
    else:
        _print("".join(out) or "\n")
    for message in errors:
        print(message, file=sys.stderr)
    return 1 if errors else 0


def _template(fmt: str, name: str = "") -> Any:
    try:
        return parse(JSON_TEMPLATE if fmt == JSON else fmt, name)
    except FormatError as e:
        raise FormatError(e.message, USAGE_ERROR) from None


def _run(tmpl: Any, data: Any) -> tuple[str, str]:
    try:
        return tmpl.execute(data), ""
    except ExecError as e:
        return getattr(e, "partial", ""), str(e)


def version(args: argparse.Namespace, client: Client) -> int:
    from berth import __version__
    from berth.cli.commands.version import goarch
    from berth.client.api import API_VERSION
    from berth.client.errors import APIError, ClientError

    try:
        tmpl = _template(args.format, "version")
    except FormatError as e:
        return _fail(e)
    failure = ""
    try:
        server: Any = client.system.version()
    except ClientError as e:
        server = None
        failure = f"Error response from daemon: {e}" if isinstance(e, APIError) else str(e)
    client_info = {"Version": __version__, "ApiVersion": client.current_version,
                   "DefaultAPIVersion": API_VERSION, "Os": "linux", "Arch": goarch(),
                   "Context": "default"}
    if server is not None and not any(c.get("Name") == "Engine"
                                      for c in server.get("Components") or []):
        server.setdefault("Components", []).append({
            "Name": "Engine", "Version": server.get("Version", ""), "Details": {
                key: str(server.get(key, "")) for key in (
                    "ApiVersion", "MinAPIVersion", "GitCommit", "GoVersion", "Os", "Arch",
                    "BuildTime")}})
    data = Struct(Client=structs(client_info), Server=structs(server, maps=MAPS))
    data.type_name = "system.versionInfo"
    text, error = _run(tmpl, data)
    _print(tabwrite(text + "\n", minwidth=20, padding=1))
    for message in (failure, error):
        if message:
            print(message, file=sys.stderr)
    return 1 if failure or error else 0


def info(args: argparse.Namespace, client: Client) -> int:
    from berth import __version__
    from berth.cli.commands.version import goarch

    try:
        tmpl = _template(args.format)
    except FormatError as e:
        return _fail(e)
    raw = client.system.info()
    client_info = {"Debug": False, "Version": __version__, "Os": "linux", "Arch": goarch(),
                   "Context": "default", "Plugins": [], "Warnings": None}
    data = structs({**raw, "ClientInfo": client_info}, maps=MAPS)
    data.type_name = "system.dockerInfo"
    text, error = _run(tmpl, data)
    _print(text + "\n")
    if error:
        print(error, file=sys.stderr)
        return 1
    return 0

