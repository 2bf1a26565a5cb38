"""Start the service's processes, as an operator would: gunicorn for the web app, `python -m webjob`."""
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from config.settings import Settings

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


def start_webapp(environ: dict, log_dir: Path, port: int = None, workers: int = 2, front: bool = True) -> tuple:
    """gunicorn "webapp:create_app()" on 127.0.0.1, behind the buffering front (nginx) unless `front` is False;
    returns (process, base URL) once it answers. `port` is the port clients use: the front's, or gunicorn's."""
    app_port = free_port() if front else (port or free_port())
    command = [sys.executable, "-m", "gunicorn", "--config", str(REPO_ROOT / "gunicorn.conf.py"),
               "--bind", f"127.0.0.1:{app_port}", "--workers", str(workers), "webapp:create_app()"]
    process = ServiceProcess("webapp", command, environ, log_dir).start()
    base_url = f"http://127.0.0.1:{app_port}"
    wait_http(base_url + "/api/models", process)
    if not front:
        return process, base_url
    from .front import start_front  # noqa: PLC0415 - front imports this module

    max_body = int(environ.get("MAX_REQUEST_BYTES", Settings.max_request_bytes))
    try:
        nginx, front_url = start_front(app_port, log_dir, max_body, port=port)
    except Exception:
        process.stop()
        raise
    return FrontedWebapp(process, nginx), front_url


class FrontedWebapp:
    """gunicorn and its front, stopped together; `log()` and `process` are gunicorn's."""

    def __init__(self, app: ServiceProcess, front: ServiceProcess):
        self.app, self.front = app, front
        self.process, self.log_path = app.process, app.log_path

    def stop(self, grace_seconds: float = 10.0) -> int:
        """Stop the front, then the app; returns the app's exit code."""
        self.front.stop(grace_seconds)
        return self.app.stop(grace_seconds)

    def kill(self) -> None:
        """SIGKILL the app (the front stays, answering 503 until stop())."""
        self.app.kill()

    def log(self) -> str:
        """What gunicorn printed so far."""
        return self.app.log()


def start_worker(environ: dict, log_dir: Path, name: str = "worker") -> ServiceProcess:
    """`python -m webjob`."""
    return ServiceProcess(name, [sys.executable, "-m", "webjob"], environ, log_dir).start()


def wait_http(url: str, process: ServiceProcess):
    """Return once `url` answers (any HTTP status); raise when the process exits or the time runs out."""
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
