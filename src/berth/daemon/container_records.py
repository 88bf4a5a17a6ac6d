"""The containers' records: found by docker's references, saved, announced.

Every record is held in memory by id and stored whole in the table
(``berth.metadata.containers``); a change is saved before it is announced.
"""

from collections.abc import Callable

from berth.daemon.container import Container
from berth.errors import InvalidArgument, NotFound
from berth.metadata.containers import ContainerTable

EventSink = Callable[[str, str, str, dict[str, str]], None]


def _no_events(type_: str, action: str, id_: str, attributes: dict[str, str]) -> None:
    pass


class Records:
    def __init__(self, table: ContainerTable) -> None:
        self.table = table
        self.by_id: dict[str, Container] = {}
        self.on_event: EventSink = _no_events  # the Engine connects its event bus
        for text in table.all():
            c = Container.from_json(text)
            self.by_id[c.id] = c

    def get(self, ref: str) -> Container:
        """By full id, name, or unique id prefix, as docker resolves them."""
        if ref in self.by_id:
            return self.by_id[ref]
        name = ref.lstrip("/")
        for c in self.by_id.values():
            if c.name == name:
                return c
        if ref:
            matches = [c for c in self.by_id.values() if c.id.startswith(ref)]
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                raise InvalidArgument(f"multiple IDs found with provided prefix: {ref}")
        raise NotFound(f"No such container: {ref}")

    def save(self, c: Container) -> None:
        self.table.update(c.id, c.to_json())

    def emit(self, action: str, c: Container, **extra: str) -> None:
        """Report a container event (docker's attributes: image, name, labels)."""
        attrs = {**(c.config.get("Labels") or {}), "image": c.image_ref, "name": c.name,
                 **extra}
        self.on_event("container", action, c.id, attrs)

    def list(self, all_: bool = False) -> list[Container]:
        items = sorted(self.by_id.values(), key=lambda c: c.created, reverse=True)
        return [c for c in items if all_ or c.state.running]
