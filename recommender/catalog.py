"""Catalog CSV files -> the catalog's items and their categorical features, plus a parsing report.

Format, no header: ``itemId,itemName,itemCategory,description[,name=value]...``.
The name is kept as given, to show beside recommended ids; the description is
not used (as in the original service); the category
is kept as given, for business rules that cap items per category; features
come from the fifth field on. A feature name given twice, or a value
holding ';', makes a multi-valued feature: ``color=red,color=blue`` and
``color=red;blue`` both give color the values {red, blue}. Feature names and
values are trimmed and lower-cased (they are labels, unlike item ids, which
stay exactly as given). The first valid line of an item id wins; a later one
is a DuplicateItemId warning.
"""
from dataclasses import dataclass
from typing import Callable, Iterable, Optional

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .csv_reader import RecordChunk, read_records
from .parsing import MAX_ITEM_ID_LENGTH, apply_checks, given_fields, illegal_characters, too_long, undecodable
from .parsing_reasons import Reason
from .parsing_report import DEFAULT_MAX_ERRORS, ParsingReport, check_tolerance

MAX_FEATURES_PER_LINE = 100
"""Feature fields one catalog line may hold; a longer line is a MalformedLine."""
MAX_FEATURE_NAME_LENGTH = 255
"""The original's documented limit; a longer name makes the line a MalformedCatalogItemFeature
(feature names end up in the model's statistics, which must stay small)."""
CATALOG_CHUNK_ROWS = 50_000

_FIRST_FEATURE = 4
_FIELDS = _FIRST_FEATURE + MAX_FEATURES_PER_LINE


@dataclass
class Catalog:
    """The items of a catalog and their features as a sparse one-hot matrix.

    Attributes
    ----------
    item_ids : object array, shape (n_items,), in order of first valid line
    categories : object array, shape (n_items,), each item's itemCategory field ("": none)
    names : object array, shape (n_items,), each item's itemName field
    feature_names : object array, shape (n_features,)
    features : csr_matrix, shape (n_items, n_values), 1.0 where the item has the (feature, value)
    value_feature : int array, shape (n_values,), the feature (index in feature_names) of each value column
    """

    item_ids: np.ndarray
    categories: np.ndarray
    names: np.ndarray
    feature_names: np.ndarray
    features: sp.csr_matrix
    value_feature: np.ndarray

    @property
    def n_items(self) -> int:
        """Number of items in the catalog."""
        return len(self.item_ids)


def parse_catalog_files(files: Iterable, max_errors: int = DEFAULT_MAX_ERRORS,
                        progress: Optional[Callable[[str, int], None]] = None):
    """Parse (name, bytes) catalog files, in the order given, into one Catalog. Returns (catalog, report).

    :raise TooManyParsingErrorsError: (with the report) once more than `max_errors` lines are bad
    :raise UnreadableFileError: a file is not UTF-8 text that pandas can split into fields
    """
    report = ParsingReport()
    builder = _CatalogBuilder()
    for name, content in files:
        lines_before = report.total_lines
        for chunk in read_records(name, content, _FIELDS, CATALOG_CHUNK_ROWS):
            builder.add(name, chunk, report)
            check_tolerance(report, max_errors, "catalog files")
            if progress is not None and len(chunk.fields):
                progress(name, report.total_lines)
        if report.total_lines == lines_before:
            report.empty_files.append(name)
        del content  # one raw file at a time
    report.stop_clock()
    return builder.build(), report


class _CatalogBuilder:
    """Collects the valid lines of successive chunks; features as (item, name, value) triples."""

    def __init__(self):
        self._item_ids = []         # arrays of accepted ids, in order
        self._categories = []       # and of their categories
        self._names = []            # and of their names
        self._seen = pd.Index([], dtype=object)
        self._feature_items, self._feature_names, self._feature_values = [], [], []
        self._n_items = 0

    def add(self, name: str, chunk: RecordChunk, report: ParsingReport):
        """Check a chunk's lines, report the bad ones, keep the good ones."""
        fields = chunk.fields
        ids = fields[0]
        given = given_fields(fields)
        rows, feature_names, feature_values, malformed = _features(fields, given)
        checks = [
            (Reason.MISSING_FIELDS, ~given[0] | ~given[1]),
            (Reason.INVALID_UTF8, undecodable(fields, chunk.traits)),
            (Reason.ITEM_ID_TOO_LONG, too_long(ids, MAX_ITEM_ID_LENGTH, chunk.traits)),
            (Reason.ILLEGAL_CHARACTERS_IN_ITEM_ID, illegal_characters(ids, chunk.traits)),
            (Reason.MALFORMED_CATALOG_ITEM_FEATURE, malformed),
        ]
        blank = ~np.logical_or.reduce(list(given.values()))
        good = apply_checks(name, chunk, blank, checks, report)
        # A warning, last, among valid lines only: the first valid line of an id wins.
        seen_before = ids.isin(self._seen).to_numpy()
        repeated_here = ids.where(good).duplicated().to_numpy()  # bad lines became NaN: they claim no id
        duplicate = good & (seen_before | repeated_here)
        report.add(Reason.DUPLICATE_ITEM_ID, name, chunk.lines[duplicate])
        good &= ~duplicate
        report.successful_lines += int(good.sum())
        accepted = ids.to_numpy(dtype=object)[good]
        self._seen = self._seen.append(pd.Index(accepted, dtype=object))
        self._item_ids.append(accepted)
        self._categories.append(fields[2].to_numpy(dtype=object)[good])
        self._names.append(fields[1].to_numpy(dtype=object)[good])
        new_index = np.full(len(fields), -1, dtype=np.int64)
        new_index[good] = self._n_items + np.arange(good.sum())
        self._n_items += int(good.sum())
        keep = good[rows]
        self._feature_items.append(new_index[rows[keep]])
        self._feature_names.append(feature_names[keep])
        self._feature_values.append(feature_values[keep])

    def build(self) -> Catalog:
        """The catalog of every accepted line."""
        item_ids, categories, names = map(_joined, (self._item_ids, self._categories, self._names))
        items = _joined(self._feature_items, np.int64)
        feature_name_values, values = _joined(self._feature_names), _joined(self._feature_values)
        name_codes, feature_names = pd.factorize(feature_name_values)
        value_codes, value_pairs = pd.factorize(pd.MultiIndex.from_arrays([name_codes, values]))
        features = sp.csr_matrix((np.ones(len(items)), (items, value_codes)), shape=(len(item_ids), len(value_pairs)))
        features.sum_duplicates()
        features.data[:] = 1.0
        value_feature = np.asarray(value_pairs.get_level_values(0), dtype=np.int64) if len(value_pairs) else \
            np.empty(0, np.int64)
        return Catalog(item_ids, categories, names, np.asarray(feature_names, dtype=object), features, value_feature)


def _joined(parts: list, dtype=object) -> np.ndarray:
    """The chunks' arrays as one (empty when there was no chunk)."""
    return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)


def _features(fields: pd.DataFrame, given: dict):
    """(rows, names, values) of every feature value, and the rows with a field not of the form name=value
    (with a name of 1 to MAX_FEATURE_NAME_LENGTH characters).

    Values holding ';' are split into several values of the same feature.
    """
    columns = [column for column in range(_FIRST_FEATURE, _FIELDS) if given[column].any()]
    malformed = np.zeros(len(fields), dtype=bool)
    if not columns:
        empty = np.empty(0, dtype=object)
        return np.empty(0, np.int64), empty, empty, malformed
    cell_rows = np.concatenate([np.flatnonzero(given[column]) for column in columns])
    cells = pd.concat([fields[column][given[column]] for column in columns], ignore_index=True)
    parts = cells.str.split("=", regex=False)
    names = parts.str[0].str.strip().str.lower()
    valid = ((parts.str.len() == 2) & names.str.len().between(1, MAX_FEATURE_NAME_LENGTH)).to_numpy()
    malformed[cell_rows[~valid]] = True
    values = parts[valid].str[1].str.lower().str.split(";", regex=False).explode().str.strip()
    values = values[values != ""]
    cells_kept = values.index.to_numpy(dtype=np.int64)  # positions in `cells`, repeated for split values
    return cell_rows[cells_kept], names.to_numpy(dtype=object)[cells_kept], values.to_numpy(dtype=object), malformed
