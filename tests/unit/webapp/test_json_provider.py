"""The app's JSON answers: compact text as Flask writes it, indented in debug mode as Flask's are."""
import json

from flask import Flask

from webapp.json_provider import CompactJSONProvider

DATA = [{"recommendedItemId": "é1", "score": 0.1 + 0.2}, {"recommendedItemId": "b", "score": 0.0}]


def app_answering(debug: bool) -> Flask:
    app = Flask(__name__)
    app.json = CompactJSONProvider(app)
    app.debug = debug

    @app.get("/")
    def answer():
        return DATA

    return app


def test_an_answer_is_compact_utf8_json_in_the_order_built():
    response = app_answering(debug=False).test_client().get("/")
    assert response.mimetype == "application/json"
    assert response.get_data(as_text=True) == json.dumps(DATA, separators=(",", ":"), ensure_ascii=False) + "\n"


def test_an_answer_never_holds_nan_or_infinity():
    """NaN and Infinity are not JSON: a strict parser refuses them, so the answer writes null instead."""
    app = Flask(__name__)
    app.json = CompactJSONProvider(app)
    app.get("/")(lambda: [{"score": float("nan")}, {"score": float("inf")}])
    text = app.test_client().get("/").get_data(as_text=True)
    assert json.loads(text, parse_constant=_refuse) == [{"score": None}, {"score": None}]


def _refuse(constant):
    raise ValueError(f"{constant} is not JSON")


def test_in_debug_mode_an_answer_is_indented_as_flask_writes_it():
    text = app_answering(debug=True).test_client().get("/").get_data(as_text=True)
    assert text == json.dumps(DATA, indent=2) + "\n"
