"""The blobs that one input of a training means (usage, catalog or evaluation files): listed once, read lazily."""
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterator

from storage.exceptions import ContainerNotFoundError
from storage.usage_blobs import download_blob_bytes, list_usage_blobs

from .exceptions import UnusableInputError


@dataclass(frozen=True)
class InputBlobs:
    """The blobs a model parameter's path means, in name order, and what they hold ("usage files", ...)."""

    container: object  # the ContainerClient they live in
    names: tuple
    what: str

    @classmethod
    def find(cls, blobs, container_name: str, path: str, what: str) -> "InputBlobs":
        """The blobs at `path` in a container. :raise UnusableInputError: no such container, or no blob there"""
        container = blobs.get_container_client(container_name)
        try:
            names = list_usage_blobs(container, path)
        except ContainerNotFoundError as error:
            raise UnusableInputError(str(error)) from None
        if not names:
            raise UnusableInputError(f"no {what.split()[0]} blob at '{container_name}/{path}'")
        return cls(container, tuple(names), what)

    def download(self, report_progress: Callable[[str], None]) -> Iterator[tuple]:
        """(name, bytes) of each blob, in order; the next one downloads (in a thread) while this one is used.

        At most two blobs are held at once: the one given out and the one on its way.
        """
        total = len(self.names)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="blob-prefetch") as prefetch:
            coming = prefetch.submit(download_blob_bytes, self.container, self.names[0]) if total else None
            for number, name in enumerate(self.names, start=1):
                report_progress(f"Downloading {self.what}: {name} ({number} of {total}, {(number - 1) / total:.0%})")
                content = coming.result()
                coming = prefetch.submit(download_blob_bytes, self.container, self.names[number]) \
                    if number < total else None
                yield name, content
                del content  # the consumer's copy is the only one left

    def parsing_progress(self, report_progress: Callable[[str], None]) -> Callable[[str, int], None]:
        """A parser's progress(name, lines read) that reports the stage and the share of the files done."""
        position = {name: number for number, name in enumerate(self.names, start=1)}
        total = len(self.names)
        return lambda name, lines: report_progress(
            f"Parsing {self.what}: {name} (file {position[name]} of {total}, {(position[name] - 1) / total:.0%} done, "
            f"{lines:,} lines read)")
