"""SAR training on a Dask cluster: the same model as recommender's fit, for data beyond one machine.

    from distributed import Client
    with Client("tcp://scheduler:8786") as client:
        usage = load_usage_blobs(client, BlobFiles.of(read_only_sas_url, container, names), max_errors=100)
        model = usage.fit(SARParameters())
        usage.release()

Needs the optional extra: pip install -e '.[distributed]'. See docs/scaling.md.
"""
from .blobs import BlobFiles
from .exceptions import ClusterTrainingError, ClusterUnavailableError, WorkerLostError
from .usage import ClusterUsage, load_event_frames, load_usage_blobs

__all__ = ["BlobFiles", "ClusterTrainingError", "ClusterUnavailableError", "ClusterUsage", "WorkerLostError",
           "load_event_frames", "load_usage_blobs"]
