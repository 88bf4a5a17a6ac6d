"""Containers on bridge networks: which network a container's ``NetworkMode`` names,
its endpoint made before its init runs and undone when it exits.

``default`` is the default ``bridge`` network (or, under ``--bridge none``, no
network but the container's own loopback, as dockerd's ``-b none``); ``bridge`` or
another network's name or id puts the container on that network; ``none``,
``host`` and ``container:<id>`` keep their meaning and cost nothing here.

At start (``attach``): a network namespace file (``<exec root>/netns/<id>``) the
spec joins by path, a veth pair, the next free address of the network's pool (or
the container's ``--ip``), inspect's ``NetworkSettings`` kept in the record. At
exit (``release``): the pair and the file go, the address is free again, as
dockerd clears a stopped container's endpoint. A berthd restarted meanwhile finds
the running ones as they were: the record holds their endpoints.
"""

import logging
import threading
from collections.abc import Callable
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

from berth.daemon.container import Container
from berth.errors import NotFound
from berth.network import endpoint, netns
from berth.network.endpoint import Endpoint
from berth.network.model import Network
from berth.network.store import NetworkStore

log = logging.getLogger(__name__)

_OWN_MODES = ("none", "host")


class ContainerNetworks:
    def __init__(self, store: NetworkStore, exec_root: Path,
                 containers: Callable[[], list[Container]]) -> None:
        self._store = store
        self._dir = exec_root / "netns"
        self._containers = containers
        self._lock = threading.Lock()  # one address chosen at a time

    def network_of(self, host_config: dict[str, Any]) -> Network | None:
        """The bridge network ``NetworkMode`` puts a container on, if any (NotFound
        with dockerd's message for a network that does not exist)."""
        mode = str(host_config.get("NetworkMode") or "default")
        if mode in _OWN_MODES or mode.startswith("container:"):
            return None
        if mode == "default":
            try:
                return self._store.get("bridge")
            except NotFound:
                return None  # berthd --bridge none: a loopback of its own
        n = self._store.get(mode)
        if n.driver == "host" or n.driver == "null":
            return None
        return n

    def path(self, cid: str) -> Path:
        return self._dir / cid

    def attach(self, c: Container) -> str | None:
        """The container's namespace file, with its endpoint in it; None when the
        container is on no bridge network."""
        n = self.network_of(c.host_config)
        if n is None:
            return None
        self.release(c)  # a crash between a start and its exit left one
        path = self.path(c.id)
        netns.create(path)
        try:
            pool = n.pools[0]
            with self._lock:
                ip = pool.allocate(self._used(n.id))
                ep = endpoint.attach(path, n.bridge_name, n.id, ip, pool.subnet.prefixlen,
                                     pool.gateway, n.mtu, default_route=not n.internal)
                c.endpoints = {n.name: ep.to_record()}
        except BaseException:
            netns.remove(path)
            raise
        return str(path)

    def release(self, c: Container) -> None:
        for rec in (c.endpoints or {}).values():
            try:
                endpoint.detach(Endpoint.from_record(rec).host_veth)
            except Exception as e:
                log.warning("could not remove the veth of %s: %s", c.id, e)
        c.endpoints = {}
        netns.remove(self.path(c.id))

    def _used(self, network_id: str) -> set[IPv4Address]:
        return {IPv4Address(rec["ip"]) for other in self._containers()
                for rec in (other.endpoints or {}).values() if rec["network_id"] == network_id}

    def users(self) -> dict[str, dict[str, Any]]:
        """{network id: {container id: dockerd's endpoint resource}} of running ones."""
        out: dict[str, dict[str, Any]] = {}
        for c in self._containers():
            for rec in (c.endpoints or {}).values():
                ep = Endpoint.from_record(rec)
                out.setdefault(ep.network_id, {})[c.id] = {
                    "Name": c.name, "EndpointID": ep.endpoint_id, "MacAddress": ep.mac,
                    "IPv4Address": f"{ep.ip}/{ep.prefixlen}", "IPv6Address": ""}
        return out
