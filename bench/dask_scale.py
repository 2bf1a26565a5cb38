"""SAR training on a Dask LocalCluster against one process: memory per worker, time, and the overhead.

    .venv/bin/python bench/dask_scale.py [--quick] [--worker-memory-gib 2] [--json OUT]
    .venv/bin/python bench/dask_scale.py --case huge [--quick] [--worker-memory-gib 8]   # 100M events, ~20-30 min

Data: bench/synth.py, seed 7 (as bench/sar_scale.py makes it, cached in
.cache/synth/), cut into at least 4 blobs of at most BLOB_LINES lines and uploaded to a private
Azurite (devtools/azurite.py), the way an operator would upload a large data
set: a folder of files. Two cases, both with the service's default
parameters (Jaccard, threshold 6, 30-day decay, item-to-item):

- "fits": 15M events / 500k users / 60k items. One process (the worker's local
  path: download each blob, parse_usage_files, recommender.fit) against the
  cluster path (distributed_sar: each Dask worker downloads and parses its own
  blobs): time of each, the overhead ratio, and that both models are equal.
- "large": 30M events / 1M users / 100k items. The one process runs under an
  RSS limit equal to one Dask worker's memory limit (a watchdog polls its RSS
  and kills it past the limit, as the Dask nanny does to a worker); then the
  cluster path on 2 single-threaded workers with that memory limit each.

`--case huge` (issue 24) runs the cluster path alone on 100M events / 2M users
/ 1M items, threshold 6, item-to-item: bench/parse_scale.py's folder of 100
files of 1M lines (found, or made from synth.py's CSV), each uploaded as a blob
(the upload is timed apart, outside the time budget). The one-process figure
is bench/training_scale.py's `--parts huge`. Its workers get 8 GiB each, the
run 40 minutes and 20 GiB for the child's tree; it refuses to start with less
than 18 GiB available. `--case huge --quick` runs the same on 400k events in 4
files.

Every run is a child process (`--child single|cluster`). Peak memory is the
OS's figure (ru_maxrss) of each process: the single process, each Dask worker
process (read by client.run at the end; a restarted worker would show as a
restart), and the client process, which also hosts the scheduler and ends up
holding the model, as the web job does. A watchdog bounds every child in time
and the whole run's memory (MACHINE_RSS_LIMIT_GIB over the child's process tree);
it also keeps the highest RSS it saw of each descendant (the workers' figures
when they do not live to the end). The cluster path's stages are timed from
the training's own progress reports (the first report of each stage).
"""

import argparse
import datetime as dt
import importlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from parse_scale import ensure_folder  # noqa: E402 - bench/ is this script's folder
from process_tree import kill_tree, rss_kb, tree_rss_kb  # noqa: E402
from sar_scale import Case, ensure_data, machine  # noqa: E402

BLOB_LINES = 1_000_000
"""Lines per uploaded blob (about 33 MB of synth.py data): one partition, one parse task each."""
THRESHOLD = 6
RUN_BUDGET_SECONDS = 14 * 60.0
"""The whole benchmark's time: a child still running when it is spent is killed (and reported so)."""
MACHINE_RSS_LIMIT_GIB = 10.0
"""The run's share of this shared 24 GiB machine: a child whose process tree passes it is killed."""
HUGE_RUN_BUDGET_SECONDS = 40 * 60.0
"""The huge case's time, the upload excluded."""
HUGE_MACHINE_RSS_LIMIT_GIB = 20.0
"""The huge case's share of the machine: two workers of HUGE_WORKER_MEMORY_GIB and the client."""
HUGE_WORKER_MEMORY_GIB = 8.0
"""Each Dask worker's memory limit in the huge case (nanny: spill from 60%, pause at 80%, restart at 95%)."""
HUGE_MIN_AVAILABLE_GIB = 18.0
"""The huge case does not start with less memory available (free plus page cache) than this."""
POLL_SECONDS = 0.2
GIB = 2**30

CASES = {
    "fits": Case("fits", 500_000, 60_000, 15_000_000),
    "large": Case("large", 1_000_000, 100_000, 30_000_000),
}
QUICK_CASES = {
    "fits": Case("fits", 20_000, 6_000, 300_000),
    "large": Case("large", 50_000, 20_000, 1_000_000),
}
HUGE_CASES = {"huge": (Case("huge", 2_000_000, 1_000_000, 100_000_000), 100)}
"""The case and the number of files (blobs) its events come in: 1M lines each."""
QUICK_HUGE_CASES = {"huge": (Case("huge", 20_000, 5_000, 400_000), 4)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data: checks the machinery, not the claims")
    parser.add_argument("--case", choices=["default", "huge"], default="default",
                        help="default: fits and large; huge: 100M events on the cluster only")
    parser.add_argument("--worker-memory-gib", type=float,
                        help=f"memory limit of each Dask worker (default 2, huge {HUGE_WORKER_MEMORY_GIB:g})")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--child", choices=["single", "cluster"], help=argparse.SUPPRESS)
    parser.add_argument("--container", help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--save-model", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return run_child(args)
    from devtools.azurite import Azurite

    huge = args.case == "huge"
    worker_gib = args.worker_memory_gib or (HUGE_WORKER_MEMORY_GIB if huge else 2.0)
    if huge and not args.quick and available_gib() < HUGE_MIN_AVAILABLE_GIB:
        raise SystemExit(f"only {available_gib():.1f} GiB available: the huge case needs {HUGE_MIN_AVAILABLE_GIB:g}")
    started, load_before = dt.datetime.now().astimezone(), os.getloadavg()
    with Azurite() as azurite, tempfile.TemporaryDirectory() as scratch:
        environ = {**os.environ, "AZURE_STORAGE_CONNECTION_STRING": azurite.connection_string}
        if huge:
            cases = QUICK_HUGE_CASES if args.quick else HUGE_CASES
            rows = run_huge(*cases["huge"], worker_gib, environ)
            cases = {name: case for name, (case, _) in cases.items()}
        else:
            cases = QUICK_CASES if args.quick else CASES
            rows = run_cases(cases, worker_gib, environ, Path(scratch))
    load = f"load average {load_before[0]:.1f} at the start, {os.getloadavg()[1]:.1f} over the last 5 min at the end"
    print(f"\n{started:%Y-%m-%d %H:%M %Z} to {dt.datetime.now().astimezone():%H:%M}; {machine()}; {load}; "
          f"Dask workers: 2 x 1 thread, {worker_gib:g} GiB each\n")
    print(table(rows, cases))
    print(details(rows))
    if args.json:
        args.json.write_text(json.dumps({"started": started.isoformat(), "machine": machine(), "rows": rows}, indent=1))
    return 0 if all(row["returncode"] == 0 for row in rows if row["expect_success"]) else 1


def run_cases(cases: dict, worker_gib: float, environ: dict, scratch: Path) -> list:
    deadline = time.monotonic() + RUN_BUDGET_SECONDS
    rows = []
    fits, large = cases["fits"], cases["large"]
    upload(fits, environ)
    single_model, cluster_model = scratch / "single.model", scratch / "cluster.model"
    rows.append(run("single", fits, environ, None, deadline, expect_success=True, save_model=single_model))
    rows.append(run("cluster", fits, environ, worker_gib, deadline, expect_success=True, save_model=cluster_model))
    rows[-1]["equal_to_single"] = models_equal(single_model, cluster_model)
    upload(large, environ)
    rows.append(run("single", large, environ, worker_gib, deadline, expect_success=False))
    rows.append(run("cluster", large, environ, worker_gib, deadline, expect_success=True))
    return rows


def run_huge(case: Case, files: int, worker_gib: float, environ: dict) -> list:
    """The cluster path alone on the case's folder of `files` files, uploaded as they are."""
    folder = ensure_folder(case.users, case.items, case.events, files)
    upload_seconds = upload_folder(case.name, folder, environ)
    deadline = time.monotonic() + HUGE_RUN_BUDGET_SECONDS
    row = run("cluster", case, environ, worker_gib, deadline, expect_success=True,
              tree_limit_gib=HUGE_MACHINE_RSS_LIMIT_GIB)
    row["upload_seconds"] = upload_seconds
    return [row]


def upload_folder(container_name: str, folder: Path, environ: dict) -> float:
    """Upload each CSV file of the folder as a blob usage/<file name>; the seconds it took."""
    from azure.storage.blob import BlobServiceClient

    paths = sorted(folder.glob("*.csv"))
    service = BlobServiceClient.from_connection_string(environ["AZURE_STORAGE_CONNECTION_STRING"])
    container = service.create_container(container_name)
    log(f"{container_name}: uploading the {len(paths)} files of {folder.name}/ "
        f"({sum(path.stat().st_size for path in paths) / GIB:.2f} GiB)")
    started = time.perf_counter()
    for path in paths:
        with open(path, "rb") as content:
            container.upload_blob(f"usage/{path.name}", content, max_concurrency=2)
    seconds = time.perf_counter() - started
    log(f"{container_name}: uploaded in {seconds:.0f} s")
    return seconds


def upload(case: Case, environ: dict):
    """Cut the case's CSV into at least 4 blobs of at most BLOB_LINES lines, in a container named after the case."""
    from azure.storage.blob import BlobServiceClient

    path = ensure_data(case)
    service = BlobServiceClient.from_connection_string(environ["AZURE_STORAGE_CONNECTION_STRING"])
    container = service.create_container(case.name)
    lines_per_blob = min(BLOB_LINES, case.events // 4)
    log(f"{case.name}: uploading {path.name} in blobs of {lines_per_blob:,} lines")
    with open(path, "rb") as source:
        number = 0
        while True:
            lines = source.readlines(lines_per_blob * 34)  # a size hint: about that many lines of synth data
            if not lines:
                break
            container.upload_blob(f"usage/part-{number:04d}.csv", b"".join(lines))
            number += 1


def run(mode: str, case: Case, environ: dict, worker_gib, deadline: float, expect_success: bool,
        save_model: Path = None, tree_limit_gib: float = MACHINE_RSS_LIMIT_GIB) -> dict:
    """One child process under the watchdog (killed past `deadline`, a time.monotonic(), or its tree past
    `tree_limit_gib`); its result with the OS's peak of the child itself and the polled peaks of its descendants."""
    limit_gib = worker_gib if mode == "single" else None
    with tempfile.TemporaryDirectory() as scratch:
        result_path, stage_path = Path(scratch) / "result.json", Path(scratch) / "stage"
        stage_path.write_text("starting")
        command = [sys.executable, __file__, "--child", mode, "--container", case.name, "--result", str(result_path)]
        command += ["--worker-memory-gib", str(worker_gib or 0)]
        command += ["--save-model", str(save_model)] if save_model else []
        log(f"{case.name}: {mode}{f' (RSS limit {limit_gib:g} GiB)' if limit_gib else ''} ...")
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=REPO_ROOT, env={**environ, "BENCH_STAGE_FILE": str(stage_path)})
        stopped, peak_tree_kb, descendant_peaks_kb = None, 0, {}
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            own, tree = rss_kb(child.pid), tree_rss_kb(child.pid, descendant_peaks_kb)
            peak_tree_kb = max(peak_tree_kb, tree)
            if stopped is None and limit_gib and own > limit_gib * GIB / 1024:
                stopped = f"killed by the watchdog at {own / 2**20:.2f} GiB RSS, while {stage_path.read_text()}"
            elif stopped is None and tree > tree_limit_gib * GIB / 1024:
                stopped = f"killed: its process tree passed {tree_limit_gib:g} GiB, while {stage_path.read_text()}"
            elif stopped is None and time.monotonic() > deadline:
                stopped = (f"killed after {time.perf_counter() - started:.0f} s: the benchmark's time is spent, "
                           f"while {stage_path.read_text()}")
            if stopped and child.poll() is None:
                kill_tree(child.pid)
            time.sleep(POLL_SECONDS)
        result = json.loads(result_path.read_text()) if result_path.exists() else {}
    result.update(case=case.name, mode=mode, limit_gib=limit_gib, worker_gib=worker_gib if mode == "cluster" else None,
                  returncode=os.waitstatus_to_exitcode(status), stopped=stopped, expect_success=expect_success,
                  peak_kb=usage.ru_maxrss, peak_tree_kb=peak_tree_kb, wall_seconds=time.perf_counter() - started,
                  descendant_peaks_kb=sorted(descendant_peaks_kb.values()))
    log(f"{case.name}: {mode}: {stopped or 'exit ' + str(result['returncode'])}, {result['wall_seconds']:.0f} s")
    return result


def available_gib() -> float:
    """MemAvailable: free memory plus what the kernel can reclaim (page cache)."""
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    return next(int(line.split()[1]) for line in meminfo if line.startswith("MemAvailable:")) / 2**20


def models_equal(first: Path, second: Path) -> bool:
    from recommender import from_bytes

    if not (first.exists() and second.exists()):
        return False
    a, b = from_bytes(first.read_bytes()), from_bytes(second.read_bytes())
    return (list(a.item_ids) == list(b.item_ids) and (a.popularity == b.popularity).all()
            and a.similarity.shape == b.similarity.shape and abs(a.similarity - b.similarity).max() <= 1e-9
            and a.similarity.nnz == b.similarity.nnz)


def run_child(args) -> int:
    """The body of a child process: one training, the single-process way or on a LocalCluster."""
    from datetime import timedelta

    from azure.storage.blob import BlobServiceClient

    from config.secret import Secret
    from distributed_sar import BlobFiles
    from recommender import SARParameters, to_bytes
    from storage.sas import ReadOnlyContainerUrls, account_key_of

    connection = Secret(os.environ["AZURE_STORAGE_CONNECTION_STRING"])
    service = BlobServiceClient.from_connection_string(str(connection))
    container = service.get_container_client(args.container)
    names = sorted(blob.name for blob in container.list_blobs())
    read_only_url = ReadOnlyContainerUrls(service, account_key_of(connection), timedelta(days=1)).url_of(args.container)
    files = BlobFiles.of(read_only_url, container, names)
    params = SARParameters(support_threshold=THRESHOLD)
    result = {"blobs": len(names), "input_gib": files.total_bytes / GIB}
    if args.child == "single":
        model = train_single(files, params, result)
    else:
        model = train_on_cluster(files, params, result, args.worker_memory_gib)
    result.update(similarity_nnz=int(model.similarity.nnz), items=int(model.n_items),
                  child_peak_kb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    if args.save_model:
        args.save_model.write_bytes(to_bytes(model, args.child))
    args.result.write_text(json.dumps(result))
    return 0


def train_single(files, params, result: dict):
    from recommender import fit
    from recommender.parsing import parse_usage_files

    stage("parsing")
    started = time.perf_counter()
    events, _ = parse_usage_files(((name, files.read(name)) for name in files.names), 100)
    result["parse_seconds"] = time.perf_counter() - started
    stage("fitting")
    started = time.perf_counter()
    model = fit(events, params)
    result.update(fit_seconds=time.perf_counter() - started, events=len(events),
                  users=int(events["user_id"].nunique()))
    return model


def train_on_cluster(files, params, result: dict, worker_gib: float):
    import logging

    from distributed import Client, LocalCluster

    from distributed_sar import load_usage_blobs

    logging.getLogger("distributed").setLevel(logging.ERROR)  # worker restarts are counted, not logged
    started = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0",
                      memory_limit=f"{worker_gib}GiB") as cluster, Client(cluster, set_as_default=False) as client:
        pids = client.run(os.getpid)
        # Warm workers, as a long-running cluster's are; the one process too imported all this before its clock.
        for module in ("distributed_sar.parts", "distributed_sar.groups", "azure.storage.blob"):
            client.run(importlib.import_module, module)
        result["cluster_start_seconds"] = time.perf_counter() - started
        stage("parsing on the cluster")
        started, clock = time.perf_counter(), StageClock()
        usage = load_usage_blobs(client, files, 100, progress=clock)
        result["parse_seconds"] = time.perf_counter() - started
        stage("fitting on the cluster")
        started = time.perf_counter()
        model = usage.fit(params, progress=clock)
        result.update(fit_seconds=time.perf_counter() - started, events=usage.n_events, users=usage.n_users,
                      stages=clock.durations())
        usage.release()
        peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        result.update(worker_peak_kb=sorted(peaks.values()), worker_restarts=len(set(pids.values()) - set(
            client.run(os.getpid).values())))
    return model


class StageClock:
    """The training's progress callback: when each stage is first reported; logs and tells the parent every 10%."""

    def __init__(self):
        self.started = time.perf_counter()
        self.first_seen = {}
        self._last = None

    def __call__(self, name: str, fraction: float):
        self.first_seen.setdefault(name, time.perf_counter() - self.started)
        if (name, int(fraction * 10)) != self._last:
            self._last = (name, int(fraction * 10))
            stage(f"{name} ({fraction:.0%})")
            log(f"{name} ({fraction:.0%}), {time.perf_counter() - self.started:.0f} s")

    def durations(self) -> dict:
        """Seconds of each stage: from its first report to the next stage's (the first from the clock's start,
        the clock being made just before the training; the last to now)."""
        starts = sorted(self.first_seen.items(), key=lambda pair: pair[1])
        starts[:1] = [(name, 0.0) for name, _ in starts[:1]]
        ends = [start for _, start in starts[1:]] + [time.perf_counter() - self.started]
        return {name: end - start for (name, start), end in zip(starts, ends)}


def table(rows: list, cases: dict) -> str:
    lines = ["| case | run | memory limit | parse s | fit s | total s | peak RSS GiB | result |",
             "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        label = cases[row["case"]].label
        if row["mode"] == "single":
            run_name = "one process"
            limit = f"{row['limit_gib']:g} GiB (watchdog)" if row["limit_gib"] else "none"
            peak = f"{row['peak_kb'] / 2**20:.2f}"
        else:
            run_name = "Dask, 2 workers"
            limit = f"{row['worker_gib']:g} GiB per worker"
            workers = " / ".join(f"{kb / 2**20:.2f}" for kb in row.get("worker_peak_kb", []))
            peak = f"workers {workers or '-'}; client + scheduler {row.get('child_peak_kb', 0) / 2**20:.2f}"
        if row["returncode"] != 0 or row["stopped"]:
            outcome = row["stopped"] or f"failed (exit {row['returncode']})"
            lines.append(f"| {label} | {run_name} | {limit} | - | - | {row['wall_seconds']:.0f} | {peak} | "
                         f"{outcome} |")
            continue
        total = row["parse_seconds"] + row["fit_seconds"]
        outcome = f"{row['similarity_nnz'] / 1e6:.1f}M nnz"
        if row["mode"] == "cluster":
            outcome += f", {row['worker_restarts']} worker restarts, cluster start {row['cluster_start_seconds']:.1f} s"
            single = next((r for r in rows if r["case"] == row["case"] and r["mode"] == "single"
                           and r["returncode"] == 0 and not r["stopped"]), None)
            if single:
                ratio = total / (single["parse_seconds"] + single["fit_seconds"])
                outcome += f", {ratio:.2f}x the one process's time"
            if "equal_to_single" in row:
                outcome += ", model equal to the one process's" if row["equal_to_single"] else ", MODEL DIFFERS"
        lines.append(f"| {label} | {run_name} | {limit} | {row['parse_seconds']:.1f} | {row['fit_seconds']:.1f} | "
                     f"{total:.1f} | {peak} | {outcome} |")
    return "\n".join(lines)


def details(rows: list) -> str:
    """What the table leaves out: the upload, the cluster's stages, the tree's and descendants' polled peaks."""
    lines = []
    for row in rows:
        name = f"{row['case']} {row['mode']}"
        if "upload_seconds" in row:
            lines.append(f"{name}: upload of the blobs {row['upload_seconds']:.0f} s (not in the times above)")
        if row.get("stages"):
            lines.append(f"{name}: stages " + ", ".join(f"{stage_name} {seconds:.1f} s"
                                                       for stage_name, seconds in row["stages"].items()))
        polled = " / ".join(f"{kb / 2**20:.2f}" for kb in row.get("descendant_peaks_kb", []))
        lines.append(f"{name}: process tree peak {row['peak_tree_kb'] / 2**20:.2f} GiB (polled every "
                     f"{POLL_SECONDS:g} s); descendants' polled peaks {polled or '-'} GiB")
    return "\n".join(lines)


def stage(name: str):
    """Tell the parent what the child is doing (for the report of a killed child)."""
    Path(os.environ["BENCH_STAGE_FILE"]).write_text(name)


def log(message: str):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
