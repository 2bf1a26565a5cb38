"""Start the service's processes, as an operator would: gunicorn for the web app, `python -m webjob`."""
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from .azurite import REPO_ROOT, free_port

READY_TIMEOUT_SECONDS = 30.0


class ServiceProcess:
    """A child process with its output in a log file, stopped by SIGTERM (SIGKILL after a grace time)."""

    def __init__(self, name: str, command: list, environ: dict, log_dir: Path):
        self.name, self.command, self.environ = name, command, environ
        self.log_path = Path(log_dir) / f"{name}.log"
        self.process = None

    def start(self) -> "ServiceProcess":
        """Start the process."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(self.command, env=self.environ, cwd=REPO_ROOT, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        return self

    def stop(self, grace_seconds: float = 10.0) -> int:
        """SIGTERM, then SIGKILL after the grace time; returns the exit code."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=grace_seconds)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL now, as a crash or the out-of-memory killer would: no cleanup runs."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, 9)
            self.process.wait()

    def log(self) -> str:
        """What the process printed so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def service_environ(connection_string: str, keys: dict, **settings) -> dict:
    """The environment both processes read: storage, the four keys, and optional settings."""
    environ = {**os.environ, "AZURE_STORAGE_CONNECTION_STRING": connection_string, "PYTHONUNBUFFERED": "1"}
    environ.update({name.upper(): str(value) for name, value in {**keys, **settings}.items()})
    return environ


def start_webapp(environ: dict, log_dir: Path, port: int = None, workers: int = 2) -> tuple:
    """gunicorn "webapp:create_app()" on 127.0.0.1; returns (process, base URL) once it answers."""
    port = port or free_port()
    command = [sys.executable, "-m", "gunicorn", "--config", str(REPO_ROOT / "gunicorn.conf.py"),
               "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "webapp:create_app()"]
    process = ServiceProcess("webapp", command, environ, log_dir).start()
    base_url = f"http://127.0.0.1:{port}"
    _wait_http(base_url + "/api/models", process)
    return process, base_url


def start_worker(environ: dict, log_dir: Path, name: str = "worker") -> ServiceProcess:
    """`python -m webjob`."""
    return ServiceProcess(name, [sys.executable, "-m", "webjob"], environ, log_dir).start()


def _wait_http(url: str, process: ServiceProcess):
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.process.poll() is not None:
            raise RuntimeError(f"{process.name} exited with {process.process.returncode}:\n{process.log()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # 401 without a key: it answers
        except OSError:
            time.sleep(0.1)
    process.stop()
    raise RuntimeError(f"{process.name} did not answer at {url} within {READY_TIMEOUT_SECONDS} s:\n{process.log()[-3000:]}")
