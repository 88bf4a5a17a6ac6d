"""A container's record: what docker keeps about it, and its JSON views.

The record is stored whole as JSON (``berth.metadata.containers``). The views
(``inspect``, ``summary``) use the Docker Engine API's field names exactly.
"""

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from berth.daemon.mounts import mount_points
from berth.network.endpoint import endpoint_api
from berth.util.timefmt import ZERO_TIME, parse_rfc3339
from berth.util.units import human_duration


@dataclass(slots=True)
class State:
    status: str = "created"  # created running paused restarting removing exited dead
    pid: int = 0
    exit_code: int = 0
    error: str = ""
    oom_killed: bool = False
    started_at: str = ZERO_TIME
    finished_at: str = ZERO_TIME

    @property
    def running(self) -> bool:
        return self.status in ("running", "paused", "restarting")

    def to_api(self) -> dict[str, Any]:
        return {
            "Status": self.status,
            "Running": self.status in ("running", "paused"),
            "Paused": self.status == "paused",
            "Restarting": self.status == "restarting",
            "OOMKilled": self.oom_killed,
            "Dead": self.status == "dead",
            "Pid": self.pid,
            "ExitCode": self.exit_code,
            "Error": self.error,
            "StartedAt": self.started_at,
            "FinishedAt": self.finished_at,
        }


@dataclass(slots=True)
class Container:
    id: str
    name: str
    image_id: str
    image_ref: str
    created: str
    path: str
    args: list[str]
    config: dict[str, Any]
    host_config: dict[str, Any]
    state: State = field(default_factory=State)
    restart_count: int = 0
    manually_stopped: bool = False  # docker's HasBeenManuallyStopped: no restart on exit
    restart_delay: float = 0.0  # the last back-off, doubled at the next restart
    # Volumes resolved at create (named, anonymous, the image's, --volumes-from), in
    # inspect's ``Mounts`` shape plus berth's own keys (``berth.daemon.volume_mounts``).
    mount_points: list[dict[str, Any]] = field(default_factory=list)
    # While it runs on a bridge network: {network name: berth.network.endpoint's record}.
    endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> "Container":
        data = json.loads(text)
        data["state"] = State(**data["state"])
        return cls(**data)

    @property
    def short_id(self) -> str:
        return self.id[:12]

    def status_text(self, now: float) -> str:
        """docker ps's STATUS column as the API's `Status` field."""
        st = self.state
        if st.status == "running":
            return "Up " + human_duration(now - parse_rfc3339(st.started_at))
        if st.status == "paused":
            return "Up " + human_duration(now - parse_rfc3339(st.started_at)) + " (Paused)"
        if st.status == "exited":
            if parse_rfc3339(st.finished_at) == 0:
                return f"Exited ({st.exit_code})"
            ago = human_duration(now - parse_rfc3339(st.finished_at))
            return f"Exited ({st.exit_code}) {ago} ago"
        if st.status == "restarting":
            ago = human_duration(now - parse_rfc3339(st.finished_at))
            return f"Restarting ({st.exit_code}) {ago} ago"
        if st.status == "created":
            return "Created"
        if st.status == "dead":
            return "Dead"
        return st.status.capitalize()

    def summary(self, now: float) -> dict[str, Any]:
        """One entry of GET /containers/json."""
        command = " ".join([self.path, *self.args]).strip()
        return {
            "Id": self.id,
            "Names": ["/" + self.name],
            "Image": self.image_ref,
            "ImageID": self.image_id,
            "Command": command,
            "Created": int(parse_rfc3339(self.created)),
            "Ports": [],
            "Labels": self.config.get("Labels") or {},
            "State": self.state.status,
            "Status": self.status_text(now),
            "HostConfig": {"NetworkMode": self.host_config.get("NetworkMode") or "default"},
            "NetworkSettings": {"Networks": self.networks()},
            "Mounts": mount_points(self.host_config, self.mount_points),
        }

    def inspect(self, data_dir: str, log_path: str) -> dict[str, Any]:
        """GET /containers/{id}/json."""
        return {
            "Id": self.id,
            "Created": self.created,
            "Path": self.path,
            "Args": self.args,
            "State": self.state.to_api(),
            "Image": self.image_id,
            "ResolvConfPath": "",
            "HostnamePath": f"{data_dir}/hostname",
            "HostsPath": "",
            "LogPath": log_path,
            "Name": "/" + self.name,
            "RestartCount": self.restart_count,
            "Driver": "overlay2",
            "Platform": "linux",
            "MountLabel": "",
            "ProcessLabel": "",
            "AppArmorProfile": "",
            "ExecIDs": None,
            "HostConfig": self.host_config,
            "GraphDriver": {
                "Name": "overlay2",
                "Data": {
                    "UpperDir": f"{data_dir}/upper",
                    "WorkDir": f"{data_dir}/work",
                    "MergedDir": f"{data_dir}/merged",
                },
            },
            "Mounts": mount_points(self.host_config, self.mount_points),
            "Config": self.config,
            "NetworkSettings": self.network_settings(),
        }

    def networks(self) -> dict[str, Any]:
        """``NetworkSettings.Networks``: the endpoints while it runs."""
        return {name: endpoint_api(rec) for name, rec in self.endpoints.items()}

    def network_settings(self) -> dict[str, Any]:
        """inspect's ``NetworkSettings``; the top-level address fields are the default
        bridge's endpoint, as dockerd fills them (empty on any other network)."""
        out: dict[str, Any] = {
            "Bridge": "", "SandboxID": "", "HairpinMode": False, "LinkLocalIPv6Address": "",
            "LinkLocalIPv6PrefixLen": 0, "Ports": {}, "SandboxKey": "",
            "SecondaryIPAddresses": None, "SecondaryIPv6Addresses": None, "EndpointID": "",
            "Gateway": "", "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0,
            "IPAddress": "", "IPPrefixLen": 0, "IPv6Gateway": "", "MacAddress": "",
            "Networks": self.networks()}
        default = out["Networks"].get("bridge")
        if default:
            for key in ("EndpointID", "Gateway", "IPAddress", "IPPrefixLen", "MacAddress"):
                out[key] = default[key]
        return out
