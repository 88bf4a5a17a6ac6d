"""``docker rmi`` and ``docker image prune``: docker's rules for untag versus delete.

Removing a name only untags while other names remain. An image is deleted
with its last name, or when named by id, unless a container uses it: a
running one always refuses ("cannot be forced"); a stopped one refuses
without ``force`` ("must be forced"). With ``force`` and a stopped container
docker deletes the image record anyway and leaves the container pointing at
an id that no longer exists; berth untags it and keeps it, dangling, so the
container can still start. Deleting frees the blobs and snapshots no other
image uses; the records list them like dockerd's (``Deleted: <chain id>``).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from berth.daemon.container import Container
from berth.errors import Conflict, InvalidArgument
from berth.images.service import Image, ImageService
from berth.oci import reference
from berth.snapshots.overlay import chain_ids
from berth.util.filters import label_matches, timestamp
from berth.util.timefmt import parse_rfc3339

Records = list[dict[str, str]]


@dataclass(frozen=True, slots=True)
class Pruned:
    records: Records
    reclaimed: int

    def to_api(self) -> dict[str, Any]:
        return {"ImagesDeleted": self.records or None, "SpaceReclaimed": self.reclaimed}


class ImageRemover:
    def __init__(self, images: ImageService, containers: Callable[[], list[Container]]) -> None:
        self._images = images
        self._containers = containers

    def remove(self, name: str, force: bool = False) -> Records:
        """``DELETE /images/{name}``: the Untagged/Deleted records, in docker's order."""
        image = self._images.resolve(name)
        refs = self._images.references(image.id)
        records: Records = []
        if not _is_id_prefix(image.id, name):
            ref = str(reference.parse(name))
            users = self._users(image.id)
            if not force and _single_repository(refs) and users:
                raise Conflict(
                    f'conflict: unable to remove repository reference "{name}" (must force) - '
                    f"container {users[0].short_id} is using its referenced image "
                    f"{_short(image.id)}")
            self._untag(ref, records)
            remaining = self._images.references(image.id)
            if "@" not in ref:
                repo = ref.rpartition(":")[0]
                if not any("@" not in r and r.rpartition(":")[0] == repo for r in remaining):
                    for r in remaining:
                        if r.partition("@")[0] == repo:
                            self._untag(r, records)
                    remaining = self._images.references(image.id)
            if remaining:
                return records
        elif _single_repository(refs):
            self._check(image, hard_only=force, ignore_references=True)
            for r in refs:
                self._untag(r, records)
        self._delete(image, force, records)
        return records

    def _delete(self, image: Image, force: bool, records: Records) -> None:
        in_use = self._check(image, hard_only=force, ignore_references=False)
        for r in self._images.references(image.id):
            self._untag(r, records)
        if in_use:  # forced over a stopped container: kept, dangling
            return
        swept = self._images.delete(image.id)
        records.append({"Deleted": image.id})
        freed = set(swept.snapshots)
        records += [{"Deleted": c} for c in reversed(chain_ids(image.diff_ids)) if c in freed]

    def _check(self, image: Image, hard_only: bool, ignore_references: bool) -> bool:
        """Raise docker's conflict; True when only a forced stopped-container one is left."""
        users = self._users(image.id)
        running = [c for c in users if c.state.running]
        if running:
            raise _conflict(image.id, True,
                            f"image is being used by running container {running[0].short_id}")
        if not ignore_references and self._images.references(image.id) and not hard_only:
            raise _conflict(image.id, False, "image is referenced in multiple repositories")
        if users and not hard_only:
            raise _conflict(image.id, False,
                            f"image is being used by stopped container {users[0].short_id}")
        return bool(users)

    def _untag(self, ref: str, records: Records) -> None:
        if self._images.untag(ref):
            records.append({"Untagged": reference.familiar(ref)})

    def _users(self, image_id: str) -> list[Container]:
        return [c for c in self._containers() if c.image_id == image_id]

    def prune(self, all_: bool, filters: dict[str, list[str]]) -> Pruned:
        """``POST /images/prune``: dangling images (every unused one with ``all_``)."""
        predicate = _prune_filter(filters)
        used = {c.image_id for c in self._containers()}
        records: Records = []
        reclaimed = 0
        for image in self._images.list():
            tagged = bool(image.repo_tags)
            if image.id in used or (tagged and not all_) or not predicate(image):
                continue
            for r in self._images.references(image.id):
                self._untag(r, records)
            swept = self._images.delete(image.id)
            records.append({"Deleted": image.id})
            freed = set(swept.snapshots)
            records += [{"Deleted": c} for c in reversed(chain_ids(image.diff_ids))
                        if c in freed]
            reclaimed += swept.reclaimed
        return Pruned(records, reclaimed)


def _prune_filter(filters: dict[str, list[str]]) -> Callable[[Image], bool]:
    unknown = set(filters) - {"until", "label", "label!", "dangling"}
    if unknown:
        raise InvalidArgument(f"invalid filter '{sorted(unknown)[0]}'")
    until = [timestamp(v) for v in filters.get("until", [])]
    want = filters.get("label", [])
    refuse = filters.get("label!", [])

    def keep(image: Image) -> bool:
        labels = (image.config.get("config") or {}).get("Labels") or {}
        created = parse_rfc3339(image.created)
        return (all(created < u for u in until)
                and all(label_matches(labels, f) for f in want)
                and not any(label_matches(labels, f) for f in refuse))
    return keep


def _single_repository(refs: Iterable[str]) -> bool:
    """docker's isSingleReference: at most one tag, digests only of its repository."""
    refs = list(refs)
    if len(refs) <= 1:
        return len(refs) == 1
    tags = [r for r in refs if "@" not in r]
    digest_repos = {r.partition("@")[0] for r in refs if "@" in r}
    if len(tags) > 1:
        return False
    single = tags[0].rpartition(":")[0] if tags else refs[0].partition("@")[0]
    return len(digest_repos) == 1 and single in digest_repos


def _is_id_prefix(image_id: str, name: str) -> bool:
    return image_id.startswith(name) or image_id.removeprefix("sha256:").startswith(name)


def _short(image_id: str) -> str:
    return image_id.removeprefix("sha256:")[:12]


def _conflict(image_id: str, hard: bool, message: str) -> Conflict:
    forced = "cannot be forced" if hard else "must be forced"
    return Conflict(f"conflict: unable to delete {_short(image_id)} ({forced}) - {message}")
