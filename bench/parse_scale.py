"""Usage parsing at scale: a folder of synthetic usage files through parse_usage_files, timed and measured.

    .venv/bin/python bench/parse_scale.py              # 15M lines in 15 files (~5 min the first time: data)
    .venv/bin/python bench/parse_scale.py --quick      # 1M lines in 4 files, a smoke run
    options: --events N  --parts N  --json OUT

Data: bench/synth.py, seed 7, with the 60k case of bench/sar_scale.py (500k users, 60k items;
--quick: 1M events, 50k users, 20k items), written to .cache/synth/ when missing, then split into
a folder of --parts files of equal line counts (the service reads a folder as one data set).

The parse runs in a child process (this script with --child), reading the files one at a time as
the worker does (each file's bytes in one buffer, freed before the next is read). The child
reports wall and CPU seconds, the events frame's size (pandas' deep memory_usage: codes and
categories of the id columns, the two float columns), its RSS before parsing (baseline) and its
high-water mark (VmHWM, reset after the imports); the parent adds the OS's peak figure (os.wait4
ru_maxrss). Peak - baseline - events frame is what parsing needed on top of its result: one
file's bytes, a chunk's per-line strings and checks, the final assembly of the columns, and what
the allocator keeps; it should stay near the largest file, never grow with the folder.

The child then times pandas' C reader alone on the same files (str fields, no check, no
conversion): the floor any pandas-based parser stands on, and, with the load average printed,
a measure of how busy the (shared) machine was during the run.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SYNTH = Path(os.environ.get("SYNTH_SCRIPT", REPO_ROOT / "bench" / "synth.py"))
DATA_DIR = REPO_ROOT / ".cache" / "synth"
SYNTH_SEED = 7
TARGET_SECONDS = 60.0
MB = 2**20


def ensure_folder(users: int, items: int, events: int, parts: int) -> Path:
    """The synth CSV (generated unless present) split into `parts` files of equal line counts.

    A folder already split is used as it is: the CSV is only needed (and generated) to make a missing one.
    """
    source = DATA_DIR / f"synth_u{users}_i{items}_e{events}_seed{SYNTH_SEED}.csv"
    folder = source.with_name(f"{source.stem}_parts{parts}")
    if folder.exists():
        return folder
    if not source.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        partial = source.with_suffix(".csv.partial")
        print(f"generating {source.name} ...", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, str(SYNTH), "--users", str(users), "--items", str(items), "--events",
                        str(events), "--seed", str(SYNTH_SEED), "--out", str(partial)], check=True)
        partial.rename(source)
    print(f"splitting it into {folder.name}/ ...", file=sys.stderr, flush=True)
    partial = folder.with_name(folder.name + ".partial")
    partial.mkdir(exist_ok=True)
    per_part = -(-events // parts)
    with open(source, "rb") as lines:
        for part in range(parts):
            with open(partial / f"part-{part:02d}.csv", "wb") as out:
                out.writelines(line for _, line in zip(range(per_part), lines))
    partial.rename(folder)
    return folder


def child(folder: Path) -> dict:
    """Parse the folder as the worker would; returns the measurements (run in a fresh process)."""
    sys.path.insert(0, str(REPO_ROOT))
    from recommender.parsing import parse_usage_files

    paths = sorted(folder.glob("*.csv"))
    baseline = _status_kb("VmRSS")
    _reset_peak()

    def files():
        for path in paths:
            content = bytearray(path.stat().st_size)
            with open(path, "rb", buffering=0) as raw:
                raw.readinto(content)
            yield path.name, content

    wall, cpu = time.perf_counter(), time.process_time()
    events, report = parse_usage_files(files())
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak_kb = _status_kb("VmHWM")
    return {
        "files": len(paths), "bytes": sum(path.stat().st_size for path in paths),
        "largest_file_bytes": max(path.stat().st_size for path in paths),
        "lines": report.total_lines, "events": len(events), "errors": report.error_count(),
        "seconds": wall, "cpu_seconds": cpu,
        "events_bytes": int(events.memory_usage(deep=True).sum()),
        "baseline_kb": baseline, "peak_kb": peak_kb, "bare_reader_cpu_seconds": _bare_reader_cpu(files()),
    }


def _bare_reader_cpu(files) -> float:
    """CPU seconds of pandas' C reader alone on the same files (str fields, no checks): the floor."""
    import io

    import pandas as pd

    started = time.process_time()
    for _, content in files:
        for _ in pd.read_csv(io.BytesIO(content), header=None, names=list(range(6)), dtype=object,
                             keep_default_na=False, na_filter=False, chunksize=500_000):
            pass
    return time.process_time() - started


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak():
    """Reset VmHWM to the current RSS, so the peak is the parse's own (imports excluded)."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass


def run(folder: Path) -> dict:
    """The child's figures plus the OS's peak RSS for it, and the machine's load around the run."""
    load_before = os.getloadavg()[0]
    process = subprocess.Popen([sys.executable, __file__, "--child", str(folder)], stdout=subprocess.PIPE)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"the parsing child failed (status {status})")
    result = json.loads(output)
    result["ru_maxrss_kb"] = usage.ru_maxrss
    result["load_average"] = [load_before, os.getloadavg()[0]]
    return result


def report(result: dict, command: str) -> str:
    peak = max(result["peak_kb"], result["ru_maxrss_kb"]) * 1024
    working = peak - result["baseline_kb"] * 1024 - result["events_bytes"]
    rate = result["lines"] / result["seconds"]
    verdict = "met" if result["seconds"] < TARGET_SECONDS else "NOT met"
    return "\n".join([
        f"command: {command}",
        f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, 1-minute load average "
        f"{result['load_average'][0]:.1f} before and {result['load_average'][1]:.1f} after the run",
        f"input: {result['files']} files, {result['lines']:,} lines, {result['bytes'] / MB:,.0f} MiB "
        f"(largest file {result['largest_file_bytes'] / MB:,.0f} MiB)",
        f"parse: {result['seconds']:.1f} s wall, {result['cpu_seconds']:.1f} s CPU, {rate:,.0f} lines/s "
        f"(target < {TARGET_SECONDS:.0f} s: {verdict}); {result['events']:,} events, {result['errors']} bad lines",
        f"pandas' C reader alone on the same files: {result['bare_reader_cpu_seconds']:.1f} s CPU "
        f"(parse / reader = {result['cpu_seconds'] / result['bare_reader_cpu_seconds']:.2f})",
        f"memory (RSS): baseline {result['baseline_kb'] / 1024:,.0f} MiB, peak {peak / MB:,.0f} MiB, events frame "
        f"{result['events_bytes'] / MB:,.0f} MiB; peak - baseline - events = {working / MB:,.0f} MiB "
        f"({working / result['largest_file_bytes']:.2f} x the largest file, {working / result['bytes']:.2f} x "
        f"the folder)",
    ])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1M lines in 4 files")
    parser.add_argument("--events", type=int, help="lines in the folder (default 15M, --quick 1M)")
    parser.add_argument("--parts", type=int, help="files in the folder (default 15, --quick 4)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(Path(args.child))))
        return 0
    users, items, events, parts = (50_000, 20_000, 1_000_000, 4) if args.quick else (500_000, 60_000, 15_000_000, 15)
    folder = ensure_folder(users, items, args.events or events, args.parts or parts)
    result = run(folder)
    print(report(result, " ".join([Path(sys.executable).name, *sys.argv])))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
