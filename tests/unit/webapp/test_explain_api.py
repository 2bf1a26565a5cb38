"""explain=true on the recommend routes: explanations beside each item; without it, the answer as before."""
import pytest
from api_fakes import ADMIN, RECOMMEND, completed_model


@pytest.mark.parametrize("flag", ["", "&explain=false"])
def test_without_the_flag_the_answer_is_unchanged_byte_for_byte(client, parts, flag):
    model_id = completed_model(client, parts)
    response = client.get(f"/api/models/{model_id}/recommend?itemId=x&recommendationCount=3{flag}", headers=RECOMMEND)
    assert response.data == b'[{"recommendedItemId":"y","score":1.0},{"recommendedItemId":"z","score":0.0}]\n'


def test_item_to_item_names_the_seed_and_the_backfill(client, parts):
    model_id = completed_model(client, parts)
    answer = client.get(f"/api/models/{model_id}/recommend?itemId=x&recommendationCount=3&explain=true",
                        headers=RECOMMEND).json
    assert answer == [
        {"recommendedItemId": "y", "score": 1.0,
         "explanation": {"strategy": "SAR", "seedItems": [{"itemId": "x", "share": 1.0}]}},
        {"recommendedItemId": "z", "score": 0.0, "explanation": {"strategy": "Backfill", "seedItems": []}}]


@pytest.mark.parametrize("path", ["/api/models/{id}/recommend", "/api/models/default/recommend"])
def test_personalized_names_the_events_behind_each_score(client, parts, path):
    model_id = completed_model(client, parts)
    client.put(f"/api/models/default?modelId={model_id}", headers=ADMIN)
    answer = client.post(path.format(id=model_id) + "?explain=true", json=[{"itemId": "x"}, {"itemId": "z"}],
                         headers=RECOMMEND).json
    assert answer[0] == {"recommendedItemId": "y", "score": 1.0,
                         "explanation": {"strategy": "SAR", "seedItems": [{"itemId": "x", "share": 1.0}]}}


def test_a_flag_that_is_not_true_or_false_is_a_400(client, parts):
    model_id = completed_model(client, parts)
    response = client.get(f"/api/models/{model_id}/recommend?itemId=x&explain=yes", headers=RECOMMEND)
    assert response.status_code == 400
    assert response.json["error"]["details"][0]["field"] == "explain"
