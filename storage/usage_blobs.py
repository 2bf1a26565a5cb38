"""Where a model's usage data lives: one blob, or the blobs directly under a folder."""
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import ContainerClient

from .exceptions import ContainerNotFoundError


def list_usage_blobs(container: ContainerClient, relative_path: str) -> list:
    """Names of the blobs a path means, in name order: the blob itself, or the folder's direct children.

    Returns [] when nothing is there; ContainerNotFoundError when the container is missing.
    """
    path = relative_path.strip("/")
    blob = container.get_blob_client(path)
    try:
        blob.get_blob_properties()
        return [path]
    except ResourceNotFoundError:
        if not container.exists():
            raise ContainerNotFoundError(f"blob container {container.container_name!r} does not exist") from None
    prefix = path + "/"
    names = [item.name for item in container.list_blobs(name_starts_with=prefix)]
    return sorted(name for name in names if "/" not in name[len(prefix):])


def download_blob_bytes(container, name: str) -> bytearray:
    """A blob's bytes, written in place into one buffer of its size (readall would hold two copies at its end)."""
    downloader = container.download_blob(name)
    content = bytearray(downloader.size)
    position = 0
    for chunk in downloader.chunks():
        content[position:position + len(chunk)] = chunk
        position += len(chunk)
    return content
