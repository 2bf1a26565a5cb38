"""How long the web app takes to load a 60k-item model from Azurite (download + safe parse).

    .venv/bin/python bench/model_load.py [--thresholds 6,1] [--runs 3]

Fits SAR on the 15M-event / 500k-user / 60k-item synthetic set (bench/synth.py,
seed 7, as bench/sar_scale.py makes it) at each support threshold, stores the
model in a fresh Azurite through BlobModelStore, and times ModelProvider.get on a
cold provider `--runs` times: the blob download and recommender.from_bytes
(checksum, array table, CSR checks) separately. Target (issue 8): under 2 s.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "bench")]

from sar_scale import FULL_CASES, ensure_data  # noqa: E402
from sar_scale_worker import load_csv  # noqa: E402

from config.settings import Settings  # noqa: E402
from devtools.azurite import Azurite  # noqa: E402
from model_provider import BlobModelStore, ModelProvider  # noqa: E402
from recommender import SARParameters, fit, from_bytes, to_bytes  # noqa: E402
from storage.clients import StorageClients  # noqa: E402

TARGET_SECONDS = 2.0


class TimedStore:
    """A BlobModelStore that remembers how long its last download took."""

    def __init__(self, store: BlobModelStore):
        self._store, self.download_seconds = store, None

    def load(self, model_id: str, max_bytes=None):
        started = time.perf_counter()
        blob = self._store.load(model_id, max_bytes)
        self.download_seconds = time.perf_counter() - started
        return blob

    def etag(self, model_id: str):
        return self._store.etag(model_id)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--thresholds", default="6,1", help="support thresholds to fit and load (default 6,1)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    case = next(case for case in FULL_CASES if case.name == "60k")
    frame = load_csv(ensure_data(case), "user_id", "item_id")
    blobs = {}
    for threshold in [int(t) for t in args.thresholds.split(",")]:
        print(f"fitting threshold {threshold} ...", file=sys.stderr, flush=True)
        model = fit(frame, SARParameters(support_threshold=threshold, decay_period_days=30))
        blobs[threshold] = to_bytes(model, f"threshold-{threshold}")
    del frame
    rows = []
    with Azurite() as azurite:
        settings = Settings.from_environ({"AZURE_STORAGE_CONNECTION_STRING": azurite.connection_string},
                                         require_api_keys=False)
        container = StorageClients.from_settings(settings).blobs.create_container("models")  # the web app's client
        for threshold, blob in blobs.items():
            model_id = f"threshold-{threshold}"
            BlobModelStore(container).save(model_id, blob)
            totals, downloads = [], []
            for _ in range(args.runs):
                store = TimedStore(BlobModelStore(container))
                started = time.perf_counter()
                ModelProvider(store).get(model_id)
                totals.append(time.perf_counter() - started)
                downloads.append(store.download_seconds)
            parse_started = time.perf_counter()
            from_bytes(blob)
            rows.append((threshold, len(blob), statistics.median(totals), statistics.median(downloads),
                         time.perf_counter() - parse_started))
    print("\n| model (15M ev / 60k items) | blob MB | load s (median) | download s | from_bytes s | target | result |")
    print("|---|---|---|---|---|---|---|")
    for threshold, size, total, download, parse in rows:
        verdict = "PASS" if total < TARGET_SECONDS else "FAIL"
        print(f"| threshold {threshold} | {size / 2**20:.0f} | {total:.2f} | {download:.2f} | {parse:.2f} | "
              f"< {TARGET_SECONDS:.0f} s | {verdict} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
