"""py-spy on the gunicorn workers of bench/serve_load.py, summarised as where the request time goes.

py-spy samples with --gil: only the thread holding the GIL is sampled, so an
idle thread-pool thread (or one waiting for the GIL) counts for nothing and
every sample is Python CPU time of a request. Native work that releases the
GIL (socket writes, some numpy) is left out; it is small next to the Python
work here.
"""
import collections
import re
import subprocess
import sys
import tomllib
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PY_SPY = Path(sys.executable).parent / "py-spy"
STDLIB = re.compile(r"^.*/lib/python3\.\d+/")

# (what, path fragment) per frame; the deepest frame of a stack that matches one names the component of the
# sample. Libraries with no entry here (numpy, cachetools, the stdlib but json and logging) count for
# whatever called them.
COMPONENTS = [
    ("JSON encoding", "/json/"),
    ("logging (the JSON request line)", "/logging/"),
    ("logging (gunicorn's access log)", "/gunicorn/glogging.py"),
    ("gunicorn (HTTP parsing, socket, thread pool)", "/gunicorn/"),
    ("Flask/werkzeug (routing, request/response)", "/flask/"),
    ("Flask/werkzeug (routing, request/response)", "/werkzeug/"),
    ("marshmallow (query/body validation)", "/marshmallow/"),
    ("auth (API key check)", "/webapp/auth.py"),
    ("webapp views and errors", "/webapp/"),
    ("registry lookup", "/registry/"),
    ("model provider and answer cache", "/model_provider/"),
    ("request events to an event table (recommender/events.py)", "/recommender/events.py"),
    ("SAR scoring (recommender/)", "/recommender/"),
]


def ensure_py_spy() -> Path:
    """py-spy in this virtualenv, installed with pip when missing, as pyproject.toml's `bench` extra pins it."""
    if not PY_SPY.exists():
        with open(REPO_ROOT / "pyproject.toml", "rb") as pyproject:
            requirements = tomllib.load(pyproject)["project"]["optional-dependencies"]["bench"]
        print(f"installing {' '.join(requirements)} into this virtualenv ...", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        *requirements], check=True)
    return PY_SPY


def start_recording(master_pid: int, seconds: int, output: Path) -> subprocess.Popen:
    """Sample every worker of the gunicorn master for `seconds`, in py-spy's raw (collapsed stacks) format."""
    command = [str(ensure_py_spy()), "record", "--pid", str(master_pid), "--subprocesses", "--gil",
               "--rate", "100", "--duration", str(seconds), "--function", "--full-filenames",
               "--format", "raw", "--output", str(output)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def read_stacks(raw_path: Path) -> list:
    """(frames root first, samples) per line of a raw py-spy file, without its `process ...` frames."""
    stacks = []
    for line in raw_path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [frame for frame in stack.split(";") if not frame.startswith("process ")]
        if frames:
            stacks.append((frames, int(count)))
    return stacks


def component_of(frames: list) -> str:
    for frame in reversed(frames):
        for name, fragment in COMPONENTS:
            if fragment in frame:
                return name
    return "other"


def summary(raw_path: Path, top: int = 15) -> str:
    """Markdown: samples per component, the top functions by own samples, and our own functions inclusive."""
    stacks = read_stacks(raw_path)
    total = sum(count for _, count in stacks) or 1
    components, own, inclusive = collections.Counter(), collections.Counter(), collections.Counter()
    for frames, count in stacks:
        components[component_of(frames)] += count
        own[_short(frames[-1])] += count
        for frame in set(frames):
            if str(REPO_ROOT) in frame and "/.venv/" not in frame:
                inclusive[_short(frame)] += count

    def table(title: str, counter: collections.Counter, limit: int) -> list:
        lines = [f"| {title} | samples | % |", "|---|---|---|"]
        lines += [f"| {name} | {n} | {100 * n / total:.1f} |" for name, n in counter.most_common(limit)]
        return lines

    return "\n".join([f"{total} samples of GIL-holding Python stacks (py-spy --gil, 100 Hz, every worker)", "",
                      *table("component (deepest matching frame)", components, len(components)), "",
                      *table("function (own time)", own, top), "",
                      *table("our function (inclusive)", inclusive, top)])


def _short(frame: str) -> str:
    """`name (path:line)` with the path from the repository, site-packages or the stdlib folder on."""
    name, _, location = frame.partition(" (")
    path = location.rstrip(")").rsplit(":", 1)[0]
    for marker in ("/site-packages/", str(REPO_ROOT) + "/"):
        if marker in path:
            return f"{name} ({path.split(marker, 1)[1]})"
    return f"{name} ({STDLIB.sub('', path)})"


def wait(process: subprocess.Popen, seconds: float) -> None:
    """Wait for py-spy to write its file; its error text when it failed."""
    try:
        _, errors = process.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise RuntimeError("py-spy did not finish in time") from None
    if process.returncode != 0:
        raise RuntimeError(f"py-spy failed ({process.returncode}): {errors.strip()[-500:]}")

