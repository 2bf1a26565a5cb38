"""GET .../items: the catalog's names and categories of ids a recommend answer gave (issue 22)."""
import pytest
from api_fakes import ADMIN, RECOMMEND, completed_model

from registry import ModelStatus

NAMED = {"x": "Ex", "y": "Why"}
CATEGORIES = {"x": "letters", "z": "end"}


@pytest.fixture
def named_model(client, parts):
    """The two-cluster model (items x, y, z) with a catalog naming x and y and giving x and z a category."""
    model_id = completed_model(client, parts)
    model = parts["provider"].models[model_id]
    parts["provider"].models[model_id] = model.with_item_names(list(NAMED), list(NAMED.values())) \
        .with_item_categories(list(CATEGORIES), list(CATEGORIES.values()))
    assert client.put(f"/api/models/default?modelId={model_id}", headers=ADMIN).status_code == 200
    return model_id


@pytest.mark.parametrize("base", ["/api/models/{id}", "/api/models/default"])
def test_each_id_gets_its_name_and_category_in_the_order_asked(client, named_model, base):
    url = base.format(id=named_model) + "/items?itemId=z&itemId=x&itemId=unknown&itemId=y&itemId=x"
    response = client.get(url, headers=RECOMMEND)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json == [{"itemId": "z", "name": None, "category": "end"},
                             {"itemId": "x", "name": "Ex", "category": "letters"},
                             {"itemId": "unknown", "name": None, "category": None},  # never a 404 per id
                             {"itemId": "y", "name": "Why", "category": None},
                             {"itemId": "x", "name": "Ex", "category": "letters"}]


def test_a_model_without_a_catalog_answers_nulls(client, parts):
    model_id = completed_model(client, parts)
    response = client.get(f"/api/models/{model_id}/items?itemId=x&itemId=nope", headers=RECOMMEND)
    assert response.json == [{"itemId": "x", "name": None, "category": None},
                             {"itemId": "nope", "name": None, "category": None}]


def test_the_recommend_answer_is_unchanged_by_names(client, parts, named_model):
    """Names are only in the items route: a recommend answer is ids and scores, byte for byte."""
    plain = completed_model(client, parts)
    url = "/api/models/{}/recommend?itemId=x"
    named, unnamed = (client.get(url.format(model_id), headers=RECOMMEND) for model_id in (named_model, plain))
    assert named.get_data() == unnamed.get_data()
    assert set(named.json[0]) == {"recommendedItemId", "score"}


@pytest.mark.parametrize("query, code", [("", "MissingField"), ("itemId=", "InvalidLength"),
                                         ("&".join(["itemId=i"] * 101), "TooManyItems"),
                                         ("itemId=x&userId=u1", "UnknownField")])
def test_bad_queries_are_refused_with_a_code(client, named_model, query, code):
    response = client.get(f"/api/models/{named_model}/items?{query}", headers=RECOMMEND)
    assert response.status_code == 400
    assert code in {detail["code"] for detail in response.json["error"]["details"]}, response.json


def test_a_hundred_ids_are_accepted(client, named_model):
    response = client.get(f"/api/models/{named_model}/items?" + "&".join(f"itemId=i{n}" for n in range(100)),
                          headers=RECOMMEND)
    assert response.status_code == 200 and len(response.json) == 100


def test_a_model_not_completed_is_409_and_an_unknown_one_404(client, parts, named_model):
    parts["registry"].update(parts["registry"].get(named_model).with_status(ModelStatus.IN_PROGRESS, "training"))
    assert client.get(f"/api/models/{named_model}/items?itemId=x", headers=RECOMMEND).status_code == 409
    unknown = "00000000-0000-4000-8000-000000000000"
    assert client.get(f"/api/models/{unknown}/items?itemId=x", headers=RECOMMEND).json["error"]["code"] == \
        "ModelNotFound"


def test_a_key_is_required(client, named_model):
    assert client.get(f"/api/models/{named_model}/items?itemId=x").status_code == 401
