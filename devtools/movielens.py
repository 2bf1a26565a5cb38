"""MovieLens 100k for benchmarks, fetched at run time from the recbole 1.2.1 wheel.

Its licence forbids redistribution: the files live only in the cache dir
(default ``<repo>/.cache/movielens``, gitignored), never in the repo tree.
"""

import csv
import logging
import subprocess
import sys
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

logger = logging.getLogger(__name__)

RECBOLE_REQUIREMENT = "recbole==1.2.1"
"""The PyPI wheel that ships MovieLens 100k in recbole's atomic-file format."""

MEMBER_DIR = "recbole/dataset_example/ml-100k/"
FILE_NAMES = ("ml-100k.inter", "ml-100k.item")
DEFAULT_CACHE_DIR = Path(__file__).resolve().parent.parent / ".cache" / "movielens"


def fetch_movielens_100k(cache_dir=None) -> Path:
    """Return the directory holding ml-100k.inter and ml-100k.item, downloading them if missing."""
    cache = Path(cache_dir) if cache_dir is not None else DEFAULT_CACHE_DIR
    if all((cache / name).is_file() for name in FILE_NAMES):
        return cache
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as download_dir:
        logger.info("Downloading %s to extract MovieLens 100k", RECBOLE_REQUIREMENT)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--disable-pip-version-check", RECBOLE_REQUIREMENT, "-d", download_dir],
            check=True,
        )
        (wheel,) = Path(download_dir).glob("recbole-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            for name in FILE_NAMES:
                # Write under a temporary name first so an interrupted run leaves no partial file.
                partial = cache / (name + ".part")
                partial.write_bytes(archive.read(MEMBER_DIR + name))
                partial.replace(cache / name)
    logger.info("MovieLens 100k cached in %s", cache)
    return cache


def load_ratings(cache_dir=None) -> pd.DataFrame:
    """Return the 100,000 ratings in file order: userID, itemID (str), rating (float), timestamp (int s)."""
    path = fetch_movielens_100k(cache_dir) / "ml-100k.inter"
    # recbole's header is typed ("user_id:token"): keep the name before the colon.
    frame = pd.read_csv(path, sep="\t", header=0, dtype=str)
    frame.columns = [column.split(":", 1)[0] for column in frame.columns]
    return pd.DataFrame({
        "userID": frame["user_id"].astype(str),
        "itemID": frame["item_id"].astype(str),
        "rating": frame["rating"].astype(float),
        "timestamp": frame["timestamp"].astype(float).astype("int64"),
    })


def write_usage_csv(ratings: pd.DataFrame, path) -> None:
    """Write ratings as our usage CSV (no header): userId,itemId,timestamp,Custom,weight=rating."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for user, item, rating, seconds in zip(
            ratings["userID"], ratings["itemID"], ratings["rating"], ratings["timestamp"]
        ):
            when = datetime.fromtimestamp(int(seconds), tz=UTC)
            writer.writerow([user, item, when.strftime("%Y-%m-%dT%H:%M:%S"), "Custom", repr(float(rating))])


def load_movies(cache_dir=None) -> pd.DataFrame:
    """The 1,682 movies: itemID (str), title, year (str, may be empty) and genres (a list, alphabetical as MovieLens lists them)."""
    path = fetch_movielens_100k(cache_dir) / "ml-100k.item"
    frame = pd.read_csv(path, sep="\t", header=0, dtype=str, keep_default_na=False)
    frame.columns = [column.split(":", 1)[0] for column in frame.columns]
    return pd.DataFrame({"itemID": frame["item_id"], "title": frame["movie_title"], "year": frame["release_year"],
                         "genres": frame["class"].str.split()})


def write_catalog_csv(movies: pd.DataFrame, path) -> None:
    """Write movies as our catalog CSV (no header): itemId,itemName,itemCategory,description,genre=...,year=...

    The category is the first genre listed (alphabetical), so a request's maxPerCategory spreads answers over genres."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for item, title, year, genres in zip(movies["itemID"], movies["title"], movies["year"], movies["genres"]):
            genres = genres or ["unknown"]
            description = f"{year}; {', '.join(genres)}" if year else ", ".join(genres)
            features = [f"genre={genre}" for genre in genres] + ([f"year={year}"] if year else [])
            writer.writerow([item, title, genres[0], description, *features])


def split_by_time(ratings: pd.DataFrame, test_share: float = 0.25) -> tuple:
    """(train, test): each user's latest `test_share` of ratings are the test set, the rest the training set."""
    order = ratings.sort_values(["userID", "timestamp"], kind="stable")
    position = order.groupby("userID").cumcount()
    count = order.groupby("userID")["itemID"].transform("size")
    in_test = position >= (count * (1 - test_share)).round().astype(int)
    return order[~in_test].sort_index(), order[in_test].sort_index()
