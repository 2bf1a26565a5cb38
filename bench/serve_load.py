"""Serving under load: the real stack on Azurite, driven by wrk, against the targets of issues 8 and 11.

    .venv/bin/python bench/serve_load.py [--profile] [--duration 20] [--rule-duration 5] [--rule-rounds 7]
                                         [--max-duration 10] [--max-rounds 5] [--connections 16]
                                         [--max-connections 64] [--json OUT]

Data: the 1M-event / 50k-user / 20k-item file of bench/sar_scale.py
(bench/synth.py, seed 7, in .cache/synth/; generated when missing).
Starts Azurite, uploads the file and a catalog (bench/serve_rule_inputs.py:
each item's category is its planted synth.py cluster), starts the worker
(`python -m webjob`) and the web app (gunicorn with gunicorn.conf.py: one
process per core, gthread threads), creates a model with default parameters
and the catalog through the REST API and waits for it to complete, then stops
the worker. wrk (one thread, loopback) then drives, each run on its own:

1. item-to-item GET at 500 req/s, ids all distinct (every answer a cache miss),
   on a fresh gunicorn whose first request is timed (the cold start);
2. item-to-item GET at 500 req/s, ids drawn by popularity from the events, on
   a second fresh gunicorn (its first request is the second cold start), then
   the same with the rules of 4 (informative: the first sight of most seeds'
   candidates; it gives the filtered requests of 4 the history the unfiltered
   ones have);
3. personalized POST at 300 req/s, bodies of 20 real events of one user;
4. the filtered requests (business rules): runs 2 and 3 again, each request
   also excluding 100 ids and capping categories at 2 (maxPerCategory), as
   repeated query parameters on GET and in the body object on POST, in
   --rule-rounds rounds of an unfiltered then a filtered run of
   --rule-duration seconds each; the median round's filtered p99 must stay
   within 1.5x of the unfiltered p99 of the same round (the machine is shared:
   a burst of other work during one run of a separate pair decides the
   comparison, while rounds of adjacent runs share it);
5. item-to-item GET as fast as it goes (the ids of 2), then the empty route
   of bench/empty_app.py as fast as it goes, under the same gunicorn settings
   and the same wrk script and connections; in --max-rounds alternating
   rounds, of which the median ratio is the figure (each gunicorn worker
   accepts a share of wrk's connections by chance, and the busier worker sets
   a run's rate: one pair of runs can be far off either way).

Before runs 1 and 2 a few seconds of personalized POSTs load the model in
every gunicorn worker (they leave the item-to-item answer cache empty).
--profile adds two max-throughput runs under py-spy, item-to-item and personalized, and
prints where the time goes.
Logs and request inputs stay in .cache/bench/serve/.
"""
import argparse
import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
from azure.storage.blob import BlobServiceClient

import serve_inputs
import serve_profile
import serve_rule_inputs
from devtools.azurite import Azurite, free_port
from devtools.stack import ServiceProcess, service_environ, start_webapp, start_worker
from sar_scale import FULL_CASES, REPO_ROOT, SYNTH_SEED, ensure_data, machine

WORK_DIR = REPO_ROOT / ".cache" / "bench" / "serve"
WRK_DIR = REPO_ROOT / "bench" / "wrk"
KEYS = {"admin_primary_key": "bench-admin-key-1", "recommend_primary_key": "bench-recommend-key"}
USAGE_CONTAINER, USAGE_BLOB, CATALOG_BLOB = "bench-usage", "synth/usage.csv", "synth/catalog.csv"
WORKERS = os.cpu_count() or 2  # gunicorn.conf.py's default: one process per core
ITEM_RATE, PERSONALIZED_RATE = 500, 300
ITEM_P99_MS, PERSONALIZED_P99_MS, MIN_THROUGHPUT_RATIO = 10.0, 20.0, 0.60
"""The issue's targets: p99 at the rates above, and item-to-item's max throughput over the empty route's."""
MAX_FILTERED_P99_RATIO = 1.5
"""A filtered run's p99 over its unfiltered run's (issue 11)."""
MIN_RATE_SHARE = 0.95
"""A paced run passes only if it achieved this share of its target rate (else its latency is not at that rate)."""
WARM_UP_SECONDS = 3
TRAINING_TIMEOUT_SECONDS = 300


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=20, help="seconds of each paced run (default 20)")
    parser.add_argument("--rule-duration", type=int, default=5,
                        help="seconds of each run of the filtered/unfiltered rounds (default 5)")
    parser.add_argument("--rule-rounds", type=int, default=7,
                        help="rounds of an unfiltered then a filtered paced run, per request kind; the median "
                             "round's p99 ratio is the figure (default 7)")
    parser.add_argument("--max-duration", type=int, default=10, help="seconds of each max-throughput run (default 10)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections of the paced runs (default 16)")
    parser.add_argument("--max-connections", type=int, default=64,
                        help="wrk connections of the max-throughput runs (default 64: each gunicorn worker gets a "
                             "share of them by chance, and more of them even the shares out)")
    parser.add_argument("--max-rounds", type=int, default=5,
                        help="alternating max-throughput rounds, item-to-item then empty route; the median "
                             "round's ratio is the figure (default 5)")
    parser.add_argument("--profile", action="store_true", help="py-spy on the workers during max-throughput runs")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if min(args.max_rounds, args.rule_rounds) < 1:
        parser.error("--max-rounds and --rule-rounds must be at least 1")
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk (the Debian package `wrk`)", file=sys.stderr)
        return 2
    if args.profile:
        serve_profile.ensure_py_spy()
    for signum in (signal.SIGINT, signal.SIGTERM):  # a shell may start us with SIGINT ignored
        signal.signal(signum, _interrupt)
    started = dt.datetime.now().astimezone()
    csv = ensure_data(FULL_CASES[0])
    inputs = serve_inputs.write(csv, WORK_DIR, requests_per_run=ITEM_RATE * args.duration,
                                processes=WORKERS)
    rule_inputs = serve_rule_inputs.write(WORK_DIR, FULL_CASES[0].items, SYNTH_SEED, inputs.popular_ids,
                                          inputs.bodies)
    bench = Bench(args)
    try:
        results = bench.run(inputs, rule_inputs)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        bench.stop_all()
    print(f"\n{started:%Y-%m-%d %H:%M %Z}; {machine()}\n")
    print(report(results, inputs, args))
    for request, profile in results.get("profile", {}).items():
        print(f"\nWhere the time goes: {request}, as fast as it goes, under py-spy\n\n{profile}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"started": started.isoformat(), "machine": machine(), **results}, indent=1))
    return 0 if passed(results) else 1


def _interrupt(signum, frame):
    raise KeyboardInterrupt


class Bench:
    """The processes of one benchmark run; stop_all() stops whatever is still running."""

    def __init__(self, args):
        self.args = args
        self.running = []
        self.logs = WORK_DIR / "logs"
        shutil.rmtree(self.logs, ignore_errors=True)

    def run(self, inputs: serve_inputs.Inputs, rule_inputs: serve_rule_inputs.RuleInputs) -> dict:
        azurite = self._started(Azurite().start())
        self.environ = service_environ(azurite.connection_string, KEYS)
        say("Azurite is up; uploading the usage file")
        container = BlobServiceClient.from_connection_string(azurite.connection_string).get_container_client(
            USAGE_CONTAINER)
        container.create_container()
        with open(inputs.csv, "rb") as usage:
            container.upload_blob(USAGE_BLOB, usage)
        container.upload_blob(CATALOG_BLOB, rule_inputs.catalog.read_bytes())
        worker = self._started(start_worker(self.environ, self.logs))
        webapp, base_url = self._start_webapp("webapp-0")
        self.model_id, results = train(base_url)
        self._stop(worker)  # not needed to serve: its queue polling would only add noise
        self._stop(webapp)
        item_args = {"key": KEYS["recommend_primary_key"], "count": 10}
        personalized_args = {"key": KEYS["recommend_primary_key"], "count": 10, "bodies": inputs.bodies}

        webapp, base_url = self._start_webapp("webapp-1")
        results["cold_start"] = [self._cold_start(base_url, "webapp-1", inputs, personalized_args)]
        results["item_distinct"] = self._wrk("item_to_item", self._recommend_url(base_url), self.args.duration,
                                             rate=ITEM_RATE, ids=inputs.distinct_ids, order="distinct", **item_args)
        self._stop(webapp)

        webapp, base_url = self._start_webapp("webapp-2")
        results["cold_start"].append(self._cold_start(base_url, "webapp-2", inputs, personalized_args))
        item_url = self._recommend_url(base_url)
        results["item_paced"] = self._wrk("item_to_item", item_url, self.args.duration, rate=ITEM_RATE,
                                          ids=inputs.popular_ids, **item_args)
        # The same with rules: it ranks the candidates of the seeds it meets, as the run above ranked their
        # answers, so that both kinds of request start the rule rounds with the same history.
        results["item_filtered_paced"] = self._wrk("item_to_item", item_url, self.args.duration, rate=ITEM_RATE,
                                                   ids=inputs.popular_ids, extra=rule_inputs.queries, **item_args)
        results["personalized"] = self._wrk("personalized", self._recommend_url(base_url), self.args.duration,
                                            rate=PERSONALIZED_RATE, **personalized_args)
        results["item_rule_rounds"] = self._rule_rounds(
            "item_to_item", item_url, ITEM_RATE, {"ids": inputs.popular_ids, **item_args},
            {"ids": inputs.popular_ids, "extra": rule_inputs.queries, **item_args})
        results["personalized_rule_rounds"] = self._rule_rounds(
            "personalized", item_url, PERSONALIZED_RATE, personalized_args,
            {**personalized_args, "bodies": rule_inputs.bodies})
        # Max throughput in alternating rounds: which gunicorn worker accepts how many of wrk's connections is
        # chance, and the busier worker sets a run's rate, so one pair of runs can be far off either way.
        empty, empty_url = self._start_empty_app()
        rounds = []
        for _ in range(self.args.max_rounds):
            rounds.append({name: self._wrk("item_to_item", url, self.args.max_duration, ids=inputs.popular_ids,
                                           **item_args) for name, url in (("item", item_url), ("empty", empty_url))})
        self._stop(empty)
        results["max_rounds"] = rounds
        middle = median_round(rounds, _throughput_ratio)
        results["item_max"], results["empty_max"] = middle["item"], middle["empty"]
        if self.args.profile:
            results["profile"] = {
                "item-to-item GET": self._profiled(webapp, "item_to_item", item_url, ids=inputs.popular_ids,
                                                   **item_args),
                "personalized POST": self._profiled(webapp, "personalized", item_url, **personalized_args)}
        self._stop(webapp)
        return results

    def _rule_rounds(self, script: str, url: str, rate: int, unfiltered: dict, filtered: dict) -> list:
        """Rounds of an unfiltered then a filtered paced run, side by side in time."""
        seconds = self.args.rule_duration
        return [{"unfiltered": self._wrk(script, url, seconds, rate=rate, **unfiltered),
                 "filtered": self._wrk(script, url, seconds, rate=rate, **filtered)}
                for _ in range(self.args.rule_rounds)]

    def _recommend_url(self, base_url: str) -> str:
        return f"{base_url}/api/models/{self.model_id}/recommend"

    def _start_webapp(self, name: str) -> tuple:
        process, base_url = start_webapp(self.environ, self.logs / name, workers=WORKERS, front=False)
        return self._started(process), base_url

    def _start_empty_app(self) -> tuple:
        port = free_port()
        command = [sys.executable, "-m", "gunicorn", "--config", str(REPO_ROOT / "gunicorn.conf.py"),
                   "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS), "bench.empty_app:create_app()"]
        process = self._started(ServiceProcess("empty-app", command, self.environ, self.logs / "empty").start())
        url = f"http://127.0.0.1:{port}/empty"
        deadline = time.monotonic() + 30
        while not _answers(url):
            if process.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the empty app did not start:\n{process.log()[-2000:]}")
            time.sleep(0.1)
        return process, url

    def _cold_start(self, base_url: str, log_name: str, inputs, personalized_args: dict) -> dict:
        """Time the first request of a fresh gunicorn, then load the model in its other workers."""
        started = time.perf_counter()
        answer = requests.get(self._recommend_url(base_url), params={"itemId": inputs.top_item},
                              headers={"x-api-key": KEYS["recommend_primary_key"]}, timeout=120)
        seconds = time.perf_counter() - started
        personalized = requests.post(self._recommend_url(base_url), data=inputs.bodies.read_text().split("\n", 1)[0],
                                     headers={"x-api-key": KEYS["recommend_primary_key"],
                                              "Content-Type": "application/json"}, timeout=120)
        for name, response in (("first GET", answer), ("first POST", personalized)):
            if response.status_code != 200 or len(response.json()) != 10:  # 10: the default recommendationCount
                raise RuntimeError(f"{name} answered {response.status_code}: {response.text[:500]}")
        for _ in range(3):  # gunicorn hands connections to whichever worker accepts first
            if len(_model_loads(self.logs / log_name)) >= WORKERS:
                break
            self._wrk("personalized", self._recommend_url(base_url), WARM_UP_SECONDS, **personalized_args)
        loads = _model_loads(self.logs / log_name)
        if len(loads) < WORKERS:
            say(f"warning: only {len(loads)} of {WORKERS} workers loaded the model during the warm-up")
        return {"first_request_seconds": seconds, "worker_load_seconds": loads}

    def _wrk(self, script: str, url: str, seconds: int, rate: int = 0, **options) -> dict:
        connections = self.args.connections if rate else self.args.max_connections
        command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s",
                   "-s", str(WRK_DIR / f"{script}.lua"), url, "--", f"rate={rate}", "threads=1",
                   *[f"{name}={value}" for name, value in options.items()]]
        say(f"wrk {script} {f'at {rate} req/s' if rate else 'as fast as it goes'} for {seconds} s")
        cpu_before = _cpu_ticks()
        done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=seconds + 30)
        stolen = _stolen_share(cpu_before, _cpu_ticks())
        line = next((line for line in done.stdout.splitlines() if line.startswith("WRK_RESULT ")), None)
        if done.returncode != 0 or line is None:
            raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return {**json.loads(line.split(" ", 1)[1]), "target_rate": rate, "connections": connections,
                "steal": stolen}

    def _profiled(self, webapp: ServiceProcess, script: str, url: str, **options) -> str:
        """A max-throughput run under py-spy; its summary."""
        raw = WORK_DIR / f"py-spy-{script}.raw"
        seconds = self.args.max_duration
        recording = serve_profile.start_recording(webapp.process.pid, seconds - 1, raw)
        try:
            time.sleep(0.5)  # py-spy attaches before the load starts
            self._wrk(script, url, seconds, **options)
            serve_profile.wait(recording, 30)
        finally:
            if recording.poll() is None:
                recording.kill()
                recording.wait()
        return serve_profile.summary(raw)

    def _started(self, process):
        self.running.append(process)
        return process

    def _stop(self, process):
        process.stop()
        self.running.remove(process)

    def stop_all(self):
        for process in reversed(self.running):
            if isinstance(process, Azurite):
                process.cleanup()  # stops it and removes its temporary data folder
            else:
                process.stop()
        self.running.clear()


def train(base_url: str) -> tuple:
    """Create a model with default parameters and the catalog through the REST API; wait until it is Completed."""
    admin = {"x-api-key": KEYS["admin_primary_key"]}
    created = requests.post(f"{base_url}/api/models", headers=admin, timeout=30, json={
        "description": "serve_load benchmark", "blobContainerName": USAGE_CONTAINER, "usageRelativePath": USAGE_BLOB,
        "catalogFileRelativePath": CATALOG_BLOB})
    if created.status_code != 201:
        raise RuntimeError(f"POST /api/models answered {created.status_code}: {created.text[:500]}")
    model_id = created.json()["id"]
    say(f"training model {model_id} on the 1M events ...")
    started = time.monotonic()
    while time.monotonic() - started < TRAINING_TIMEOUT_SECONDS:
        model = requests.get(f"{base_url}/api/models/{model_id}", headers=admin, timeout=30).json()
        if model["modelStatus"] == "Completed":
            statistics = model["statistics"]
            say(f"model completed: {statistics['numberOfUsageItems']} items, {statistics['numberOfUsers']} users, "
                f"training {statistics['trainingDuration']:.1f} s of {statistics['totalDuration']:.1f} s")
            return model_id, {"model": {"id": model_id, "statistics": statistics}}
        if model["modelStatus"] == "Failed":
            raise RuntimeError(f"training failed: {model['modelStatusMessage']}")
        time.sleep(0.5)
    raise RuntimeError(f"model {model_id} did not complete within {TRAINING_TIMEOUT_SECONDS} s")


def _model_loads(log_dir: Path) -> list:
    """Seconds of each model load the web app's workers logged (model_provider's `loaded model ...` line)."""
    log = (log_dir / "webapp.log").read_text(errors="replace") if (log_dir / "webapp.log").exists() else ""
    return [float(seconds) for seconds in re.findall(r"loaded model \S+ .*? in ([\d.]+) s", log)]


def _cpu_ticks() -> list:
    """The machine's CPU time counters (/proc/stat's cpu line: user ... steal), or [] where there are none."""
    try:
        return [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return []


def _stolen_share(before: list, after: list):
    """The share of CPU time the hypervisor gave other machines between two readings (None if unknown): on a
    shared host, bursts of it slow a run down whatever the code does, so the report shows it per run."""
    if len(before) < 8 or len(after) < 8 or sum(after) <= sum(before):
        return None
    return (after[7] - before[7]) / (sum(after) - sum(before))


def _throughput_ratio(max_round: dict) -> float:
    return max_round["item"]["rate"] / max_round["empty"]["rate"]


def _p99_ratio(rule_round: dict) -> float:
    return rule_round["filtered"]["p99_us"] / rule_round["unfiltered"]["p99_us"]


def median_round(rounds: list, ratio) -> dict:
    """The round whose ratio is the median (the upper one of an even count)."""
    return sorted(rounds, key=ratio)[len(rounds) // 2]


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


def verdicts(results: dict) -> dict:
    """Run name -> (target text, passed), for the issues' targets and the stricter all-misses run."""
    def paced(run, p99_ms):
        ok = (run["p99_us"] / 1000 < p99_ms and run["rate"] >= MIN_RATE_SHARE * run["target_rate"]
              and not any(run["errors"].values()))
        return f"p99 < {p99_ms:.0f} ms", ok

    def filtered(rounds):
        """The median round's ratio, every run of every round at its rate without errors."""
        middle = median_round(rounds, _p99_ratio)
        limit_ms = MAX_FILTERED_P99_RATIO * middle["unfiltered"]["p99_us"] / 1000
        ok = _p99_ratio(middle) <= MAX_FILTERED_P99_RATIO and all(
            paced(run, float("inf"))[1] for rule_round in rounds for run in rule_round.values())
        return f"p99 <= {MAX_FILTERED_P99_RATIO}x unfiltered of its round ({limit_ms:.2f} ms)", ok
    ratio = results["item_max"]["rate"] / results["empty_max"]["rate"]
    return {"item_paced": paced(results["item_paced"], ITEM_P99_MS),
            "item_distinct": paced(results["item_distinct"], ITEM_P99_MS),
            "personalized": paced(results["personalized"], PERSONALIZED_P99_MS),
            "item_filtered": filtered(results["item_rule_rounds"]),
            "personalized_filtered": filtered(results["personalized_rule_rounds"]),
            "item_max": (f">= {MIN_THROUGHPUT_RATIO:.0%} of empty: {ratio:.0%}",
                         ratio >= MIN_THROUGHPUT_RATIO and not any(results["item_max"]["errors"].values()))}


def passed(results: dict) -> bool:
    """Whether the targets are met: issue 8's three and issue 11's filtered runs (the all-misses run only informs)."""
    return all(ok for name, (_, ok) in verdicts(results).items() if name != "item_distinct")


def report(results: dict, inputs, args) -> str:
    """The markdown table of one run, and how it was run."""
    targets = verdicts(results)
    shown = dict(results)
    for kind in ("item", "personalized"):  # the median round of the rule rounds: its two runs
        middle = median_round(results[f"{kind}_rule_rounds"], _p99_ratio)
        shown[f"{kind}_unfiltered"], shown[f"{kind}_filtered"] = middle["unfiltered"], middle["filtered"]
    runs = [("item_paced", f"item-to-item GET, ids by popularity (~{inputs.expected_miss_share:.0%} cache misses)"),
            ("item_distinct", "item-to-item GET, all ids distinct (every answer a cache miss)"),
            ("item_filtered_paced", "... then + 100 excludeItemIds and maxPerCategory=2 (its first run)"),
            ("personalized", "personalized POST, 20 events"),
            ("item_unfiltered", "rule rounds, median round: item-to-item GET as above"),
            ("item_filtered", "... then + 100 excludeItemIds and maxPerCategory=2"),
            ("personalized_unfiltered", "rule rounds, median round: personalized POST as above"),
            ("personalized_filtered", "... then + 100 excludeItemIds and maxPerCategory=2"),
            ("item_max", "item-to-item GET, max throughput (median round)"),
            ("empty_max", "empty Flask route, max throughput (same round)")]
    lines = ["| run | req/s achieved (target) | p50 ms | p99 ms | max ms | errors | CPU stolen | target | result |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, title in runs:
        run = shown[name]
        rate = f"{run['rate']:.0f} ({run['target_rate']})" if run["target_rate"] else f"**{run['rate']:.0f}** (max)"
        target, ok = targets.get(name, ("-", None))
        result = "-" if ok is None else "PASS" if ok else "**FAIL**"
        if name == "item_distinct":
            target, result = f"({target}, informative)", f"({result})"
        lines.append(f"| {title} | {rate} | {run['p50_us'] / 1000:.2f} | {run['p99_us'] / 1000:.2f} | "
                     f"{run['max_us'] / 1000:.1f} | {sum(run['errors'].values())} | {_percent(run.get('steal'))} | "
                     f"{target} | {result} |")
    cold = "; ".join(f"{c['first_request_seconds']:.2f} s (model loads logged by the workers: "
                     f"{', '.join(f'{s:.2f} s' for s in c['worker_load_seconds'])})" for c in results["cold_start"])
    lines += ["", (f"wrk: 1 thread, loopback; paced runs {args.duration} s with {args.connections} connections "
                   f"(rule rounds {args.rule_duration} s per run), max-throughput runs {args.max_duration} s with "
                   f"{args.max_connections}; gunicorn {WORKERS} workers x gthread threads (gunicorn.conf.py)."),
              f"Cold start (first request of a fresh gunicorn: registry read, blob download, load, answer): {cold}",
              "Max-throughput rounds (item-to-item / empty route req/s, ratio; the table shows the median round): "
              + "; ".join(f"{r['item']['rate']:.0f} / {r['empty']['rate']:.0f} = {_throughput_ratio(r):.0%} "
                          f"(CPU stolen {_percent(r['item'].get('steal'))}, {_percent(r['empty'].get('steal'))})"
                          for r in results["max_rounds"])]
    for kind, title in (("item", "item-to-item GET"), ("personalized", "personalized POST")):
        lines.append(f"Rule rounds, {title} (p99 ms filtered / unfiltered, ratio): " + "; ".join(
            f"{r['filtered']['p99_us'] / 1000:.2f} / {r['unfiltered']['p99_us'] / 1000:.2f} = {_p99_ratio(r):.2f}"
            f" (CPU stolen {_percent(r['unfiltered'].get('steal'))}, {_percent(r['filtered'].get('steal'))})"
            for r in results[f"{kind}_rule_rounds"]))
    return "\n".join(lines)


def _percent(share) -> str:
    return "?" if share is None else f"{share:.1%}"  # a tenth of a percent of 5 s is 10 ms: a p99's size


def say(text: str):
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
