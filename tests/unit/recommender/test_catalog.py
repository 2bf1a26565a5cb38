"""parse_catalog_files: ``itemId,itemName,itemCategory,description[,name=value]...`` lines in, a Catalog out."""
import pytest

from recommender import TooManyParsingErrorsError
from recommender.catalog import MAX_FEATURE_NAME_LENGTH, MAX_FEATURES_PER_LINE, parse_catalog_files


def parse(content: bytes, max_errors: int = 100):
    return parse_catalog_files([("catalog.csv", content)], max_errors=max_errors)


def lines(*rows: str) -> bytes:
    return "".join(row + "\n" for row in rows).encode("utf-8")


def features_of(catalog) -> dict:
    """item id -> {feature name: set of values}, read back from the sparse one-hot matrix."""
    value_names = {}
    for column, feature in enumerate(catalog.value_feature):
        value_names[column] = catalog.feature_names[feature]
    result = {}
    for row, item_id in enumerate(catalog.item_ids):
        columns = catalog.features[row].indices
        result[item_id] = sorted({value_names[column] for column in columns})
    return result


def test_items_in_order_with_their_features_lower_cased_and_multi_valued():
    catalog, report = parse(lines(
        "Item-1,Name,Category,Description,Color=Red,size = L ,color=BLUE",   # repeated name joins values
        "item-2,Name,,,color=red;green",                                     # ';' separates values too
        'item-3,"A, quoted name",cat,"a description, with commas",shape=round',
        "item-4,Only a name",                                                 # no features: still an item
    ))
    assert report.errors == {}
    assert catalog.item_ids.tolist() == ["Item-1", "item-2", "item-3", "item-4"]  # ids stay as given
    assert catalog.categories.tolist() == ["Category", "", "cat", ""]
    assert catalog.names.tolist() == ["Name", "Name", "A, quoted name", "Only a name"]  # as given, for display
    assert sorted(catalog.feature_names) == ["color", "shape", "size"]
    assert features_of(catalog) == {"Item-1": ["color", "size"], "item-2": ["color"], "item-3": ["shape"],
                                     "item-4": []}
    assert catalog.features.shape[1] == 5  # color: red, blue, green; size: l; shape: round
    assert catalog.features[0].nnz == 3 and catalog.features[1].nnz == 2
    assert (report.successful_lines, report.total_lines) == (4, 4)


def test_the_same_value_shares_one_column_across_items():
    catalog, _ = parse(lines("a,n,c,d,color=Red", "b,n,c,d,COLOR=red", "c,n,c,d,colour=red"))
    assert catalog.features[0].indices.tolist() == catalog.features[1].indices.tolist()
    assert catalog.features[0].indices.tolist() != catalog.features[2].indices.tolist()


def test_each_error_reason_with_its_first_line():
    catalog, report = parse(lines(
        "a,Name,c,d,color=red",           # 1 good
        "b,,c,d",                         # 2 MissingFields (no name)
        ",Name",                          # 3 MissingFields (no id)
        "c,Name,c,d,color",               # 4 MalformedCatalogItemFeature (no '=')
        "d,Name,c,d,a=b=c",               # 5 MalformedCatalogItemFeature (two '=')
        "e,Name,c,d, =x",                 # 6 MalformedCatalogItemFeature (no name)
        "x" * 451 + ",Name",              # 7 ItemIdTooLong
        "f\x00,Name",                     # 8 IllegalCharactersInItemId
        "a,Again,c,d,color=blue",         # 9 DuplicateItemId (a warning: the first line wins)
        "g,Name,c,d" + ",x=1" * (MAX_FEATURES_PER_LINE + 1),  # 10 MalformedLine: too many fields
        "h,Name,c,d,weight=",             # 11 good: an empty value is no value
    ))
    assert {reason: tuple(entry) for reason, entry in report.errors.items()} == {
        "MissingFields": (2, "catalog.csv", 2),
        "MalformedCatalogItemFeature": (3, "catalog.csv", 4),
        "ItemIdTooLong": (1, "catalog.csv", 7),
        "IllegalCharactersInItemId": (1, "catalog.csv", 8),
        "DuplicateItemId": (1, "catalog.csv", 9),
        "MalformedLine": (1, "catalog.csv", 10),
    }
    assert catalog.item_ids.tolist() == ["a", "h"]
    assert features_of(catalog)["a"] == ["color"] and catalog.features[0].nnz == 1  # red only, not blue
    assert report.error_count() == 8  # the duplicate is not counted


def test_feature_limits_are_inclusive():
    catalog, report = parse(lines(
        "a,Name,c,d" + "".join(f",f{n}=v" for n in range(MAX_FEATURES_PER_LINE)),
        "b,Name,c,d," + "n" * MAX_FEATURE_NAME_LENGTH + "=v",
        "c,Name,c,d," + "n" * (MAX_FEATURE_NAME_LENGTH + 1) + "=v",
    ))
    assert catalog.item_ids.tolist() == ["a", "b"]
    assert catalog.features[0].nnz == MAX_FEATURES_PER_LINE
    assert report.errors == {"MalformedCatalogItemFeature": [1, "catalog.csv", 3]}


def test_the_first_valid_line_of_an_id_wins_and_duplicates_are_found_across_files():
    files = [("a.csv", lines("x,Name,c,d,bad", "x,Name,c,d,color=red")),
             ("b.csv", lines("y,Name", "x,Name,c,d,color=blue"))]
    catalog, report = parse_catalog_files(files)
    assert catalog.item_ids.tolist() == ["x", "y"]
    assert report.errors["DuplicateItemId"] == [1, "b.csv", 2]
    assert report.errors["MalformedCatalogItemFeature"] == [1, "a.csv", 1]


def test_a_quoted_newline_in_a_description_keeps_later_lines_right():
    catalog, report = parse(lines('a,Name,c,"two', 'lines",color=red', "b", "c,Name"))
    assert catalog.item_ids.tolist() == ["a", "c"]
    assert report.errors == {"MissingFields": [1, "catalog.csv", 3]}


def test_past_the_tolerance_parsing_fails_with_the_report():
    with pytest.raises(TooManyParsingErrorsError) as raised:
        parse(lines("a,Name", "b", "c", "d,Name,c,d,bad"), max_errors=2)
    assert raised.value.report.errors["MissingFields"] == [2, "catalog.csv", 2]
    assert "MalformedCatalogItemFeature (1 line, first in catalog.csv line 4)" in str(raised.value)


def test_an_empty_catalog_has_no_items():
    catalog, report = parse(b"")
    assert catalog.n_items == 0 and catalog.features.shape == (0, 0)
    assert report.empty_files == ["catalog.csv"]
