"""Request and response shapes (camelCase on the wire, snake_case in Python), built once.

Every validation message carries a code (see CodedMessage), so a 400's details tell a client
which rule a field broke, not only which field.
"""
import re
from datetime import datetime
from typing import Optional

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from recommender import DEFAULT_EVENT_WEIGHTS, CooccurrenceUnit, SimilarityFunction
from recommender.parameters import SUPPORT_THRESHOLD_RANGE
from recommender.parsing import MAX_ITEM_ID_LENGTH, MAX_USER_ID_LENGTH
from recommender.rules import MAX_LISTED_ITEM_IDS

# Whole-value patterns (re.fullmatch; the spec anchors them with ^ and $).
# Azure's container rule: 3-63 chars of lower-case letters, digits and single hyphens, not at either end.
CONTAINER_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
CONTAINER_NAME_LENGTH = (3, 63)
GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# RFC 3339 date-time (JSON Schema's format date-time): the offset is required.
RFC3339_DATE_TIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_PATH_SEGMENT = r"(?!\.\.?(?:/|$))[^/\\\x00-\x1f\x7f]+"
RELATIVE_PATH = re.compile(rf"{_PATH_SEGMENT}(?:/{_PATH_SEGMENT})*/*")
MAX_BLOB_PATH_LENGTH = 1024
"""Azure's limit on a blob name."""
MAX_DESCRIPTION_LENGTH = 256
MAX_PAGE_SIZE = 100
MAX_CONTINUATION_TOKEN_LENGTH = 1024
CONTINUATION_TOKEN = re.compile(r"[A-Za-z0-9_-]+")
"""Tokens are unpadded base64url (registry.paging)."""
RECOMMENDATION_COUNT_RANGE = (1, 100)
DEFAULT_RECOMMENDATION_COUNT = 10
CATEGORY_RULE_RANGE = (1, 100)
"""maxPerCategory and categoryWindow: a list holds at most 100 items, so a larger value would change nothing."""


class CodedMessage(str):
    """A validation message with the code a client branches on; str.format keeps the code (marshmallow formats)."""

    def __new__(cls, text: str, code: str = "InvalidValue"):
        message = super().__new__(cls, text)
        message.code = code
        return message

    def format(self, *args, **kwargs) -> "CodedMessage":
        return CodedMessage(super().format(*args, **kwargs), self.code)


# marshmallow's error keys (Field.error_messages) and the code each one means.
FIELD_ERROR_CODES = {"required": "MissingField", "null": "InvalidType", "invalid": "InvalidType",
                     "invalid_utf8": "InvalidType", "too_large": "OutOfRange"}


def camel_case(name: str) -> str:
    """snake_case -> camelCase."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class CamelCaseSchema(Schema):
    """Python attributes in snake_case, JSON keys in camelCase; unknown keys are an error."""

    error_messages = {"unknown": CodedMessage("Unknown field.", "UnknownField"),
                      "type": CodedMessage("Invalid input type.", "InvalidType")}

    class Meta:
        unknown = RAISE

    def on_bind_field(self, field_name, field_obj):
        field_obj.data_key = camel_case(field_obj.data_key or field_name)
        field_obj.error_messages = {key: CodedMessage(message, FIELD_ERROR_CODES.get(key, "InvalidValue"))
                                    for key, message in field_obj.error_messages.items()}


def in_range(low: int, high: int) -> validate.Range:
    """low <= value <= high, else OutOfRange."""
    return validate.Range(low, high, error=CodedMessage("must be between {min} and {max}", "OutOfRange"))


def length(low: Optional[int] = None, high: Optional[int] = None) -> validate.Length:
    """A length limit: TooLong past high, InvalidLength when a lower limit is broken too."""
    if low is None:
        return validate.Length(max=high, error=CodedMessage("must be at most {max} characters", "TooLong"))
    return validate.Length(low, high, error=CodedMessage("must be {min} to {max} characters", "InvalidLength"))


def item_count(high: int) -> validate.Length:
    """At most `high` items in a list, else TooManyItems."""
    return validate.Length(max=high, error=CodedMessage("must hold at most {max} items", "TooManyItems"))


def one_of(choices: list) -> validate.OneOf:
    """One of a list of values, else InvalidValue."""
    return validate.OneOf(choices, error=CodedMessage("must be one of: {choices}", "InvalidValue"))


class FullMatch(validate.Validator):
    """The whole value matches a pattern (unlike validate.Regexp, whose `$` lets a trailing newline through)."""

    def __init__(self, regex: re.Pattern, error: CodedMessage):
        self.regex, self.error = regex, error

    def __call__(self, value: str) -> str:
        if not self.regex.fullmatch(value):
            raise ValidationError(self.error)
        return value


class RelativePath(fields.String):
    """A blob, or a folder of blobs, inside a container; a trailing '/' is trimmed.

    Refused (the original rewrote such paths silently): a '.' or '..' segment, an empty segment,
    a backslash, a leading '/', a control character.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        path = super()._deserialize(value, attr, data, **kwargs)
        if len(path) > MAX_BLOB_PATH_LENGTH:
            raise ValidationError(CodedMessage(f"must be at most {MAX_BLOB_PATH_LENGTH} characters", "TooLong"))
        if not RELATIVE_PATH.fullmatch(path):
            raise ValidationError(CodedMessage(
                "must be a relative path without '.' or '..' segments, '//', backslashes, control characters "
                "or a leading '/'", "InvalidPath"))
        return path.rstrip("/")


class StrictBoolean(fields.Boolean):
    """true or false only: no "yes", 1 or "on"."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class JsonInteger(fields.Integer):
    """A JSON integer: 6 or 6.0 (JSON Schema counts both as integers); not "6", 6.5 or true."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or (isinstance(value, float) and not value.is_integer()):
            raise self.make_error("invalid")
        return super()._deserialize(int(value), attr, data, **kwargs)


class StrictNumber(fields.Float):
    """A JSON number only: no numeric strings, no booleans."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Rfc3339DateTime(fields.Field):
    """An RFC 3339 date-time with its offset; a leap second counts as the second before it."""

    default_error_messages = {"invalid": "must be an RFC 3339 date-time with an offset, e.g. 2017-03-30T13:34:12Z"}

    def _deserialize(self, value, attr, data, **kwargs):
        match = RFC3339_DATE_TIME.fullmatch(value) if isinstance(value, str) else None
        if match is None:
            raise self.make_error("invalid")
        date, hours_minutes, seconds, fraction, offset = match.groups()
        fraction = (fraction or "")[:7]  # Python keeps microseconds
        offset = "+00:00" if offset in ("Z", "z") else offset
        try:
            return datetime.fromisoformat(f"{date}T{hours_minutes}:{min(seconds, '59')}{fraction}{offset}")
        except ValueError:
            raise ValidationError(CodedMessage("is not a date and time of the calendar", "InvalidValue")) from None


def overlaps(path_a: str, path_b: str) -> bool:
    """Does one path equal the other or lie inside it (as a folder)?"""
    return path_a == path_b or path_a.startswith(path_b + "/") or path_b.startswith(path_a + "/")


class ModelParametersSchema(CamelCaseSchema):
    """POST /api/models body: the training parameters, with the original service's defaults."""

    description = fields.String(load_default=None, validate=length(high=MAX_DESCRIPTION_LENGTH), allow_none=True)
    blob_container_name = fields.String(required=True, validate=[
        length(*CONTAINER_NAME_LENGTH),
        FullMatch(CONTAINER_NAME, CodedMessage(
            "must be lower-case letters, digits and single hyphens, not at either end", "InvalidContainerName"))])
    usage_relative_path = RelativePath(required=True)
    catalog_file_relative_path = RelativePath(load_default=None, allow_none=True)
    evaluation_usage_relative_path = RelativePath(load_default=None, allow_none=True)
    support_threshold = JsonInteger(load_default=6, validate=in_range(*SUPPORT_THRESHOLD_RANGE))
    cooccurrence_unit = fields.String(load_default=CooccurrenceUnit.USER.value,
                                      validate=one_of([unit.value for unit in CooccurrenceUnit]))
    similarity_function = fields.String(load_default=SimilarityFunction.JACCARD.value,
                                        validate=one_of([function.value for function in SimilarityFunction]))
    enable_cold_item_placement = StrictBoolean(load_default=False)
    enable_cold_to_cold_recommendations = StrictBoolean(load_default=False)
    enable_user_affinity = StrictBoolean(load_default=True)
    enable_user_to_item_recommendations = StrictBoolean(load_default=False)
    allow_seed_items_in_recommendations = StrictBoolean(load_default=False)
    enable_backfilling = StrictBoolean(load_default=True)
    decay_period_in_days = JsonInteger(load_default=30, validate=in_range(1, 2**31 - 1))

    @validates_schema
    def check_combinations(self, data, **kwargs):
        """Cold placement needs a catalog; evaluation data must not overlap the training data."""
        if data.get("enable_cold_item_placement") and not data.get("catalog_file_relative_path"):
            raise ValidationError(CodedMessage("is required when enableColdItemPlacement is true", "MissingField"),
                                  "catalogFileRelativePath")
        evaluation = data.get("evaluation_usage_relative_path")
        if evaluation and overlaps(evaluation, data["usage_relative_path"]):
            raise ValidationError(CodedMessage(
                "must not overlap usageRelativePath (the model would be tested on its training data)",
                "OverlappingPaths"), "evaluationUsageRelativePath")


class UsageEventSchema(CamelCaseSchema):
    """One usage event in a recommend request body."""

    item_id = fields.String(required=True, validate=length(1, MAX_ITEM_ID_LENGTH))
    timestamp = Rfc3339DateTime(load_default=None, allow_none=True)
    event_type = fields.String(load_default=None, allow_none=True, validate=one_of(list(DEFAULT_EVENT_WEIGHTS)))
    weight = StrictNumber(load_default=None, allow_none=True, allow_nan=False)


class UsageEventList(fields.List):
    """A list of usage events: a List of Nested UsageEventSchema (so the spec check reads it as one); a list of
    objects is loaded by one UsageEventSchema(many=True), which gives the same events and errors for a third
    less work than a Nested field per event."""

    def __init__(self, **options):
        super().__init__(fields.Nested(UsageEventSchema), **options)
        self._events = UsageEventSchema(many=True)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list) and all(type(event) is dict for event in value):
            return self._events.load(value)
        return super()._deserialize(value, attr, data, **kwargs)  # not a list of objects: List's own messages


class ItemIdList(fields.List):
    """A list of item ids, up to 1,000 of them per request: a list of valid ids is checked in one pass, and
    only a list holding a bad one goes through marshmallow's per-item path, for its messages."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list) and all(type(item) is str and 0 < len(item) <= MAX_ITEM_ID_LENGTH
                                           for item in value):
            return value
        return super()._deserialize(value, attr, data, **kwargs)


def item_id_list(**options) -> ItemIdList:
    """A list of item ids (the list field's own messages get their codes from CamelCaseSchema)."""
    item_id = fields.String(validate=length(1, MAX_ITEM_ID_LENGTH),
                            error_messages={"invalid": CodedMessage("Not a valid string.", "InvalidType")})
    return ItemIdList(item_id, **options)


def rule_integer(kind=fields.Integer) -> fields.Integer:
    return kind(load_default=None, allow_none=True, validate=in_range(*CATEGORY_RULE_RANGE))


class RulesSchema(CamelCaseSchema):
    """The business rules of a recommend request (recommender.rules), as GET query parameters.

    The POST body object carries the same fields (RecommendRequestSchema). An include list may be empty
    (nothing may come back); null or absent means no such rule.
    """

    include_item_ids = item_id_list(load_default=None, allow_none=True, validate=item_count(MAX_LISTED_ITEM_IDS))
    exclude_item_ids = item_id_list(load_default=None, allow_none=True, validate=item_count(MAX_LISTED_ITEM_IDS))
    item_id_prefix = fields.String(load_default=None, allow_none=True, validate=length(1, MAX_ITEM_ID_LENGTH))
    max_per_category = rule_integer()
    category_window = rule_integer()

    @validates_schema
    def check_rules(self, data, **kwargs):
        """No id both included and excluded (a rule JSON Schema cannot state); a window needs a cap."""
        include, exclude = data.get("include_item_ids"), data.get("exclude_item_ids")
        both = set(include).intersection(exclude) if include and exclude else ()  # no set without both lists
        if both:
            first = min(both)[:64]
            raise ValidationError(CodedMessage(f"must not name {first!r}, which includeItemIds names",
                                               "ConflictingItemIds"), "excludeItemIds")
        if data.get("category_window") is not None and data.get("max_per_category") is None:
            raise ValidationError(CodedMessage("is required when categoryWindow is given", "MissingField"),
                                  "maxPerCategory")


class ItemRecommendQuerySchema(RulesSchema):
    """Query string of GET .../recommend: the seed item, the count and the rules."""

    item_id = fields.String(load_default=None, validate=length(1, MAX_ITEM_ID_LENGTH))
    recommendation_count = fields.Integer(load_default=DEFAULT_RECOMMENDATION_COUNT,
                                          validate=in_range(*RECOMMENDATION_COUNT_RANGE))


class RecommendRequestSchema(RulesSchema):
    """The object form of a POST .../recommend body: usage events and the rules (JSON values only)."""

    events = UsageEventList(load_default=list)
    max_per_category = rule_integer(JsonInteger)
    category_window = rule_integer(JsonInteger)


class ScoreRequestSchema(CamelCaseSchema):
    """POST .../scores body: the items to score, and usage events (with or instead of userId)."""

    item_ids = item_id_list(required=True, validate=item_count(MAX_LISTED_ITEM_IDS))
    events = UsageEventList(load_default=list)


class PersonalizedRecommendQuerySchema(CamelCaseSchema):
    """Query string of POST .../recommend."""

    user_id = fields.String(load_default=None, validate=length(1, MAX_USER_ID_LENGTH))
    recommendation_count = fields.Integer(load_default=DEFAULT_RECOMMENDATION_COUNT,
                                          validate=in_range(*RECOMMENDATION_COUNT_RANGE))


class ScoreQuerySchema(CamelCaseSchema):
    """Query string of POST .../scores."""

    user_id = fields.String(load_default=None, validate=length(1, MAX_USER_ID_LENGTH))


class ModelListQuerySchema(CamelCaseSchema):
    """Query string of GET /api/models."""

    page_size = fields.Integer(load_default=MAX_PAGE_SIZE, validate=in_range(1, MAX_PAGE_SIZE))
    continuation_token = fields.String(load_default=None, validate=[
        length(1, MAX_CONTINUATION_TOKEN_LENGTH),
        FullMatch(CONTINUATION_TOKEN, CodedMessage("is not a continuation token", "InvalidContinuationToken"))])


class SetDefaultQuerySchema(CamelCaseSchema):
    """Query string of PUT /api/models/default."""

    model_id = fields.String(required=True, validate=FullMatch(GUID, CodedMessage("must be a GUID", "InvalidModelId")))


no_query_schema = CamelCaseSchema()
"""The query string of routes that take no parameters: any parameter is unknown (a typo must not pass silently)."""
model_parameters_schema = ModelParametersSchema()
usage_events_schema = UsageEventSchema(many=True)
item_recommend_query_schema = ItemRecommendQuerySchema()
personalized_recommend_query_schema = PersonalizedRecommendQuerySchema()
recommend_request_schema = RecommendRequestSchema()
score_query_schema = ScoreQuerySchema()
score_request_schema = ScoreRequestSchema()
model_list_query_schema = ModelListQuerySchema()
set_default_query_schema = SetDefaultQuerySchema()


def query_arguments(schema: Schema, args) -> dict:
    """A query string (werkzeug MultiDict) as `schema` loads it: a list field gets every value of its parameter."""
    lists = {field.data_key for field in schema.fields.values() if isinstance(field, fields.List)}
    return {key: args.getlist(key) if key in lists else args[key] for key in args}


_ITEM_QUERY_DEFAULTS = item_recommend_query_schema.load({})
_DIRECT_ID_LISTS = {"includeItemIds": "include_item_ids", "excludeItemIds": "exclude_item_ids"}
_DIRECT_NUMBERS = {"recommendationCount": ("recommendation_count", RECOMMENDATION_COUNT_RANGE),
                   "maxPerCategory": ("max_per_category", CATEGORY_RULE_RANGE),
                   "categoryWindow": ("category_window", CATEGORY_RULE_RANGE)}
_DIRECT_IDS = {"itemId": "item_id", "itemIdPrefix": "item_id_prefix"}


def load_item_query(args) -> dict:
    """The query string of an item-to-item GET, validated as item_recommend_query_schema loads it.

    A plainly valid query (ids of valid lengths, numbers in digits and in range, lists within their limit,
    no id both included and excluded) is read directly: marshmallow costs more than the answer from the
    cache, and for a list of 100 ids more than the filtering. Any other query goes through the schema,
    which also words every error.
    """
    query = _direct_item_query(args)
    if query is None:
        query = item_recommend_query_schema.load(query_arguments(item_recommend_query_schema, args))
    return query


def _direct_item_query(args) -> Optional[dict]:
    """The loaded query if it is plainly valid, else None. A single parameter given twice counts once, as in
    query_arguments (the first value)."""
    query = dict(_ITEM_QUERY_DEFAULTS)
    for key, values in args.lists():
        if key in _DIRECT_IDS:
            if not 1 <= len(values[0]) <= MAX_ITEM_ID_LENGTH:
                return None
            query[_DIRECT_IDS[key]] = values[0]
        elif key in _DIRECT_NUMBERS:
            name, (low, high) = _DIRECT_NUMBERS[key]
            number = int(values[0]) if _is_digits(values[0]) else None
            if number is None or not low <= number <= high:
                return None
            query[name] = number
        elif key in _DIRECT_ID_LISTS:
            lengths = list(map(len, values))  # (a query's values are strings)
            if len(values) > MAX_LISTED_ITEM_IDS or min(lengths) < 1 or max(lengths) > MAX_ITEM_ID_LENGTH:
                return None
            query[_DIRECT_ID_LISTS[key]] = values
        else:
            return None
    include, exclude = query["include_item_ids"], query["exclude_item_ids"]
    if (include and exclude and not set(include).isdisjoint(exclude)) or \
            (query["category_window"] is not None and query["max_per_category"] is None):
        return None
    return query


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 4


def model_summary_to_json(summary) -> dict:
    """A registry summary (or record) as the API's ModelSummary."""
    return {"id": summary.id, "description": summary.description,
            "creationTime": summary.creation_time.isoformat().replace("+00:00", "Z"),
            "modelStatus": summary.status.value}


def model_to_json(record) -> dict:
    """A registry record as the API's Model."""
    return {**model_summary_to_json(record), "modelStatusMessage": record.status_message,
            "parameters": record.parameters, "statistics": record.statistics}
