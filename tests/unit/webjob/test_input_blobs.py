"""InputBlobs.download: blobs come in name order, and the next one downloads while the current one is used."""
import threading

import pytest

from webjob.input_blobs import InputBlobs


class _Downloader:
    def __init__(self, content: bytes, started: threading.Event):
        started.set()
        self.size, self._content = len(content), content

    def chunks(self):
        yield self._content


class FakeContainer:
    """download_blob as storage.usage_blobs uses it; records which downloads have started."""

    def __init__(self, blobs: dict):
        self.blobs = blobs
        self.started = {name: threading.Event() for name in blobs}

    def download_blob(self, name):
        if name == "boom":
            raise OSError("the storage went away")
        return _Downloader(self.blobs[name], self.started[name])


def test_the_next_blob_downloads_while_the_current_one_is_used():
    container = FakeContainer({"a": b"1", "b": b"22", "c": b"333"})
    messages = []
    blobs = InputBlobs(container, ("a", "b", "c"), "usage files")
    received = []
    for name, content in blobs.download(messages.append):
        received.append((name, bytes(content)))
        following = {"a": "b", "b": "c"}.get(name)
        if following:  # the consumer has not asked for it: only a prefetch can have started it
            assert container.started[following].wait(timeout=10)
    assert received == [("a", b"1"), ("b", b"22"), ("c", b"333")]
    assert messages == ["Downloading usage files: a (1 of 3, 0%)", "Downloading usage files: b (2 of 3, 33%)",
                        "Downloading usage files: c (3 of 3, 67%)"]


def test_a_failed_download_reaches_the_consumer_at_its_turn():
    blobs = InputBlobs(FakeContainer({"a": b"1"}), ("a", "boom"), "usage files")
    downloads = blobs.download(lambda message: None)
    assert next(downloads) == ("a", bytearray(b"1"))
    with pytest.raises(OSError, match="went away"):
        next(downloads)

