"""SAR fit time, peak memory and scoring latency at scale, against the issue's targets.

    .venv/bin/python bench/sar_scale.py [--quick] [--cases ref-20k,60k,100k] [--also-threshold 6]
                                        [--no-reference] [--json OUT]

Data: bench/synth.py (seed 7), written to .cache/synth/ when missing.
Every fit runs in a child process of its own (bench/sar_scale_worker.py); its
peak RSS is the OS's figure for that child (os.wait4 rusage ru_maxrss: the
whole child, loading included, nothing subtracted; with --profile the
per-step high-water resets make it the last step's peak only: read the step
table instead). The child also reports
its RSS after loading the data and before the fit (baseline) and the RSS
high-water mark of the fit alone (VmHWM reset just before the fit), so the
fit's own increase is visible. The reference (microsoft recommenders 1.2.1
SAR, sar_singlenode) runs in the reference venv (bench/setup_reference_env.sh)
on the 1M events / 20k items case only: on 100k items it needs one dense
74.5 GB array, on 60k items 26.8 GB.

Both engines use Jaccard, a 30-day decay half-life and the same support
threshold (1, the parity setting, unless --threshold says otherwise).
Ours runs with enable_user_to_item off (item-to-item model), as the service
trains by default; the reference always builds its user affinity matrix, so
case ref-20k also runs ours with user affinity on (row "ours +affinity").
"""

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
WORKER = REPO_ROOT / "bench" / "sar_scale_worker.py"
SYNTH = Path(os.environ.get("SYNTH_SCRIPT", REPO_ROOT / "bench" / "synth.py"))
DATA_DIR = REPO_ROOT / ".cache" / "synth"
REFERENCE_PYTHON = REPO_ROOT / ".bench" / "reference-venv" / "bin" / "python"
SYNTH_SEED = 7
RSS_LIMIT_GB = 20.0
"""A child whose RSS passes this is killed (the machine has 24 GB): reported as out of memory."""
POLL_SECONDS = 0.2
GB = 2**30


@dataclass(frozen=True)
class Case:
    """One data set and the targets the issue sets for it."""

    name: str
    users: int
    items: int
    events: int
    max_seconds: float | None = None
    max_peak_gb: float | None = None
    min_ratio: float | None = None  # vs the reference, time and memory alike
    reference: bool = False
    score: int = 0

    @property
    def label(self) -> str:
        return f"{_short(self.events)} ev / {_short(self.users)} users / {_short(self.items)} items"

    @property
    def csv(self) -> Path:
        return DATA_DIR / f"synth_u{self.users}_i{self.items}_e{self.events}_seed{SYNTH_SEED}.csv"


FULL_CASES = [
    Case("ref-20k", 50_000, 20_000, 1_000_000, min_ratio=20.0, reference=True),
    Case("60k", 500_000, 60_000, 15_000_000, max_seconds=180.0, max_peak_gb=4.0, score=2_000),
    Case("100k", 50_000, 100_000, 1_000_000, max_seconds=60.0, max_peak_gb=3.0),
]
QUICK_CASES = [  # a smoke run of the same machinery in well under a minute; the targets do not apply
    Case("ref-20k", 5_000, 2_000, 100_000, min_ratio=20.0, reference=True),
    Case("60k", 20_000, 6_000, 300_000, score=200),
    Case("100k", 5_000, 10_000, 100_000),
]
SCORING_TARGETS_US = {"item_to_item": 200.0, "personalized": 1000.0}
"""Median and p99 latency targets of one top-10 request, in microseconds."""


def _short(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k" if n % 1000 == 0 else str(n)


def ensure_data(case: Case) -> Path:
    """Generate the case's CSV with bench/synth.py unless it is there already."""
    if case.csv.exists():
        return case.csv
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    partial = case.csv.with_suffix(".csv.partial")
    print(f"generating {case.csv.name} ...", file=sys.stderr, flush=True)
    subprocess.run([sys.executable, str(SYNTH), "--users", str(case.users), "--items", str(case.items),
                    "--events", str(case.events), "--seed", str(SYNTH_SEED), "--out", str(partial)], check=True)
    partial.rename(case.csv)
    return case.csv


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_child(python: Path, case: Case, engine: str, threshold: int, user_to_item: bool = False,
              score: int = 0, profile: bool = False) -> dict:
    """Run one fit in a child process; return its result with the OS's peak RSS of the child."""
    with tempfile.TemporaryDirectory() as scratch:
        result_path = Path(scratch) / "result.json"
        command = [str(python), str(WORKER), "--csv", str(case.csv), "--engine", engine,
                   "--threshold", str(threshold), "--result", str(result_path)]
        command += ["--user-to-item"] * user_to_item + ["--score", str(score)] * bool(score) + ["--profile"] * profile
        print(f"[{time.strftime('%H:%M:%S')}] {case.name}: {engine} threshold {threshold}"
              f"{' +affinity' if user_to_item else ''} ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=REPO_ROOT)
        killed = False
        while True:
            # os.wait4 gives this child's own rusage; RUSAGE_CHILDREN would be the max over all children so far.
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if not killed and rss_kb(child.pid) > RSS_LIMIT_GB * 2**20:
                child.kill()
                killed = True
            time.sleep(POLL_SECONDS)
        child.returncode = os.waitstatus_to_exitcode(status)
        result = json.loads(result_path.read_text()) if result_path.exists() else {}
    # The worker resets the kernel's high-water mark before the fit (/proc/self/clear_refs), which also
    # resets ru_maxrss: the child's lifetime peak is the larger of ru_maxrss and its loading peak.
    result.update(case=case.name, engine=engine, threshold=threshold, user_to_item=user_to_item,
                  peak_kb=max(usage.ru_maxrss, result.get("load_peak_kb", 0)), ru_maxrss_kb=usage.ru_maxrss, wall_seconds=time.perf_counter() - started,
                  returncode=child.returncode, killed_over_gb=RSS_LIMIT_GB if killed else None)
    return result


def ensure_reference_env() -> bool:
    if not REFERENCE_PYTHON.exists():
        subprocess.run(["bash", str(REPO_ROOT / "bench" / "setup_reference_env.sh")], check=True)
    return REFERENCE_PYTHON.exists()


def run(cases: list, thresholds: list, reference: bool, quick: bool, profile: bool = False) -> list:
    results = []
    for case in cases:
        ensure_data(case)
        for threshold in thresholds:
            row = run_child(Path(sys.executable), case, "ours", threshold, score=case.score, profile=profile)
            results.append(row)
            if case.reference:
                results.append(run_child(Path(sys.executable), case, "ours", threshold, user_to_item=True,
                                         profile=profile))
        if case.reference and reference and ensure_reference_env():
            results.append(run_child(REFERENCE_PYTHON, case, "reference", thresholds[0]))
    for row in results:
        row["quick"] = quick
    return results


def verdicts(row: dict, case: Case, reference_row: dict | None, quick: bool) -> tuple:
    """(ratio text, target text, pass/fail text) for one of our rows."""
    if row["engine"] == "reference":
        return "1", "-", "-" if row.get("returncode") == 0 else "failed"
    if row.get("returncode") != 0:
        return "-", "-", "FAIL (child failed)"
    checks, targets, ratio = [], [], "-"
    peak_decimal_gb = row["peak_kb"] * 1024 / 1e9  # the targets are in GB (10^9 bytes)
    if case.min_ratio and reference_row and reference_row.get("returncode") == 0:
        time_ratio = reference_row["fit_seconds"] / row["fit_seconds"]
        memory_ratio = reference_row["peak_kb"] / row["peak_kb"]
        ratio = f"{time_ratio:.1f}x time, {memory_ratio:.1f}x mem"
        targets.append(f">= {case.min_ratio:.0f}x time and memory")
        checks += [time_ratio >= case.min_ratio, memory_ratio >= case.min_ratio]
    if case.max_seconds:
        targets.append(f"< {case.max_seconds:.0f} s")
        checks.append(row["fit_seconds"] < case.max_seconds)
    if case.max_peak_gb:
        targets.append(f"< {case.max_peak_gb:.0f} GB ({case.max_peak_gb * 1e9 / 2**30:.2f} GiB)")
        checks.append(peak_decimal_gb < case.max_peak_gb)
    if quick or not checks:
        return ratio, "; ".join(targets) or "-", "n/a (quick)" if quick else "-"
    return ratio, "; ".join(targets), "PASS" if all(checks) else "FAIL"


def fit_table(results: list, cases: list, quick: bool) -> str:
    by_name = {case.name: case for case in cases}
    lines = [("| case | engine | threshold | fit s | peak RSS GiB (child, OS) | baseline GiB (after load) "
              "| fit-window peak GiB | similarity nnz / size | ratio vs reference | target | result |"),
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in results:
        case = by_name[row["case"]]
        reference_row = next((r for r in results if r["case"] == case.name and r["engine"] == "reference"), None)
        ratio, target, verdict = verdicts(row, case, reference_row, quick)
        engine = row["engine"] + (" +affinity" if row.get("user_to_item") else "")
        if row["engine"] == "ours":
            structure = f"{row.get('similarity_nnz', 0) / 1e6:.1f}M nnz, {row.get('similarity_mb', 0):.0f} MB"
        else:
            structure = f"{row.get('similarity_type', '?')}, {row.get('similarity_mb', 0):.0f} MB"
        if row.get("returncode") != 0:
            killed = f"killed over {row['killed_over_gb']:.0f} GB" if row.get("killed_over_gb") else \
                f"exit {row.get('returncode')}"
            lines.append(f"| {case.label} | {engine} | {row['threshold']} | {killed} | "
                         f"{row['peak_kb'] / 2**20:.2f} | - | - | - | - | {target} | {verdict} |")
            continue
        lines.append(
            f"| {case.label} | {engine} | {row['threshold']} | {row['fit_seconds']:.1f} | "
            f"{row['peak_kb'] / 2**20:.2f} | {row['baseline_kb'] / 2**20:.2f} | "
            f"{row['fit_peak_kb'] / 2**20:.2f} | {structure} | {ratio} | {target} | {verdict} |")
    return "\n".join(lines)


def scoring_table(results: list, cases: list, quick: bool) -> str:
    by_name = {case.name: case for case in cases}
    lines = ["| model | request | calls | median us | p99 us | mean us | target (median and p99) | result |",
             "|---|---|---|---|---|---|---|---|"]
    for row in results:
        for request, figures in (row.get("scoring") or {}).items():
            if request not in SCORING_TARGETS_US:
                continue
            target = SCORING_TARGETS_US[request]
            ok = figures["median_us"] < target and figures["p99_us"] < target
            verdict = "n/a (quick)" if quick else "PASS" if ok else "FAIL"
            name = "item-to-item top-10" if request == "item_to_item" else \
                f"personalized top-10 from {row['scoring']['events_per_request']} events"
            lines.append(f"| {by_name[row['case']].label}, threshold {row['threshold']} | {name} | {figures['n']} | "
                         f"{figures['median_us']:.0f} | {figures['p99_us']:.0f} | {figures['mean_us']:.0f} | "
                         f"< {target:.0f} us | {verdict} |")
    return "\n".join(lines)


def profile_table(steps: list) -> str:
    lines = ["| step | seconds | peak RSS MB during step | RSS MB after |", "|---|---|---|---|"]
    lines += [f"| {s['step']} | {s['seconds']:.2f} | {s['peak_mb']} | {s.get('rss_after_mb', '')} |" for s in steps]
    return "\n".join(lines)


def machine() -> str:
    meminfo, cpuinfo = Path("/proc/meminfo").read_text(), Path("/proc/cpuinfo").read_text()
    memory_kb = next(int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal"))
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "?")
    return (f"{os.cpu_count()} cores ({cpu}), {memory_kb / 2**20:.1f} GiB RAM, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data: checks the machinery, not the targets")
    parser.add_argument("--cases", default="ref-20k,60k,100k", help="comma-separated: ref-20k, 60k, 100k")
    parser.add_argument("--threshold", type=int, default=1, help="support threshold of every fit (default 1)")
    parser.add_argument("--also-threshold", type=int, action="append", default=[],
                        help="also fit ours with this threshold (e.g. 6, the service default)")
    parser.add_argument("--no-reference", action="store_true", help="skip the reference fit")
    parser.add_argument("--profile", action="store_true",
                        help="time and measure each step of our fits and scoring (bench/sar_profile.py)")
    parser.add_argument("--json", type=Path, help="also write every child's figures here")
    args = parser.parse_args(argv)

    chosen = set(args.cases.split(","))
    cases = [case for case in (QUICK_CASES if args.quick else FULL_CASES) if case.name in chosen]
    started = dt.datetime.now().astimezone()
    results = run(cases, [args.threshold, *args.also_threshold], not args.no_reference, args.quick, args.profile)
    print(f"\n{started:%Y-%m-%d %H:%M %Z}; {machine()}\n")
    if args.profile:
        print("(--profile: the peak columns below are not whole-run peaks; see the step tables)\n")
    print(fit_table(results, cases, args.quick))
    if any(row.get("scoring") for row in results):
        print()
        print(scoring_table(results, cases, args.quick))
    for row in results:
        if row.get("profile"):
            print(f"\n{row['case']} threshold {row['threshold']}{' +affinity' if row['user_to_item'] else ''}: "
                  f"similarity {row['profile']['similarity_nnz'] / 1e6:.1f}M nnz")
            print(profile_table(row["profile"]["steps"]))
        breakdown = (row.get("scoring") or {}).get("breakdown")
        if breakdown:
            print(f"\nscoring parts, {row['case']} threshold {row['threshold']}: {breakdown['median_us']} "
                  f"sizes {breakdown['median_sizes']}")
            for name, text in breakdown["cprofile_tottime"].items():
                print(f"cProfile of {name}:\n{text}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"started": started.isoformat(), "machine": machine(), "results": results},
                                        indent=1))
    failed = [row for row in results if row.get("returncode") != 0 and row["engine"] == "ours"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
