"""A network as berth keeps it, and as the API shows it (dockerd's ``Network``)."""

from dataclasses import dataclass, field
from typing import Any

from berth.network.ipam import Pool

PREDEFINED = ("bridge", "host", "none")
DRIVER_OF_PREDEFINED = {"host": "host", "none": "null"}
BRIDGE_NAME = "com.docker.network.bridge.name"
MTU = "com.docker.network.driver.mtu"
DEFAULT_BRIDGE = "com.docker.network.bridge.default_bridge"


@dataclass(frozen=True, slots=True)
class Network:
    id: str
    name: str
    created: str
    driver: str  # bridge, host, null
    pools: tuple[Pool, ...] = ()
    options: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    ipam_options: dict[str, str] | None = None
    internal: bool = False
    attachable: bool = False

    @property
    def predefined(self) -> bool:
        return self.name in PREDEFINED

    @property
    def bridge_name(self) -> str:
        """The Linux bridge of a bridge network: its option, else dockerd's br-<id12>."""
        return self.options.get(BRIDGE_NAME) or f"br-{self.id[:12]}"

    @property
    def mtu(self) -> int:
        return int(self.options.get(MTU) or 1500)

    def record(self) -> dict[str, Any]:
        """What the metadata row keeps (the id, name and time are columns)."""
        return {"Driver": self.driver, "Pools": [p.to_api() for p in self.pools],
                "Options": self.options, "Labels": self.labels,
                "IPAMOptions": self.ipam_options, "Internal": self.internal,
                "Attachable": self.attachable}

    @classmethod
    def from_record(cls, id_: str, name: str, created: str, rec: dict[str, Any]) -> "Network":
        return cls(id=id_, name=name, created=created, driver=str(rec["Driver"]),
                   pools=tuple(Pool.from_api(p) for p in rec.get("Pools") or ()),
                   options=dict(rec.get("Options") or {}), labels=dict(rec.get("Labels") or {}),
                   ipam_options=rec.get("IPAMOptions"), internal=bool(rec.get("Internal")),
                   attachable=bool(rec.get("Attachable")))

    def to_api(self, containers: dict[str, Any] | None = None) -> dict[str, Any]:
        """``GET /networks/{id}``; ``containers``: its endpoints (the list leaves them
        empty, as dockerd's does since API 1.28)."""
        return {
            "Name": self.name, "Id": self.id, "Created": self.created, "Scope": "local",
            "Driver": self.driver, "EnableIPv6": False,
            "IPAM": {"Driver": "default", "Options": self.ipam_options,
                     "Config": [p.to_api() for p in self.pools]},
            "Internal": self.internal, "Attachable": self.attachable, "Ingress": False,
            "ConfigFrom": {"Network": ""}, "ConfigOnly": False,
            "Containers": containers or {}, "Options": dict(self.options),
            "Labels": dict(self.labels),
        }
