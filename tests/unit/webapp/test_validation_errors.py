"""Bad input is a 400 naming the field and the rule it broke (details: code, field, message); nothing is queued."""
import pytest
from api_fakes import ADMIN, RECOMMEND, VALID_BODY, completed_model, make_client, make_parts


def details_of(response) -> set:
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.json["error"]["code"] == "InvalidRequest"
    return {(detail["field"], detail["code"]) for detail in response.json["error"]["details"]}


@pytest.mark.parametrize("change, field, code", [
    ({"usageRelativePath": None}, "usageRelativePath", "InvalidType"),
    ({"usageRelativePath": "a/../b"}, "usageRelativePath", "InvalidPath"),
    ({"usageRelativePath": ".."}, "usageRelativePath", "InvalidPath"),
    ({"usageRelativePath": "a/./b"}, "usageRelativePath", "InvalidPath"),
    ({"usageRelativePath": "a\\b"}, "usageRelativePath", "InvalidPath"),
    ({"usageRelativePath": "/abs"}, "usageRelativePath", "InvalidPath"),
    ({"usageRelativePath": "a//b"}, "usageRelativePath", "InvalidPath"),
    ({"usageRelativePath": "a\nb"}, "usageRelativePath", "InvalidPath"),
    ({"usageRelativePath": ""}, "usageRelativePath", "InvalidPath"),
    ({"usageRelativePath": "a" * 1025}, "usageRelativePath", "TooLong"),
    ({"catalogFileRelativePath": "../catalog.csv"}, "catalogFileRelativePath", "InvalidPath"),
    ({"blobContainerName": "Bad_Name"}, "blobContainerName", "InvalidContainerName"),
    ({"blobContainerName": "-data"}, "blobContainerName", "InvalidContainerName"),
    ({"blobContainerName": "da--ta"}, "blobContainerName", "InvalidContainerName"),
    ({"blobContainerName": "data\n"}, "blobContainerName", "InvalidContainerName"),
    ({"blobContainerName": "ab"}, "blobContainerName", "InvalidLength"),
    ({"blobContainerName": "a" * 64}, "blobContainerName", "InvalidLength"),
    ({"blobContainerName": 7}, "blobContainerName", "InvalidType"),
    ({"supportThreshold": 0}, "supportThreshold", "OutOfRange"),
    ({"supportThreshold": 51}, "supportThreshold", "OutOfRange"),
    ({"supportThreshold": "6"}, "supportThreshold", "InvalidType"),
    ({"supportThreshold": 6.5}, "supportThreshold", "InvalidType"),
    ({"supportThreshold": True}, "supportThreshold", "InvalidType"),
    ({"decayPeriodInDays": 0}, "decayPeriodInDays", "OutOfRange"),
    ({"enableBackfilling": "yes"}, "enableBackfilling", "InvalidType"),
    ({"enableBackfilling": 1}, "enableBackfilling", "InvalidType"),
    ({"similarityFunction": "Cosine"}, "similarityFunction", "InvalidValue"),
    ({"cooccurrenceUnit": "users"}, "cooccurrenceUnit", "InvalidValue"),
    ({"cooccurrenceUnit": 2}, "cooccurrenceUnit", "InvalidValue"),
    ({"cooccurrenceUnit": True}, "cooccurrenceUnit", "InvalidType"),
    ({"cooccurrenceUnit": 0.0}, "cooccurrenceUnit", "InvalidType"),
    ({"similarityFunction": 3}, "similarityFunction", "InvalidValue"),
    ({"blobContainerName": None}, "blobContainerName", "InvalidType"),
    ({"description": "x" * 257}, "description", "TooLong"),
    ({"description": 5}, "description", "InvalidType"),
    ({"unknownField": 1}, "unknownField", "UnknownField"),
    ({"evaluationUsageRelativePath": "usage/test.csv"}, "evaluationUsageRelativePath", "OverlappingPaths"),
    ({"evaluationUsageRelativePath": "usage"}, "evaluationUsageRelativePath", "OverlappingPaths"),
    ({"enableColdItemPlacement": True}, "catalogFileRelativePath", "MissingField"),
])
def test_each_rule_of_the_creation_parameters_has_its_code(client, parts, change, field, code):
    body = {key: value for key, value in {**VALID_BODY, **change}.items()}
    assert details_of(client.post("/api/models", json=body, headers=ADMIN)) == {(field, code)}
    assert parts["queues"].sent == [] and parts["registry"].list_page(10).summaries == []


@pytest.mark.parametrize("change, stored", [
    ({"cooccurrenceUnit": "timestamp", "similarityFunction": "LIFT"}, {"cooccurrenceUnit": "Timestamp",
                                                                       "similarityFunction": "Lift"}),
    ({"cooccurrenceUnit": 1, "similarityFunction": 1}, {"cooccurrenceUnit": "Timestamp",
                                                        "similarityFunction": "Cooccurrence"}),
    ({"cooccurrenceUnit": 0, "similarityFunction": "jaccard"}, {"cooccurrenceUnit": "User",
                                                                "similarityFunction": "Jaccard"}),
    ({"supportThreshold": None, "cooccurrenceUnit": None, "similarityFunction": None, "enableUserAffinity": None,
      "enableBackfilling": None, "decayPeriodInDays": None, "enableColdItemPlacement": None,
      "enableColdToColdRecommendations": None, "enableUserToItemRecommendations": None,
      "allowSeedItemsInRecommendations": None, "description": None, "catalogFileRelativePath": None},
     {"supportThreshold": 6, "cooccurrenceUnit": "User", "similarityFunction": "Jaccard", "enableUserAffinity": True,
      "enableBackfilling": True, "decayPeriodInDays": 30, "enableColdItemPlacement": False,
      "catalogFileRelativePath": None}),
])
def test_the_originals_enum_forms_and_nulls_are_stored_canonically(client, change, stored):
    """Issue 18: the original read enum names in any case, cooccurrenceUnit 0/1 (and the other enums' codes),
    and null as "not given"."""
    response = client.post("/api/models", json={**VALID_BODY, **change}, headers=ADMIN)
    assert response.status_code == 201, response.get_data(as_text=True)
    parameters = response.json["parameters"]
    assert {key: parameters[key] for key in stored} == stored
    assert client.get(f"/api/models/{response.json['id']}", headers=ADMIN).json["parameters"] == parameters


def test_a_missing_required_field_and_several_errors_at_once():
    response = make_client(make_parts()).post("/api/models", json={"supportThreshold": 99, "x": 1}, headers=ADMIN)
    assert details_of(response) == {("blobContainerName", "MissingField"), ("usageRelativePath", "MissingField"),
                                    ("supportThreshold", "OutOfRange"), ("x", "UnknownField")}
    assert "blobContainerName" in response.json["error"]["message"]


def test_limits_are_inclusive(client):
    body = {**VALID_BODY, "description": "x" * 256, "supportThreshold": 50, "blobContainerName": "data"}
    assert client.post("/api/models", json=body, headers=ADMIN).status_code == 201


def test_an_integral_number_is_an_integer_as_json_schema_says(client):
    response = client.post("/api/models", json={**VALID_BODY, "supportThreshold": 3.0, "decayPeriodInDays": 7.0},
                           headers=ADMIN)
    assert response.status_code == 201
    assert (response.json["parameters"]["supportThreshold"], response.json["parameters"]["decayPeriodInDays"]) == (3, 7)


@pytest.mark.parametrize("data, content_type, status, code", [
    ('{"blobContainerName": ', "application/json", 400, "InvalidRequest"),
    ("", "application/json", 400, "InvalidRequest"),
    ("blobContainerName=data", "application/x-www-form-urlencoded", 415, "UnsupportedMediaType"),
    ("", None, 415, "UnsupportedMediaType"),
])
def test_a_body_that_is_not_json(client, data, content_type, status, code):
    headers = {**ADMIN, **({"Content-Type": content_type} if content_type else {})}
    response = client.post("/api/models", data=data, headers=headers)
    assert (response.status_code, response.json["error"]["code"]) == (status, code)


@pytest.mark.parametrize("body", ["[{}]", "null", "6", '"text"'])
def test_a_body_of_the_wrong_json_type(client, body):
    response = client.post("/api/models", data=body, headers={**ADMIN, "Content-Type": "application/json"})
    assert details_of(response) == {("body", "InvalidType")}


@pytest.mark.parametrize("body", ["{oops", b"\xff\xfe{", "[" * 1500,  # nested deeper than Python's stack
                                  '{"blobContainerName": "data", "usageRelativePath": "a\\ud800"}'])  # no character
def test_a_body_that_does_not_parse_names_the_body(client, body):
    response = client.post("/api/models", data=body, headers={**ADMIN, "Content-Type": "application/json"})
    assert details_of(response) == {("body", "InvalidJson")}


@pytest.mark.parametrize("body, field, code", [
    ({"blobContainerName": "other", "usageRelativePath": "usage"}, "blobContainerName", "ContainerNotFound"),
    ({**VALID_BODY, "usageRelativePath": "absent.csv"}, "usageRelativePath", "UsageFileNotFound"),
    ({**VALID_BODY, "catalogFileRelativePath": "absent.csv"}, "catalogFileRelativePath", "CatalogFileNotFound"),
    ({**VALID_BODY, "evaluationUsageRelativePath": "absent"}, "evaluationUsageRelativePath", "UsageFileNotFound"),
])
def test_creation_checks_the_data_exists(client, parts, body, field, code):
    response = client.post("/api/models", json=body, headers=ADMIN)
    assert (response.status_code, response.json["error"]["code"]) == (400, code)
    assert [(d["field"], d["code"]) for d in response.json["error"]["details"]] == [(field, code)]
    assert parts["queues"].sent == []


def test_creation_with_catalog_and_evaluation_data(client):
    body = {**VALID_BODY, "catalogFileRelativePath": "catalog.csv", "evaluationUsageRelativePath": "test/",
            "enableColdItemPlacement": True}
    response = client.post("/api/models", json=body, headers=ADMIN)
    assert response.status_code == 201, response.json
    assert (response.json["parameters"]["catalogFileRelativePath"],
            response.json["parameters"]["evaluationUsageRelativePath"]) == ("catalog.csv", "test")


@pytest.mark.parametrize("query, field, code", [
    ("recommendationCount=0", "recommendationCount", "OutOfRange"),
    ("recommendationCount=101", "recommendationCount", "OutOfRange"),
    ("recommendationCount=ten", "recommendationCount", "InvalidType"),
    ("recommendationCount=2.0", "recommendationCount", "InvalidType"),
    ("itemId=", "itemId", "InvalidLength"),
    ("itemId=" + "i" * 451, "itemId", "InvalidLength"),
    ("itemId=a&userId=u1", "userId", "ConflictingParameters"),  # an item's neighbours or a user's items (issue 21)
    ("userId=" + "u" * 256, "userId", "InvalidLength"),
    ("recommendationCont=5", "recommendationCont", "UnknownField"),  # a typo is not ignored
])
def test_item_recommend_query_rules(client, parts, query, field, code):
    model_id = completed_model(client, parts)
    for path in (f"/api/models/{model_id}/recommend", "/api/models/default/recommend"):
        client.put(f"/api/models/default?modelId={model_id}", headers=ADMIN)
        assert details_of(client.get(f"{path}?{query}", headers=RECOMMEND)) == {(field, code)}


@pytest.mark.parametrize("query, body, field, code", [
    ("userId=" + "u" * 256, [], "userId", "InvalidLength"),
    ("itemId=x", [], "itemId", "UnknownField"),
    ("", "x", "body", "InvalidType"),
    ("", {"itemId": "x"}, "itemId", "UnknownField"),  # an object is the events-and-rules form (issue 11)
    ("", [{"itemId": "x", "bogus": 1}], "[0].bogus", "UnknownField"),
    ("", [{"itemId": "x"}, {"weight": 1}], "[1].itemId", "MissingField"),
    ("", [{"itemId": ""}], "[0].itemId", "InvalidLength"),
    ("", [{"itemId": "x", "weight": "2"}], "[0].weight", "InvalidType"),
    ("", [{"itemId": "x", "weight": True}], "[0].weight", "InvalidType"),
    ("", [{"itemId": "x", "eventType": "Buy"}], "[0].eventType", "InvalidValue"),
    ("", [{"itemId": "x", "timestamp": "yesterday"}], "[0].timestamp", "InvalidType"),
    ("", [{"itemId": "x", "timestamp": "31/31/2017"}], "[0].timestamp", "InvalidValue"),  # the shape, no day
    ("", [{"itemId": "x", "timestamp": 1490880852}], "[0].timestamp", "InvalidType"),
    ("", [{"itemId": "x", "timestamp": "2024-02-30T10:00:00Z"}], "[0].timestamp", "InvalidValue"),
])
def test_personalized_request_rules(client, parts, query, body, field, code):
    model_id = completed_model(client, parts)
    response = client.post(f"/api/models/{model_id}/recommend?{query}", json=body, headers=RECOMMEND)
    assert details_of(response) == {(field, code)}


def test_valid_event_fields_are_accepted(client, parts):
    model_id = completed_model(client, parts)
    events = [{"itemId": "y", "timestamp": "2024-01-01T10:00:00.123456789+02:00", "eventType": "Purchase",
               "weight": 2}, {"itemId": "x", "timestamp": None, "eventType": None, "weight": None}]
    response = client.post(f"/api/models/{model_id}/recommend?recommendationCount=100", json=events,
                           headers=RECOMMEND)
    assert response.status_code == 200, response.json
    assert [entry["recommendedItemId"] for entry in response.json] == ["z"]  # seeds x, y are not recommended


@pytest.mark.parametrize("query, field, code", [
    ("", "modelId", "MissingField"),
    ("modelId=42", "modelId", "InvalidModelId"),
    ("modelId=6f1c2a4e-1111-4111-8111-111111111111%0A", "modelId", "InvalidModelId"),
])
def test_set_default_query_rules(client, query, field, code):
    assert details_of(client.put(f"/api/models/default?{query}", headers=ADMIN)) == {(field, code)}


@pytest.mark.parametrize("path", ["/api/models/42", "/api/models/42/recommend",
                                  "/api/models/6f1c2a4e11114111811111111111111", "/api/models/default%0A"])
def test_a_model_id_that_is_not_a_guid(client, path):
    response = client.get(path, headers=ADMIN)
    assert (response.status_code, response.json["error"]["code"]) == (400, "InvalidModelId")
    assert response.json["error"]["details"][0]["field"] == "modelId"


@pytest.mark.parametrize("path", ["/api/models/default", "/api/models/6f1c2a4e-1111-4111-8111-111111111111",
                                  "/api/openapi.yaml"])
def test_routes_without_parameters_refuse_unknown_ones(client, path):
    assert details_of(client.get(f"{path}?verbose=1", headers=ADMIN)) == {("verbose", "UnknownField")}


def test_event_types_in_any_case_and_as_the_originals_codes_weigh_as_their_names(client, parts):
    """Issue 18: the original read eventType with JSON.NET's enum converter (any case, or the .NET code)."""
    model_id = completed_model(client, parts)

    def score_of_y(event_type):
        body = {"itemIds": ["y"], "events": [{"itemId": "x", "eventType": event_type}]}
        response = client.post(f"/api/models/{model_id}/scores", json=body, headers=RECOMMEND)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.json[0]["score"]

    purchase = score_of_y("Purchase")
    assert score_of_y("purchase") == score_of_y("PURCHASE") == score_of_y(5) == purchase
    assert score_of_y("click") == score_of_y(1) == purchase / 4 != 0


def test_names_match_in_any_case_as_the_original_matched_them(client):
    """ASP.NET and Json.NET matched names in any case (issue 18): `BlobContainerName` is `blobContainerName`."""
    response = client.post("/api/models", headers=ADMIN, json={
        "BlobContainerName": "data", "USAGERELATIVEPATH": "usage/", "SupportThreshold": 3})
    assert response.status_code == 201, response.json
    assert response.json["parameters"]["supportThreshold"] == 3
    assert response.json["parameters"]["blobContainerName"] == "data"


def test_a_name_given_twice_in_two_cases_is_an_unknown_field(client):
    response = client.post("/api/models", headers=ADMIN, json={
        "blobContainerName": "data", "BlobContainerName": "data", "usageRelativePath": "usage/"})
    assert details_of(response) == {("BlobContainerName", "UnknownField")}


def test_query_names_match_in_any_case_as_the_original_bound_them(client, parts):
    model_id = completed_model(client, parts)
    exact = client.get(f"/api/models/{model_id}/recommend?itemId=x&recommendationCount=1", headers=RECOMMEND)
    any_case = client.get(f"/api/models/{model_id}/recommend?ITEMID=x&recommendationcount=1", headers=RECOMMEND)
    assert any_case.status_code == 200 and any_case.json == exact.json and len(exact.json) == 1
