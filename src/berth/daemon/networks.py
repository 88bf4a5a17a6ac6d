"""The network service: ``/networks/*`` with dockerd's rules, checks and events.

A network is in use while a container is attached to it (``users``: the container
records say who); such a network is neither removed (dockerd's 403 ``error while
removing network: network NAME id ID has active endpoints``) nor pruned. The store
(``berth.network``) knows nothing of containers.
"""

from collections.abc import Callable
from typing import Any

from berth.daemon.container_records import EventSink
from berth.errors import Forbidden, InvalidArgument, NotFound
from berth.network import filters, ipam
from berth.network.model import Network
from berth.network.store import CreateRequest, NetworkStore

Users = Callable[[], dict[str, dict[str, Any]]]  # network id: {container id: endpoint}


def _typed(body: dict[str, Any], key: str, kind: type, go: str) -> Any:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, kind) or (isinstance(value, dict) and not all(
            isinstance(v, str) for v in value.values())):
        raise InvalidArgument(f"json: cannot unmarshal {type(value).__name__} into Go struct "
                              f"field CreateRequest.{key} of type {go}")
    return value


def create_request(body: object) -> CreateRequest:
    """``POST /networks/create``'s body, checked as dockerd decodes and checks it."""
    if not isinstance(body, dict):
        raise InvalidArgument(f"json: cannot unmarshal {type(body).__name__} into Go value "
                              "of type types.NetworkCreateRequest")
    name = _typed(body, "Name", str, "string") or ""
    if not name.strip():
        raise InvalidArgument("network name cannot be empty" if not name else
                              f"invalid network name {name!r}")
    if _typed(body, "Ingress", bool, "bool"):
        raise Forbidden("ingress networks need swarm mode, which berth does not have")
    if _typed(body, "EnableIPv6", bool, "bool"):
        raise InvalidArgument("berth networks are IPv4 only (EnableIPv6)")
    if _typed(body, "ConfigOnly", bool, "bool") or (body.get("ConfigFrom") or {}).get("Network"):
        raise InvalidArgument("config-only networks (ConfigOnly, ConfigFrom) are not "
                              "supported by berth")
    scope = _typed(body, "Scope", str, "string") or "local"
    if scope != "local":
        raise Forbidden(f"cannot create a {scope}-scoped network: berth has local scope only")
    ipam_body = body.get("IPAM") or {}
    if not isinstance(ipam_body, dict):
        raise InvalidArgument("json: cannot unmarshal into Go struct field "
                              "CreateRequest.IPAM of type network.IPAM")
    if (ipam_body.get("Driver") or "default") != "default":
        raise NotFound(f'plugin "{ipam_body["Driver"]}" not found')
    config = ipam_body.get("Config") or []
    if not isinstance(config, list):
        raise InvalidArgument("json: cannot unmarshal into Go struct field IPAM.Config "
                              "of type []network.IPAMConfig")
    return CreateRequest(
        name=name, driver=_typed(body, "Driver", str, "string") or "bridge",
        pools=tuple(ipam.pool_from_request(e) for e in config),
        options=_typed(body, "Options", dict, "map[string]string"),
        labels=_typed(body, "Labels", dict, "map[string]string"),
        ipam_options=_typed(ipam_body, "Options", dict, "map[string]string"),
        internal=bool(_typed(body, "Internal", bool, "bool")),
        attachable=bool(_typed(body, "Attachable", bool, "bool")))


class NetworkService:
    def __init__(self, store: NetworkStore, users: Users) -> None:
        self.store = store
        self._users = users
        self.on_event: EventSink = lambda type_, action, id_, attributes: None

    def emit(self, action: str, n: Network, **attributes: str) -> None:
        self.on_event("network", action, n.id, {"name": n.name, "type": n.driver, **attributes})

    def create(self, body: object) -> dict[str, Any]:
        n = self.store.create(create_request(body))
        self.emit("create", n)
        return {"Id": n.id, "Warning": ""}

    def inspect(self, ref: str) -> dict[str, Any]:
        n = self.store.get(ref)
        return n.to_api(self._users().get(n.id) or {})

    def remove(self, ref: str) -> None:
        n = self.store.get(ref)
        if not n.predefined and self._users().get(n.id):
            raise Forbidden(f"error while removing network: network {n.name} id {n.id} has "
                            "active endpoints")
        self.store.remove(n)
        self.emit("destroy", n)

    def prune(self, wanted: filters.Filters) -> dict[str, Any]:
        prunable = filters.prune_matcher(wanted)
        users = self._users()
        deleted = []
        for n in self.store.all():
            if n.predefined or users.get(n.id) or not prunable(n):
                continue
            self.store.remove(n)
            self.emit("destroy", n)
            deleted.append(n.name)
        return {"NetworksDeleted": deleted or None}

    # last: in the class body, ``list`` names this method from here on
    def list(self, wanted: filters.Filters) -> list[dict[str, Any]]:
        users = self._users()
        keep = filters.list_matcher(wanted, lambda nid: bool(users.get(nid)))
        return [n.to_api() for n in self.store.all() if keep(n)]
