"""Request and response shapes (camelCase on the wire, snake_case in Python), built once."""
import re
from datetime import timezone

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from recommender import DEFAULT_EVENT_WEIGHTS, SimilarityFunction, CooccurrenceUnit
from recommender.parameters import SUPPORT_THRESHOLD_RANGE
from recommender.parsing import MAX_ITEM_ID_LENGTH, MAX_USER_ID_LENGTH

# Azure's container rule: 3-63 chars, lower-case letters, digits and single hyphens, not at either end.
CONTAINER_NAME = re.compile(r"^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$")


def camel_case(name: str) -> str:
    """snake_case -> camelCase."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class CamelCaseSchema(Schema):
    """Python attributes in snake_case, JSON keys in camelCase; unknown keys are an error."""

    class Meta:
        unknown = RAISE

    def on_bind_field(self, field_name, field_obj):
        field_obj.data_key = camel_case(field_obj.data_key or field_name)


class RelativePath(fields.String):
    """A blob path inside a container: no '..' segment, no backslash, no leading '/'; trailing '/' trimmed."""

    def _deserialize(self, value, attr, data, **kwargs):
        path = super()._deserialize(value, attr, data, **kwargs)
        if "\\" in path or path.startswith("/") or ".." in path.split("/"):
            raise ValidationError("must be a relative path without '..' segments, backslashes or a leading '/'")
        path = path.rstrip("/")
        if not path:
            raise ValidationError("must name a blob or a folder")
        return path


class StrictBoolean(fields.Boolean):
    """true or false only: no "yes", 1 or "on"."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError("must be true or false")
        return value


def overlaps(path_a: str, path_b: str) -> bool:
    """Does one path equal the other or lie inside it (as a folder)?"""
    return path_a == path_b or path_a.startswith(path_b + "/") or path_b.startswith(path_a + "/")


class ModelParametersSchema(CamelCaseSchema):
    """POST /api/models body: the training parameters, with the original service's defaults."""

    description = fields.String(load_default=None, validate=validate.Length(max=256), allow_none=True)
    blob_container_name = fields.String(required=True, validate=validate.Regexp(CONTAINER_NAME, error="is not a valid blob container name"))
    usage_relative_path = RelativePath(required=True)
    catalog_file_relative_path = RelativePath(load_default=None, allow_none=True)
    evaluation_usage_relative_path = RelativePath(load_default=None, allow_none=True)
    support_threshold = fields.Integer(strict=True, load_default=6, validate=validate.Range(*SUPPORT_THRESHOLD_RANGE))
    cooccurrence_unit = fields.String(load_default=CooccurrenceUnit.USER.value, validate=validate.OneOf([u.value for u in CooccurrenceUnit]))
    similarity_function = fields.String(load_default=SimilarityFunction.JACCARD.value, validate=validate.OneOf([f.value for f in SimilarityFunction]))
    enable_cold_item_placement = StrictBoolean(load_default=False)
    enable_cold_to_cold_recommendations = StrictBoolean(load_default=False)
    enable_user_affinity = StrictBoolean(load_default=True)
    enable_user_to_item_recommendations = StrictBoolean(load_default=False)
    allow_seed_items_in_recommendations = StrictBoolean(load_default=False)
    enable_backfilling = StrictBoolean(load_default=True)
    decay_period_in_days = fields.Integer(strict=True, load_default=30, validate=validate.Range(min=1, max=2**31 - 1))

    @validates_schema
    def check_combinations(self, data, **kwargs):
        """Cold placement needs a catalog; evaluation data must not overlap the training data."""
        if data.get("enable_cold_item_placement") and not data.get("catalog_file_relative_path"):
            raise ValidationError("is required when enableColdItemPlacement is true", "catalogFileRelativePath")
        evaluation = data.get("evaluation_usage_relative_path")
        if evaluation and overlaps(evaluation, data["usage_relative_path"]):
            raise ValidationError("must not overlap usageRelativePath (the model would be tested on its training data)",
                                  "evaluationUsageRelativePath")


class UsageEventSchema(CamelCaseSchema):
    """One usage event in a recommend request body."""

    item_id = fields.String(required=True, validate=validate.Length(min=1, max=MAX_ITEM_ID_LENGTH))
    timestamp = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=timezone.utc)
    event_type = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(DEFAULT_EVENT_WEIGHTS)))
    weight = fields.Float(load_default=None, allow_none=True, allow_nan=False)


class RecommendQuerySchema(CamelCaseSchema):
    """Query string of the recommend routes."""

    item_id = fields.String(load_default=None, validate=validate.Length(min=1, max=MAX_ITEM_ID_LENGTH))
    user_id = fields.String(load_default=None, validate=validate.Length(min=1, max=MAX_USER_ID_LENGTH))
    recommendation_count = fields.Integer(load_default=10, validate=validate.Range(1, 100))


class SetDefaultQuerySchema(CamelCaseSchema):
    """Query string of PUT /api/models/default."""

    model_id = fields.UUID(required=True)


model_parameters_schema = ModelParametersSchema()
usage_events_schema = UsageEventSchema(many=True)
recommend_query_schema = RecommendQuerySchema()
set_default_query_schema = SetDefaultQuerySchema()


def model_to_json(record, summary: bool = False) -> dict:
    """A registry record as the API's Model (or its summary)."""
    body = {"id": record.id, "description": record.description,
            "creationTime": record.creation_time.isoformat().replace("+00:00", "Z"),
            "modelStatus": record.status.value}
    if summary:
        return body
    return {**body, "modelStatusMessage": record.status_message, "parameters": record.parameters,
            "statistics": record.statistics}
