"""The rows ``ps``, ``images`` and ``history`` give a ``--format`` template.

Each is docker's formatter context of that command (``*formatter.ContainerContext``,
``*formatter.imageContext``, ``*image.historyContext``): the same field names, the
same text in each, the same table header names. The values come from the helpers
the commands use for their default tables.
"""

from __future__ import annotations

import time

from berth.cli.commands import history as history_cmd
from berth.cli.commands import ps as ps_cmd
from berth.cli.format import ago, ellipsis, go_quote, human_size, ports, short_id
from berth.cli.formatter import Context, Header

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

NONE = "<none>"
HISTORY_EPOCH = 946684800  # 2000-01-01: older dates are shown as N/A


def go_time(timestamp: float) -> str:
    """Go's ``time.Unix(t, 0).String()`` in local time: ``2026-01-02 15:04:05 +0000 UTC``."""
    return time.strftime("%Y-%m-%d %H:%M:%S %z %Z", time.localtime(timestamp))


class ContainerContext(Context):
    template_type = "*formatter.ContainerContext"
    FIELDS = ("ID", "Names", "Image", "Command", "CreatedAt", "RunningFor", "Platform",
              "Ports", "State", "Status", "Size", "Labels", "Label", "Mounts",
              "LocalVolumes", "Networks")
    JSON_FIELDS = tuple(f for f in FIELDS if f != "Label")
    HEADER = Header({
        "ID": "CONTAINER ID", "Names": "NAMES", "Image": "IMAGE", "Command": "COMMAND",
        "CreatedAt": "CREATED AT", "RunningFor": "CREATED", "Ports": "PORTS",
        "State": "STATE", "Status": "STATUS", "Size": "SIZE", "Labels": "LABELS",
        "Mounts": "MOUNTS", "LocalVolumes": "LOCAL VOLUMES", "Networks": "NETWORKS",
        "Platform": "PLATFORM"})

    def __init__(self, c: dict[str, Any], now: float, trunc: bool) -> None:
        self.c, self.now, self.trunc = c, now, trunc
        self.size_used = False

    def ID(self) -> str:
        return short_id(self.c.get("Id", ""), not self.trunc)

    def Names(self) -> str:
        return ps_cmd.names(self.c.get("Names") or [], not self.trunc)

    def Image(self) -> str:
        image = self.c.get("Image") or ""
        if not image:
            return "<no image>"
        if self.trunc and "@" in image and not image.startswith("sha256:"):
            image = image.split("@", 1)[0]
        return ps_cmd.image_column(image, not self.trunc)

    def Command(self) -> str:
        command = self.c.get("Command") or ""
        return go_quote(ellipsis(command, ps_cmd.COMMAND_WIDTH) if self.trunc else command)

    def CreatedAt(self) -> str:
        return go_time(self.c.get("Created") or 0)

    def RunningFor(self) -> str:
        return ago(self.c.get("Created") or 0, self.now)

    def Platform(self) -> None:
        return None

    def Ports(self) -> str:
        return ports(self.c.get("Ports") or [])

    def State(self) -> str:
        return str(self.c.get("State") or "")

    def Status(self) -> str:
        return str(self.c.get("Status") or "")

    def Size(self) -> str:
        self.size_used = True
        rw = human_size(int(self.c.get("SizeRw") or 0))
        root = int(self.c.get("SizeRootFs") or 0)
        return f"{rw} (virtual {human_size(root)})" if root > 0 else rw

    def Labels(self) -> str:
        labels = self.c.get("Labels") or {}
        return ",".join(sorted(f"{k}={v}" for k, v in labels.items()))

    def Label(self, name: str) -> str:
        return str((self.c.get("Labels") or {}).get(name, ""))

    def Mounts(self) -> str:
        names = []
        for m in self.c.get("Mounts") or []:
            name = m.get("Name") or m.get("Source") or ""
            names.append(ellipsis(name, 15) if self.trunc else name)
        return ",".join(names)

    def LocalVolumes(self) -> str:
        return str(sum(1 for m in self.c.get("Mounts") or [] if m.get("Driver") == "local"))

    def Networks(self) -> str:
        return ",".join(sorted((self.c.get("NetworkSettings") or {}).get("Networks") or {}))


class ImageContext(Context):
    template_type = "*formatter.imageContext"
    FIELDS = ("ID", "Repository", "Tag", "Digest", "CreatedSince", "CreatedAt", "Size",
              "Containers", "VirtualSize", "SharedSize", "UniqueSize")
    JSON_FIELDS = FIELDS
    HEADER = Header({
        "ID": "IMAGE ID", "Repository": "REPOSITORY", "Tag": "TAG", "Digest": "DIGEST",
        "CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "Size": "SIZE",
        "Containers": "CONTAINERS", "VirtualSize": "SIZE", "SharedSize": "SHARED SIZE",
        "UniqueSize": "UNIQUE SIZE"})

    def __init__(self, image: dict[str, Any], repo: str, tag: str, digest: str, now: float,
                 trunc: bool) -> None:
        self.i, self.repo, self.tag, self.digest = image, repo, tag, digest
        self.now, self.trunc = now, trunc

    def ID(self) -> str:
        return short_id(self.i.get("Id", ""), not self.trunc)

    def Repository(self) -> str:
        return self.repo

    def Tag(self) -> str:
        return self.tag

    def Digest(self) -> str:
        return self.digest

    def CreatedSince(self) -> str:
        return ago(self.i.get("Created") or 0, self.now)

    def CreatedAt(self) -> str:
        return go_time(self.i.get("Created") or 0)

    def Size(self) -> str:
        return human_size(int(self.i.get("Size") or 0))

    def VirtualSize(self) -> str:
        return human_size(int(self.i.get("Size") or 0), 4)

    def Containers(self) -> str:
        n = self.i.get("Containers", -1)
        return "N/A" if n is None or n == -1 else str(n)

    def SharedSize(self) -> str:
        n = self.i.get("SharedSize", -1)
        return "N/A" if n is None or n == -1 else human_size(n, 4)

    def UniqueSize(self) -> str:
        size, shared = self.i.get("Size", -1), self.i.get("SharedSize", -1)
        if size in (None, -1) or shared in (None, -1):
            return "N/A"
        return human_size(size - shared, 4)


class DiskUsageContext(Context):
    """One line of ``system df``: docker's ``diskUsage...Context`` summaries."""

    template_type = "*formatter.diskUsageImagesContext"
    FIELDS = ("Type", "TotalCount", "Active", "Size", "Reclaimable")
    JSON_FIELDS = FIELDS
    HEADER = Header({"Type": "TYPE", "TotalCount": "TOTAL", "Active": "ACTIVE", "Size": "SIZE",
                     "Reclaimable": "RECLAIMABLE"})

    def __init__(self, row: tuple[str, ...]) -> None:
        self.row = row

    def Type(self) -> str:
        return self.row[0]

    def TotalCount(self) -> str:
        return self.row[1]

    def Active(self) -> str:
        return self.row[2]

    def Size(self) -> str:
        return self.row[3]

    def Reclaimable(self) -> str:
        return self.row[4]


class HistoryContext(Context):
    template_type = "*image.historyContext"
    FIELDS = ("ID", "CreatedSince", "CreatedAt", "CreatedBy", "Size", "Comment")
    JSON_FIELDS = FIELDS
    HEADER = Header({
        "ID": "IMAGE", "CreatedSince": "CREATED", "CreatedAt": "CREATED AT",
        "CreatedBy": "CREATED BY", "Size": "SIZE", "Comment": "COMMENT"})

    def __init__(self, entry: dict[str, Any], now: float, trunc: bool, human: bool) -> None:
        self.h, self.now, self.trunc, self.human = entry, now, trunc, human

    def ID(self) -> str:
        return history_cmd._id(self.h, not self.trunc)

    def CreatedAt(self) -> str:
        return history_cmd._created(self.h, False, self.now)

    def CreatedSince(self) -> str:
        if not self.human:
            return self.CreatedAt()
        if int(self.h.get("Created") or 0) <= HISTORY_EPOCH:
            return "N/A"
        return history_cmd._created(self.h, True, self.now)

    def CreatedBy(self) -> str:
        created_by = (self.h.get("CreatedBy") or "").replace("\t", " ")
        return ellipsis(created_by, history_cmd.CREATED_BY_WIDTH) if self.trunc else created_by

    def Size(self) -> str:
        size = int(self.h.get("Size") or 0)
        return human_size(size) if self.human else str(size)

    def Comment(self) -> str:
        return str(self.h.get("Comment") or "")


class VolumeContext(Context):
    """A row of ``volume ls --format`` (docker's ``volumeContext``)."""

    template_type = "*formatter.volumeContext"
    FIELDS = ("Name", "Driver", "Scope", "Mountpoint", "Labels", "Label", "Links", "Size")
    JSON_FIELDS = tuple(f for f in FIELDS if f != "Label")
    HEADER = Header({"Name": "VOLUME NAME", "Driver": "DRIVER", "Scope": "SCOPE",
                     "Mountpoint": "MOUNTPOINT", "Labels": "LABELS", "Links": "LINKS",
                     "Size": "SIZE"})

    def __init__(self, v: dict[str, Any]) -> None:
        self.v = v

    def Name(self) -> str:
        return str(self.v.get("Name", ""))

    def Driver(self) -> str:
        return str(self.v.get("Driver", ""))

    def Scope(self) -> str:
        return str(self.v.get("Scope", ""))

    def Mountpoint(self) -> str:
        return str(self.v.get("Mountpoint", ""))

    def Labels(self) -> str:
        labels = self.v.get("Labels") or {}
        return ",".join(sorted(f"{k}={v}" for k, v in labels.items()))

    def Label(self, name: str) -> str:
        return str((self.v.get("Labels") or {}).get(name, ""))

    def Links(self) -> str:
        usage = self.v.get("UsageData")
        return str(usage["RefCount"]) if usage else "N/A"

    def Size(self) -> str:
        usage = self.v.get("UsageData")
        return human_size(int(usage["Size"]), 4) if usage else "N/A"


class NetworkContext(Context):
    """A row of ``network ls --format`` (docker's ``networkContext``)."""

    template_type = "*formatter.networkContext"
    FIELDS = ("ID", "Name", "Driver", "Scope", "IPv6", "Internal", "Labels", "Label",
              "CreatedAt")
    JSON_FIELDS = tuple(f for f in FIELDS if f != "Label")
    HEADER = Header({"ID": "NETWORK ID", "Name": "NAME", "Driver": "DRIVER", "Scope": "SCOPE",
                     "IPv6": "IPV6", "Internal": "INTERNAL", "Labels": "LABELS",
                     "CreatedAt": "CREATED AT"})

    def __init__(self, n: dict[str, Any], no_trunc: bool = False) -> None:
        self.n = n
        self.no_trunc = no_trunc

    def ID(self) -> str:
        nid = str(self.n.get("Id", ""))
        return nid if self.no_trunc else nid[:12]

    def Name(self) -> str:
        return str(self.n.get("Name", ""))

    def Driver(self) -> str:
        return str(self.n.get("Driver", ""))

    def Scope(self) -> str:
        return str(self.n.get("Scope", ""))

    def IPv6(self) -> str:
        return "true" if self.n.get("EnableIPv6") else "false"

    def Internal(self) -> str:
        return "true" if self.n.get("Internal") else "false"

    def Labels(self) -> str:
        labels = self.n.get("Labels") or {}
        return ",".join(sorted(f"{k}={v}" for k, v in labels.items()))

    def Label(self, name: str) -> str:
        return str((self.n.get("Labels") or {}).get(name, ""))

    def CreatedAt(self) -> str:
        return str(self.n.get("Created", ""))
