"""The demo's MovieLens files: the catalog CSV of the movies and a per-user time split of the ratings (no download:
small frames in MovieLens' shapes)."""
import csv

import pandas as pd

from devtools.movielens import split_by_time, write_catalog_csv


def test_the_catalog_has_the_title_as_name_the_first_genre_as_category_and_features(tmp_path):
    movies = pd.DataFrame({"itemID": ["1", "2"], "title": ["Toy Story", "Crumb, the Movie"], "year": ["1995", ""],
                           "genres": [["Animation", "Children's", "Comedy"], ["Documentary"]]})
    path = tmp_path / "catalog.csv"
    write_catalog_csv(movies, path)
    rows = list(csv.reader(path.open()))
    assert rows[0] == ["1", "Toy Story", "Animation", "1995; Animation, Children's, Comedy",
                       "genre=Animation", "genre=Children's", "genre=Comedy", "year=1995"]
    assert rows[1] == ["2", "Crumb, the Movie", "Documentary", "Documentary", "genre=Documentary"]


def test_each_users_latest_quarter_is_the_test_set():
    ratings = pd.DataFrame({"userID": ["a"] * 8 + ["b"] * 4, "itemID": [str(i) for i in range(12)],
                            "rating": 1.0, "timestamp": [8, 7, 6, 5, 4, 3, 2, 1, 10, 40, 30, 20]})
    train, test = split_by_time(ratings)
    assert sorted(test.itemID) == ["0", "1", "9"]  # a's two latest of 8, b's latest of 4
    assert len(train) + len(test) == len(ratings) and not set(train.itemID) & set(test.itemID)
    assert list(train.index) == sorted(train.index)  # file order kept
