"""The buffering front (Debian's nginx) before gunicorn, for tests and the demo: infra/nginx/recsvc.conf.template."""
import os
import shutil
import string
import tempfile
from pathlib import Path

from .azurite import REPO_ROOT, free_port
from .stack import ServiceProcess, wait_http

TEMPLATE = REPO_ROOT / "infra" / "nginx" / "recsvc.conf.template"
CLIENT_TIMEOUT = "10s"
"""How long nginx waits for a client's headers or the next part of its body (the template's default)."""

_MAIN = """worker_processes 1;
daemon off;
{user}
error_log {dir}/error.log warn;
pid {dir}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/recsvc.conf;
}}
"""


def nginx_binary():
    """The path of nginx, or None where it is not installed."""
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)


def render(upstream: str, listen: str, max_body_bytes: int, client_timeout: str = CLIENT_TIMEOUT) -> str:
    """The template with its ${...} filled; nginx's own $variables are left as they are."""
    return string.Template(TEMPLATE.read_text()).safe_substitute(
        RECSVC_UPSTREAM=upstream, RECSVC_FRONT_LISTEN=listen, RECSVC_MAX_BODY_BYTES=str(max_body_bytes),
        RECSVC_CLIENT_TIMEOUT=client_timeout)


def start_front(upstream_port: int, log_dir: Path, max_body_bytes: int, port: int = None,
                client_timeout: str = CLIENT_TIMEOUT) -> tuple:
    """nginx on 127.0.0.1 before gunicorn at 127.0.0.1:upstream_port; returns (process, base URL) once it answers."""
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed (Debian: apt-get install nginx-light)")
    port = port or free_port()
    work = Path(tempfile.mkdtemp(prefix="front-", dir=log_dir))
    (work / "recsvc.conf").write_text(render(f"127.0.0.1:{upstream_port}", f"127.0.0.1:{port}", max_body_bytes,
                                             client_timeout))
    user = "user root;" if os.geteuid() == 0 else ""  # as root nginx would switch to nobody, who cannot read `work`
    (work / "nginx.conf").write_text(_MAIN.format(dir=work, user=user))
    process = ServiceProcess("front", [binary, "-p", str(work), "-c", str(work / "nginx.conf")], dict(os.environ),
                             log_dir).start()
    base_url = f"http://127.0.0.1:{port}"
    wait_http(base_url + "/health/live", process)
    return process, base_url
