"""``docker history``: an image's history entries, newest first, with layer sizes.

Entries come from the config's ``history``; an entry without ``empty_layer``
owns the next layer of ``rootfs.diff_ids`` and shows that layer's unpacked
size. Like dockerd, only the newest entry carries the image id and its tags;
the others say ``<missing>`` (berth keeps no per-step images).
"""

from dataclasses import dataclass
from typing import Any

from berth.oci.image import History
from berth.util.timefmt import parse_rfc3339

MISSING = "<missing>"


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    id: str
    created: str
    created_by: str
    tags: tuple[str, ...]
    size: int
    comment: str

    def to_api(self) -> dict[str, Any]:
        return {"Id": self.id, "Created": int(parse_rfc3339(self.created)),
                "CreatedBy": self.created_by, "Tags": list(self.tags) or None,
                "Size": self.size, "Comment": self.comment}


def entries(image_id: str, config: dict[str, Any], tags: list[str],
            layer_sizes: list[int]) -> list[HistoryEntry]:
    raw = config.get("history") or []
    history = [History.from_json(h) for h in raw if isinstance(h, dict)]
    if not history:  # no history recorded: one entry per layer, as docker shows
        history = [History(created=str(config.get("created") or ""))] * max(len(layer_sizes), 1)
    sizes = iter(layer_sizes)
    out: list[HistoryEntry] = []
    for h in history:
        size = 0 if h.empty_layer else next(sizes, 0)
        out.append(HistoryEntry(MISSING, h.created, h.created_by, (), size, h.comment))
    out.reverse()
    top = out[0]
    out[0] = HistoryEntry(image_id, top.created, top.created_by, tuple(tags), top.size,
                          top.comment)
    return out
