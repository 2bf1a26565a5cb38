"""Training at the speed of the hardware (issue 24): end to end through the worker, parsing alone, fit alone.

    .venv/bin/python bench/training_scale.py                 # e2e-15m, e2e-1m, parse, fit; ours and main's code
    .venv/bin/python bench/training_scale.py --parts e2e-1m,parse --no-main
    .venv/bin/python bench/training_scale.py --parts huge --no-main     # 100M events; needs 18 GiB available
    options: --parts e2e-15m,e2e-1m,parse,fit,huge  --no-main  --json OUT

Data: bench/synth.py, seed 7 (.cache/synth/, generated when missing): 15M events / 500k users / 60k items
as a folder of 15 files of 1M lines (bench/parse_scale.py's folder), and 1M events / 50k users / 100k
items as one file.

- e2e-15m, e2e-1m: a private Azurite, the usage uploaded as blobs, the web app (ours) and the worker
  (`python -m webjob`, default settings) of the code under test; a model with the service's defaults
  (Jaccard, threshold 6, item-to-item) is created by POST /api/models and polled every 0.1 s until it is
  Completed. Figures: seconds from the POST to the first Completed answer, the worker's peak RSS (its
  VmHWM, read before it is stopped), the model's own statistics, and the progress messages seen.
- parse: recommender.parsing.parse_usage_files on the 15 files (read from disk, one at a time), in a child
  process per code: lines per second of wall time.
- fit: in one child (our code), the 15M events parsed, then our fit at threshold 6 with 1 and with 2
  threads, and implicit's CosineRecommender(K=100).fit on the same binary user-item matrix (implicit is
  the `bench` extra: pip install "implicit>=0.7,<1"; never a runtime dependency).

- huge (only when asked): 100M events / 2M users / 1M items (100 files of 1M lines, from disk), threshold
  6, item-to-item, in one process as the worker's local engine runs them (parse, fit, serialize; no
  Azurite: its upload of 3.5 GB and of the model would measure Azurite); killed past 16 GiB.

"Main's code" is main before the work on issue 24 (0ece4ce, the issue's "today"; --base REV for another),
unpacked into .cache/main-code-REV by `git archive`; its worker and parser run there, side by side with
ours in one run (alternating), so that the ratios share the machine's load, which is printed.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from devtools.azurite import Azurite  # noqa: E402
from devtools.stack import ServiceProcess, service_environ, start_webapp  # noqa: E402

from parse_scale import ensure_folder  # noqa: E402
from sar_scale import FULL_CASES, REPO_ROOT, ensure_data, machine  # noqa: E402

BEFORE_ISSUE_24 = "0ece4ce"
"""main before the work on issue 24 (its "today's code"): the default side of every ratio."""
WORK_DIR = REPO_ROOT / ".cache" / "bench" / "training"
KEYS = {"admin_primary_key": "bench-admin-key-1", "recommend_primary_key": "bench-recommend-key"}
TARGETS = {"e2e-15m": (20.0, 2.0), "e2e-1m": (3.0, None)}
"""Seconds from POST to Completed, and worker peak GiB, the issue asks for."""
GIB = 2**30
TIMEOUT_SECONDS = 900


def say(message: str):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main_code(revision: str) -> Path:
    """The code at `revision`, unpacked once into .cache/main-code-<revision>."""
    tree = REPO_ROOT / ".cache" / f"main-code-{revision}"
    if not (tree / "recommender").exists():
        tree.mkdir(parents=True, exist_ok=True)
        archive = subprocess.Popen(["git", "archive", revision], cwd=REPO_ROOT, stdout=subprocess.PIPE)
        subprocess.run(["tar", "-x", "-C", str(tree)], stdin=archive.stdout, check=True)
        archive.wait()
    return tree


class CodeWorker(ServiceProcess):
    """`python -m webjob` run from a given code tree (its cwd comes first on sys.path)."""

    def __init__(self, root: Path, environ: dict, log_dir: Path, name: str):
        super().__init__(name, [sys.executable, "-m", "webjob"], environ, log_dir)
        self.root = root

    def start(self) -> "CodeWorker":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(self.command, env=self.environ, cwd=self.root, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def peak_gib(self) -> float:
        with open(f"/proc/{self.process.pid}/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) * 1024 / GIB


def upload(connection_string: str, container_name: str, files: list):
    from azure.storage.blob import BlobServiceClient

    container = BlobServiceClient.from_connection_string(connection_string).get_container_client(container_name)
    container.create_container()
    for path in files:
        with open(path, "rb") as content:
            container.upload_blob(f"usage/{path.name}", content, max_concurrency=2)


def train_once(base_url: str, container_name: str) -> dict:
    """POST a model with the defaults on the container's usage folder; poll until Completed."""
    admin = {"x-api-key": KEYS["admin_primary_key"]}
    body = {"description": "training_scale", "blobContainerName": container_name, "usageRelativePath": "usage"}
    started = time.perf_counter()
    created = requests.post(f"{base_url}/api/models", headers=admin, json=body, timeout=30)
    created.raise_for_status()
    model_id, messages = created.json()["id"], []
    while time.perf_counter() - started < TIMEOUT_SECONDS:
        model = requests.get(f"{base_url}/api/models/{model_id}", headers=admin, timeout=30).json()
        message = model.get("modelStatusMessage")
        if message and (not messages or messages[-1][1] != message):
            messages.append((round(time.perf_counter() - started, 1), message))  # when it was first seen
        if model["modelStatus"] in ("Completed", "Failed"):
            seconds = time.perf_counter() - started
            return {"seconds": seconds, "status": model["modelStatus"], "messages": messages,
                    "statistics": {key: value for key, value in (model.get("statistics") or {}).items()
                                   if key in ("totalDuration", "trainingDuration", "storingDuration",
                                              "numberOfUsers", "numberOfUsageItems")}}
        time.sleep(0.1)
    raise RuntimeError(f"model {model_id} did not finish within {TIMEOUT_SECONDS} s")


def end_to_end(part: str, files: list, codes: dict) -> list:
    """One training per code on the same blobs, alternating, each with a fresh worker."""
    rows = []
    with Azurite() as azurite:
        environ = service_environ(azurite.connection_string, KEYS)
        say(f"{part}: uploading {len(files)} file(s)")
        upload(azurite.connection_string, "usage", files)
        webapp, base_url = start_webapp(environ, WORK_DIR / "logs", workers=1, front=False)
        try:
            for name, root in codes.items():
                worker = CodeWorker(root, environ, WORK_DIR / "logs", f"{part}-{name}").start()
                try:
                    time.sleep(3)  # its imports and queue set-up, before the clock starts
                    say(f"{part}: training with {name}'s worker")
                    load = os.getloadavg()[0]
                    row = {"part": part, "code": name, "load_before": load, **train_once(base_url, "usage")}
                    row["worker_peak_gib"] = worker.peak_gib()
                    rows.append(row)
                    say(f"{part} {name}: {row['seconds']:.1f} s, worker peak {row['worker_peak_gib']:.2f} GiB")
                finally:
                    worker.stop()
        finally:
            webapp.stop()
    return rows


PARSE_CHILD = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from recommender.parsing import parse_usage_files
paths = sorted(Path(sys.argv[2]).glob("*.csv"))
def files():
    for path in paths:
        yield path.name, path.read_bytes()
wall, cpu = time.perf_counter(), time.process_time()
events, report = parse_usage_files(files())
print(json.dumps({"seconds": time.perf_counter() - wall, "cpu_seconds": time.process_time() - cpu,
                  "lines": report.total_lines, "events": len(events)}))
"""


def parse_alone(folder: Path, codes: dict) -> list:
    rows = []
    for name, root in codes.items():
        say(f"parse: {name}'s parser on {folder.name}")
        load = os.getloadavg()[0]
        done = subprocess.run([sys.executable, "-c", PARSE_CHILD, str(root), str(folder)], check=True,
                              capture_output=True, text=True, cwd=root)
        rows.append({"part": "parse", "code": name, "load_before": load, **json.loads(done.stdout)})
    return rows


FIT_CHILD = """
import json, sys, time
from pathlib import Path
import numpy as np, scipy.sparse as sp
sys.path.insert(0, sys.argv[1])
from recommender import SARParameters, fit
from recommender.parsing import parse_usage_files
events, _ = parse_usage_files((p.name, p.read_bytes()) for p in sorted(Path(sys.argv[2]).glob("*.csv")))
result = {}
for threads in (1, 2):
    started = time.perf_counter()
    model = fit(events, SARParameters(support_threshold=6), threads=threads)
    result[f"sar_threads_{threads}"] = time.perf_counter() - started
result["similarity_nnz"] = int(model.similarity.nnz)
users, items = events["user_id"].cat.codes.to_numpy(), events["item_id"].cat.codes.to_numpy()
user_items = sp.csr_matrix((np.ones(len(users), np.float32), (users, items)),
                           shape=(len(events["user_id"].cat.categories), len(events["item_id"].cat.categories)))
user_items.sum_duplicates(); user_items.data[:] = 1.0
del events, model
from implicit.nearest_neighbours import CosineRecommender
started = time.perf_counter()
CosineRecommender(K=100).fit(user_items, show_progress=False)
result["implicit_cosine_k100"] = time.perf_counter() - started
print(json.dumps(result))
"""


def fit_alone(folder: Path) -> list:
    say("fit: ours (1 and 2 threads) and implicit's CosineRecommender(K=100)")
    load = os.getloadavg()[0]
    done = subprocess.run([sys.executable, "-c", FIT_CHILD, str(REPO_ROOT), str(folder)], check=True,
                          capture_output=True, text=True, cwd=REPO_ROOT)
    return [{"part": "fit", "code": "ours", "load_before": load, **json.loads(done.stdout)}]


HUGE_CHILD = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from recommender import SARParameters, fit
from recommender.parsing import parse_usage_files
from recommender.serialization import to_bytes
def peak_gib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 2**20
def say(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
paths = sorted(Path(sys.argv[2]).glob("*.csv"))
result, started = {}, time.perf_counter()
events, report = parse_usage_files(((p.name, p.read_bytes()) for p in paths),
                                   progress=lambda name, lines: say(f"parsing {name}: {lines:,} lines"))
result.update(parse_seconds=time.perf_counter() - started, parse_peak_gib=peak_gib(), events=len(events))
stage = [None, time.perf_counter()]
def progress(name, fraction):
    if name != stage[0]:
        say(f"{name}"); stage[0] = name
    say(f"{name} ({fraction:.0%})")
fit_started = time.perf_counter()
model = fit(events, SARParameters(support_threshold=6), progress=progress)
del events
result.update(fit_seconds=time.perf_counter() - fit_started, fit_peak_gib=peak_gib(),
              similarity_nnz=int(model.similarity.nnz), items=len(model.item_ids))
store_started = time.perf_counter()
blob = to_bytes(model, "training-scale-huge")
result.update(serialize_seconds=time.perf_counter() - store_started, blob_gib=len(blob) / 2**30,
              total_seconds=time.perf_counter() - started, peak_gib=peak_gib())
print(json.dumps(result))
"""
HUGE_LIMIT_GIB = 16.0
HUGE_MIN_FREE_GIB = 18.0


def huge_one_process() -> list:
    """100M events / 2M users / 1M items in one process, as the worker's local engine runs them (files from disk)."""
    available = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                     if line.startswith("MemAvailable:")) / 2**20
    if available < HUGE_MIN_FREE_GIB:
        raise SystemExit(f"only {available:.1f} GiB available: the 100M case needs {HUGE_MIN_FREE_GIB:.0f}")
    folder = ensure_folder(2_000_000, 1_000_000, 100_000_000, 100)
    say(f"huge: one process on {folder.name} ({available:.1f} GiB available)")
    load = os.getloadavg()[0]
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", HUGE_CHILD, str(REPO_ROOT), str(folder)], cwd=REPO_ROOT,
                             stdout=subprocess.PIPE, text=True)
    killed = False
    while child.poll() is None:
        if not killed and _rss_gib(child.pid) > HUGE_LIMIT_GIB:
            child.kill()
            killed = True
        time.sleep(0.5)
    output = child.stdout.read()
    row = {"part": "huge", "code": "ours", "load_before": load, "wall_seconds": time.perf_counter() - started,
           "returncode": child.returncode, "killed_over_gib": HUGE_LIMIT_GIB if killed else None}
    if child.returncode == 0:
        row.update(json.loads(output))
    return [row]


def _rss_gib(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 2**20
    except (OSError, StopIteration):
        return 0.0


def report(rows: list) -> str:
    lines = []
    for row in rows:
        if row["part"].startswith("e2e"):
            seconds, gib = TARGETS[row["part"]]
            verdict = ("met" if row["seconds"] <= seconds and (gib is None or row["worker_peak_gib"] <= gib)
                       else "NOT met") if row["code"] == "ours" else "-"
            lines.append(f"{row['part']} {row['code']}: POST to {row['status']} {row['seconds']:.1f} s, worker peak "
                         f"{row['worker_peak_gib']:.2f} GiB (target <= {seconds:.0f} s"
                         f"{f', <= {gib:.0f} GiB' if gib else ''}: {verdict}); statistics {row['statistics']}; "
                         f"load {row['load_before']:.1f}")
            lines += [f"    progress at {seconds:5.1f} s: {message}" for seconds, message in row["messages"]]
        elif row["part"] == "parse":
            lines.append(f"parse {row['code']}: {row['lines']:,} lines in {row['seconds']:.1f} s wall "
                         f"({row['cpu_seconds']:.1f} s CPU), {row['lines'] / row['seconds']:,.0f} lines/s; "
                         f"load {row['load_before']:.1f}")
        elif row["part"] == "huge":
            lines.append(f"huge (100M events, one process): {json.dumps({k: v for k, v in row.items() if k != 'part'})}")
        else:
            lines.append(f"fit: SAR threshold 6 {row['sar_threads_1']:.1f} s on 1 thread, {row['sar_threads_2']:.1f} s "
                         f"on 2 ({row['similarity_nnz']:,} pairs); implicit CosineRecommender(K=100).fit "
                         f"{row['implicit_cosine_k100']:.1f} s; load {row['load_before']:.1f}")
    for part in ("e2e-15m", "e2e-1m", "parse"):
        pair = {row["code"]: row for row in rows if row["part"] == part}
        if len(pair) == 2:
            lines.append(f"{part}: main / ours = {pair['main']['seconds'] / pair['ours']['seconds']:.2f}x")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="e2e-15m,e2e-1m,parse,fit")
    parser.add_argument("--no-main", action="store_true", help="our code only (no side-by-side ratio)")
    parser.add_argument("--base", default=BEFORE_ISSUE_24,
                        help=f"the git revision of the other side (default {BEFORE_ISSUE_24}, main before issue 24)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    parts = args.parts.split(",")
    codes = {"ours": REPO_ROOT} if args.no_main else {"ours": REPO_ROOT, "main": main_code(args.base)}
    folder = ensure_folder(500_000, 60_000, 15_000_000, 15)
    rows = []
    if "e2e-15m" in parts:
        rows += end_to_end("e2e-15m", sorted(folder.glob("*.csv")), codes)
    if "e2e-1m" in parts:
        rows += end_to_end("e2e-1m", [ensure_data(FULL_CASES[2])], codes)
    if "parse" in parts:
        rows += parse_alone(folder, codes)
    if "fit" in parts:
        rows += fit_alone(folder)
    if "huge" in parts:
        rows += huge_one_process()
    print(f"{time.strftime('%Y-%m-%d %H:%M %Z')}; {machine()}")
    print(report(rows))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
