"""Upload one blob: skipped when there, mounted when another repository has it,
monolithic (POST then one PUT) when small, chunked ``PATCH``es then a PUT when large."""

from collections.abc import Callable
from typing import BinaryIO

from berth.registry.client.repository import Repository

MONOLITHIC_MAX = 16 << 20
CHUNK = 16 << 20


def upload_blob(repo: Repository, digest: str, size: int, open_blob: Callable[[], BinaryIO],
                mount_from: str = "", progress: Callable[[int], None] | None = None) -> str:
    """Make ``digest`` present in the repository; how: "exists", "mounted" or "pushed"."""
    if repo.blob_size(digest) is not None:
        return "exists"
    if mount_from and mount_from != repo.path and repo.mount(digest, mount_from):
        return "mounted"
    location = repo.start_upload()
    with open_blob() as f:
        if size <= MONOLITHIC_MAX:
            data = f.read()
            repo.finish_upload(location, digest, data, len(data))
        else:
            sent = 0
            while chunk := f.read(CHUNK):
                location = repo.patch(location, chunk, sent)
                sent += len(chunk)
                if progress is not None:
                    progress(sent)
            repo.finish_upload(location, digest)
    if progress is not None:
        progress(size)
    return "pushed"
