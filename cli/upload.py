"""`recsvc upload`: files and folders to a blob container, with a progress bar.

Blob upload is not part of the REST API (the original service had operators
use Storage Explorer), so this command talks to the storage account itself.
"""
from pathlib import Path

from azure.core.exceptions import AzureError, ResourceExistsError
from azure.storage.blob import BlobServiceClient

from .exceptions import UploadError
from .progress import ProgressBar, format_bytes

BLOCK_BYTES = 4 * 1024 * 1024
"""Upload in blocks of this size, so the bar moves while a large file goes up."""


def collect_files(paths: list, prefix: str = "") -> list:
    """(local path, blob name) pairs: a file goes under prefix by its name, a folder's files by their path in it.

    Hidden files inside folders (names starting with '.') are skipped: they are never usage data.
    """
    prefix = prefix.strip("/")
    pairs = []
    for given in map(Path, paths):
        if given.is_dir():
            files = sorted(path for path in given.rglob("*") if path.is_file()
                           and not any(part.startswith(".") for part in path.relative_to(given).parts))
            names = [path.relative_to(given).as_posix() for path in files]
        elif given.is_file():
            files, names = [given], [given.name]
        else:
            raise UploadError(f"{given}: no such file or folder")
        pairs.extend((path, f"{prefix}/{name}" if prefix else name) for path, name in zip(files, names))
    if not pairs:
        raise UploadError("nothing to upload: the folders are empty")
    return pairs


def upload_files(connection_string: str, container_name: str, files: list, bar: ProgressBar) -> list:
    """Upload (path, blob name) pairs, replacing existing blobs; creates the container if missing."""
    try:
        service = BlobServiceClient.from_connection_string(
            connection_string, max_single_put_size=BLOCK_BYTES, max_block_size=BLOCK_BYTES)
        container = service.get_container_client(container_name)
        try:
            container.create_container()
        except ResourceExistsError:
            pass
        return _upload_all(container, files, bar)
    except ValueError as error:  # the SDK's answer to a malformed connection string
        raise UploadError(f"bad storage connection string: {error}") from None
    except AzureError as error:
        raise UploadError(f"storage refused the upload: {_first_line(error)}") from None
    finally:
        bar.close()


def _upload_all(container, files: list, bar: ProgressBar) -> list:
    sizes = [path.stat().st_size for path, _ in files]
    total, done = max(sum(sizes), 1), 0
    for number, ((path, name), size) in enumerate(zip(files, sizes), start=1):
        text = f"{container.container_name}/{name} ({number}/{len(files)})"

        def on_progress(current, _total, text=text, done=done):
            bar.update((done + current) / total, text, f"{format_bytes(done + current)} of {format_bytes(total)}")

        on_progress(0, size)
        try:
            with open(path, "rb") as handle:
                container.upload_blob(name, handle, length=size, overwrite=True, progress_hook=on_progress)
        except OSError as error:
            raise UploadError(f"{path}: {error.strerror}") from None
        done += size
    bar.update(1.0, f"uploaded {len(files)} file(s), {format_bytes(done)}", force=True)
    return [{"blob": name, "bytes": size} for (_, name), size in zip(files, sizes)]


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
