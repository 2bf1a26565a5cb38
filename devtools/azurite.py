"""Start and stop a private Azurite (the Azure Storage emulator) on free loopback ports.

Used by the test suite (one per session) and by the demo. Azurite comes from
the project's package.json (`npm ci`); it listens on 127.0.0.1 only, with
telemetry off and a data folder of its own.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Optional

REPO_ROOT = Path(__file__).resolve().parent.parent
AZURITE_BIN = REPO_ROOT / "node_modules" / ".bin" / "azurite"
ACCOUNT = "devstoreaccount1"
# Azurite's fixed, publicly documented development key: not a secret.
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
READY_TIMEOUT_SECONDS = 30.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Azurite:
    """One Azurite process: `with Azurite() as azurite: azurite.connection_string`."""

    def __init__(self, location: Optional[Path] = None, ports: Optional[tuple] = None):
        self._own_location = location is None
        self.location = Path(location or tempfile.mkdtemp(prefix="azurite-"))
        self.blob_port, self.queue_port, self.table_port = ports or (free_port(), free_port(), free_port())
        self._process = None
        self._log = None

    @property
    def connection_string(self) -> str:
        """A connection string for the three services of this instance."""
        base = "http://127.0.0.1"
        return (f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
                f"BlobEndpoint={base}:{self.blob_port}/{ACCOUNT};QueueEndpoint={base}:{self.queue_port}/{ACCOUNT};"
                f"TableEndpoint={base}:{self.table_port}/{ACCOUNT};")

    def start(self) -> "Azurite":
        """Start the process and wait until all three services answer."""
        if not AZURITE_BIN.exists():
            raise RuntimeError(f"{AZURITE_BIN} is missing: run `npm ci` in {REPO_ROOT}")
        self.location.mkdir(parents=True, exist_ok=True)
        self._log = open(self.location / "azurite.log", "ab")
        self._process = subprocess.Popen(
            [str(AZURITE_BIN), "--silent", "--disableTelemetry", "--skipApiVersionCheck", "--loose",
             "--location", str(self.location),
             "--blobHost", "127.0.0.1", "--blobPort", str(self.blob_port),
             "--queueHost", "127.0.0.1", "--queuePort", str(self.queue_port),
             "--tableHost", "127.0.0.1", "--tablePort", str(self.table_port)],
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self._wait_ready()
        return self

    def stop(self):
        """Stop the process (its data folder stays, unless it was a temporary one)."""
        if self._process is not None and self._process.poll() is None:
            os.killpg(self._process.pid, 15)
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, 9)
                self._process.wait()
        self._process = None
        if self._log:
            self._log.close()
            self._log = None

    def cleanup(self):
        """Stop, and remove a temporary data folder."""
        self.stop()
        if self._own_location:
            shutil.rmtree(self.location, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.cleanup()
        return False

    def _wait_ready(self):
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        pending = {self.blob_port, self.queue_port, self.table_port}
        while pending:
            if self._process.poll() is not None:
                raise RuntimeError(f"Azurite exited with {self._process.returncode}; see {self.location / 'azurite.log'}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Azurite did not answer on ports {sorted(pending)} within {READY_TIMEOUT_SECONDS} s")
            pending = {port for port in pending if not _answers(port)}
            if pending:
                time.sleep(0.1)


def _answers(port: int) -> bool:
    """Any HTTP answer (even 400/403) means the service is up."""
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/{ACCOUNT}?comp=list", timeout=1)
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True
