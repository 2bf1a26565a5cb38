"""webapp/openapi.yaml is the contract: it must list exactly the served routes and state the marshmallow rules.

Fails when a route, a method, a parameter, a field or a validation rule changes on one side only.
"""
import re
from pathlib import Path

import pytest
import yaml
from marshmallow import fields, missing, validate

# The OpenAPI 3.1 meta-schema that schemathesis bundles (nothing to download); pinned schemathesis <5.
from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR

from config.settings import Settings
from webapp import create_app, lineage_schemas, schema_fields
from webapp import request_schemas as schemas
from webapp.batch_api import MAX_LISTED_JOBS
from webapp.spec_api import SPEC_PATH

SPEC = yaml.safe_load(SPEC_PATH.read_text())
WEBAPP_DIR = Path(schemas.__file__).parent
JSON_TYPES = {str: "string", int: "integer", type(None): "null"}

# Each operation and the marshmallow schema of its query string.
QUERY_SCHEMAS = {
    ("/api/models", "post"): schemas.no_query_schema,
    ("/api/models", "get"): schemas.model_list_query_schema,
    ("/api/models/default", "get"): schemas.no_query_schema,
    ("/api/models/default", "put"): schemas.set_default_query_schema,
    ("/api/models/{modelId}", "get"): schemas.no_query_schema,
    ("/api/models/{modelId}", "delete"): schemas.no_query_schema,
    ("/api/models/{modelId}/recommend", "get"): schemas.item_recommend_query_schema,
    ("/api/models/{modelId}/recommend", "post"): schemas.personalized_recommend_query_schema,
    ("/api/models/default/recommend", "get"): schemas.item_recommend_query_schema,
    ("/api/models/default/recommend", "post"): schemas.personalized_recommend_query_schema,
    ("/api/models/{modelId}/scores", "post"): schemas.score_query_schema,
    ("/api/models/{modelId}/retrain", "post"): schemas.no_query_schema,
    ("/api/models/{modelId}/schedule", "put"): schemas.no_query_schema,
    ("/api/models/{modelId}/schedule", "get"): schemas.no_query_schema,
    ("/api/models/{modelId}/schedule", "delete"): schemas.no_query_schema,
    ("/api/models/default/scores", "post"): schemas.score_query_schema,
    ("/api/models/{modelId}/users/{userId}/recommendations", "get"): schemas.user_recommend_query_schema,
    ("/api/models/default/users/{userId}/recommendations", "get"): schemas.user_recommend_query_schema,
    ("/api/models/{modelId}/popular", "get"): schemas.popular_query_schema,
    ("/api/models/default/popular", "get"): schemas.popular_query_schema,
    ("/api/models/{modelId}/items", "get"): schemas.item_lookup_query_schema,
    ("/api/models/default/items", "get"): schemas.item_lookup_query_schema,
    ("/api/models/{modelId}/batch", "post"): schemas.no_query_schema,
    ("/api/models/{modelId}/batches", "get"): schemas.no_query_schema,
    ("/api/models/default/batch", "post"): schemas.no_query_schema,
    ("/api/batches/{jobId}", "get"): schemas.no_query_schema,
    ("/api/batches/{jobId}", "delete"): schemas.no_query_schema,
    ("/api/openapi.yaml", "get"): schemas.no_query_schema,
    ("/api/docs", "get"): schemas.no_query_schema,
    ("/api/docs/{asset}", "get"): schemas.no_query_schema,
    ("/health/live", "get"): schemas.no_query_schema,  # the probes read no query string
    ("/health/ready", "get"): schemas.no_query_schema,
}
BODY_SCHEMAS = {"ModelParameters": lineage_schemas.model_creation_schema, "UsageEvent": schemas.UsageEventSchema(),
                "RecommendRequest": schemas.recommend_request_schema, "ScoreRequest": schemas.score_request_schema,
                "PromotionPolicy": lineage_schemas.promotion_policy_schema,
                "RetrainRequest": lineage_schemas.retrain_request_schema,
                "ScheduleRequest": lineage_schemas.schedule_request_schema,
                "BatchRequest": schemas.batch_request_schema}


def resolve(node: dict) -> dict:
    """Follow a local $ref."""
    while "$ref" in node:
        target = SPEC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = {**target, **{key: value for key, value in node.items() if key != "$ref"}}
    return node


def spec_rules(node: dict) -> dict:
    """The facts a JSON Schema property states, normalised: types, bounds, lengths, enum, pattern, default;
    for an array, the facts of its items (or the name of the schema they refer to)."""
    if "$ref" in node.get("items", {}) and node["items"]["$ref"].startswith("#/components/schemas/"):
        node = {**node, "items": {"schema": node["items"]["$ref"].rsplit("/", 1)[1]}}
    node = resolve(node)
    facts = {"types": set()}
    # e.g. a RelativePath or null (oneOf); an enum's names, the same in any case, or its codes (anyOf)
    for alternative in map(spec_rules, node.get("oneOf", []) + node.get("anyOf", [])):
        facts = {**facts, **alternative, "types": facts["types"] | alternative["types"],
                 **({"enum": facts.get("enum", set()) | alternative["enum"]} if "enum" in alternative else {})}
    types = node.get("type", [])
    facts["types"] |= {types} if isinstance(types, str) else set(types)
    if "enum" in node:
        facts["enum"] = facts.get("enum", set()) | {value for value in node["enum"] if value is not None}
        facts["types"] |= {JSON_TYPES[type(value)] for value in node["enum"]}
    for key in ("minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems", "pattern", "default",
                "format"):
        if key in node:
            facts[key] = node[key]
    if "items" in node:
        facts["items"] = node["items"] if "schema" in node["items"] else spec_rules(node["items"])
    return facts


def field_rules(field: fields.Field) -> dict:
    """The same facts, as a marshmallow field enforces them."""
    facts = {"types": {_json_type(field)} | ({"null"} if field.allow_none else set())}
    if isinstance(field, schema_fields.EventTimestamp):
        facts["pattern"] = f"^(?:{schema_fields.TIMESTAMP_SHAPE.pattern})$"
    if isinstance(field, schema_fields.EnumName):
        facts["types"] |= {"integer"} if field.codes else set()
        facts.update(enum=set(field.names) | set(field.codes), pattern=f"^{field.pattern}$")
    if isinstance(field, schema_fields.RelativePath):
        facts.update(maxLength=schema_fields.MAX_BLOB_PATH_LENGTH, pattern=f"^{schema_fields.RELATIVE_PATH.pattern}$")
    if isinstance(field, fields.List):
        inner = field.inner
        facts["items"] = ({"schema": inner.nested.__name__.removesuffix("Schema")} if isinstance(inner, fields.Nested)
                          else field_rules(inner))
    for validator in field.validators:
        if isinstance(validator, validate.Range):
            facts.update(minimum=validator.min, maximum=validator.max)
        elif isinstance(validator, validate.Length):
            names = ("minItems", "maxItems") if isinstance(field, fields.List) else ("minLength", "maxLength")
            facts.update({key: value for key, value in zip(names, (validator.min, validator.max)) if value is not None})
        elif isinstance(validator, validate.OneOf):
            facts["enum"] = set(validator.choices)
        elif isinstance(validator, schema_fields.FullMatch):
            facts["pattern"] = f"^{validator.regex.pattern}$"
            if validator.regex is schema_fields.GUID:
                facts["format"] = "uuid"
        else:
            raise AssertionError(f"{field.data_key}: no spec rule known for {validator!r}")
    if field.load_default not in (None, missing) and not callable(field.load_default) and not field.required:
        facts["default"] = field.load_default
    return facts


def _json_type(field: fields.Field) -> str:
    for kind, name in ((fields.Boolean, "boolean"), (fields.Integer, "integer"), (fields.Float, "number"),
                       (fields.String, "string"), (schema_fields.EventTimestamp, "string"), (fields.List, "array"),
                       (schema_fields.EnumName, "string"), (fields.Nested, "object")):
        if isinstance(field, kind):
            return name
    raise AssertionError(f"no JSON type known for {field!r}")


def test_the_spec_is_valid_openapi_3_1():
    assert SPEC["openapi"] == "3.1.0"
    assert [error.message for error in OPENAPI_31_VALIDATOR.iter_errors(SPEC)] == []


def test_the_spec_lists_exactly_the_served_routes_and_methods():
    settings = Settings.from_environ({"AZURE_STORAGE_CONNECTION_STRING": "UseDevelopmentStorage=true",
                                      "ADMIN_PRIMARY_KEY": "a-test-admin-key-0001"})
    app = create_app(settings, registry=object(), provider=object(), queues=object(), usage_locator=object(),
                     jobs=object())
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/api/", "/health/")):
            continue  # the REST API and its probes (the dashboard's page is not part of the contract)
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda match: "{" + schemas.camel_case(match.group(1)) + "}", rule.rule)
        served |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in SPEC["paths"].items() for method in item if method != "parameters"}
    assert served == documented
    assert documented == set(QUERY_SCHEMAS)


@pytest.mark.parametrize("path, method", sorted(QUERY_SCHEMAS))
def test_query_parameters_follow_the_marshmallow_schema(path, method):
    operation = SPEC["paths"][path][method]
    parameters = [resolve(parameter) for parameter in SPEC["paths"][path].get("parameters", [])
                  + operation.get("parameters", [])]
    query = {parameter["name"]: parameter for parameter in parameters if parameter["in"] == "query"}
    loaded = {field.data_key: field for field in QUERY_SCHEMAS[(path, method)].fields.values()}
    assert set(query) == set(loaded)
    for name, field in loaded.items():
        rules = field_rules(field)
        rules["types"].discard("null")  # a query string cannot send null (marshmallow allows it for a None default)
        assert spec_rules(query[name]["schema"]) == rules, name
        assert query[name].get("required", False) == field.required, name


def test_the_model_id_path_parameter_is_a_guid():
    parameter = resolve(SPEC["components"]["parameters"]["modelId"])
    assert spec_rules(parameter["schema"])["pattern"] == f"^{schema_fields.GUID.pattern}$"


@pytest.mark.parametrize("name", sorted(BODY_SCHEMAS))
def test_body_schemas_follow_the_marshmallow_schemas(name):
    spec = SPEC["components"]["schemas"][name]
    loaded = {field.data_key: field for field in BODY_SCHEMAS[name].fields.values()}
    assert spec["additionalProperties"] is False  # marshmallow: unknown = RAISE
    assert set(spec["properties"]) == set(loaded)
    assert set(spec.get("required", [])) == {key for key, field in loaded.items() if field.required}
    for key, field in loaded.items():
        assert spec_rules(spec["properties"][key]) == field_rules(field), key


def test_a_models_parameters_are_the_creation_parameters_with_defaults_filled_in():
    spec = SPEC["components"]["schemas"]["TrainingParameters"]
    created = schemas.model_parameters_schema.load({"blobContainerName": "data", "usageRelativePath": "u.csv"})
    created.pop("description")
    assert set(schemas.model_parameters_schema.dump(created)) == set(spec["required"]) == set(spec["properties"])


def test_every_error_code_the_code_can_answer_is_documented():
    source = "\n".join(path.read_text() for path in WEBAPP_DIR.glob("*.py"))
    codes = set(re.findall(r'ApiError\(\s*\d+,\s*"(\w+)"', source))
    codes |= set(re.findall(r'CodedMessage\([^()]*?"(\w+)"\)', source, flags=re.S))
    codes |= set(re.findall(r'field_error\([^()]*?,\s*"(\w+)",', source))
    codes |= set(schema_fields.FIELD_ERROR_CODES.values()) | {"InternalError", "StorageUnavailable", "NotFound",
                                                        "MethodNotAllowed", "PayloadTooLarge"}
    errors = SPEC["components"]["schemas"]
    documented = set(re.findall(r"\w+", errors["Error"]["properties"]["error"]["properties"]["code"]["description"]))
    documented |= set(re.findall(r"\w+", errors["ErrorDetail"]["properties"]["code"]["description"]))
    assert len(codes) > 20
    assert codes <= documented, codes - documented


def test_the_job_list_states_the_served_bound():
    listed = SPEC["components"]["responses"]["BatchJobList"]["content"]["application/json"]["schema"]
    assert listed["maxItems"] == MAX_LISTED_JOBS
    assert f"the {MAX_LISTED_JOBS} newest" in SPEC["paths"]["/api/models/{modelId}/batches"]["get"]["summary"]
