"""A child process and its descendants as the benchmarks' watchdogs see them: RSS from /proc, killed together."""
import os
from pathlib import Path
from typing import Optional


def rss_kb(pid: int) -> int:
    """A process's resident set size in KiB (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            return next((int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0)
    except OSError:
        return 0


def tree_rss_kb(pid: int, descendant_peaks_kb: Optional[dict] = None) -> int:
    """RSS of a process and all its descendants (the LocalCluster's worker processes).

    With a dict, also keeps there the highest RSS seen of each descendant, by pid.
    """
    total = rss_kb(pid)
    for descendant in descendants(pid):
        rss = rss_kb(descendant)
        total += rss
        if descendant_peaks_kb is not None:
            descendant_peaks_kb[descendant] = max(descendant_peaks_kb.get(descendant, 0), rss)
    return total


def descendants(pid: int) -> list:
    """The pids of a process's children, their children, and so on."""
    try:
        children = [int(child) for task in os.listdir(f"/proc/{pid}/task")
                    for child in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
    except OSError:
        return []
    return children + [grandchild for child in children for grandchild in descendants(child)]


def kill_tree(pid: int):
    """SIGKILL a process's descendants, then the process itself."""
    for process in [*descendants(pid), pid]:
        try:
            os.kill(process, 9)
        except ProcessLookupError:
            pass
