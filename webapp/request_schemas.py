"""The schemas of request bodies and query strings (camelCase on the wire, snake_case in Python), built once."""
import re

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validates_schema

from recommender import DEFAULT_EVENT_WEIGHTS, CooccurrenceUnit, SimilarityFunction
from recommender.exceptions import ConflictingRulesError
from recommender.parameters import SUPPORT_THRESHOLD_RANGE, TRENDING_HALF_LIFE_RANGE, BackfillStrategy, SARParameters
from recommender.parsing import MAX_ITEM_ID_LENGTH, MAX_USER_ID_LENGTH
from recommender.popular import PopularityKind
from recommender.rules import MAX_LISTED_ITEM_IDS, Rules

from .schema_fields import (
    CONTAINER_NAME,
    CONTAINER_NAME_LENGTH,
    FIELD_ERROR_CODES,
    GUID,
    CodedMessage,
    EnumName,
    EventTimestamp,
    FullMatch,
    JsonInteger,
    NullMeansDefault,
    QueryBoolean,
    RelativePath,
    StrictBoolean,
    StrictNumber,
    in_range,
    item_count,
    item_id_list,
    length,
)

MAX_DESCRIPTION_LENGTH = 256
MAX_PAGE_SIZE = 100
MAX_CONTINUATION_TOKEN_LENGTH = 1024
CONTINUATION_TOKEN = re.compile(r"[A-Za-z0-9_-]+")
"""Tokens are unpadded base64url (registry.paging)."""
RECOMMENDATION_COUNT_RANGE = (1, 100)
DEFAULT_RECOMMENDATION_COUNT = 10
MAX_EVENTS = 1000
"""Usage events one request may carry (more: 400 TooManyEvents, checked before any is read)."""
MAX_ITEM_LOOKUPS = 100
"""Item ids one GET .../items may name: as many as one recommend answer holds."""
MAX_EVENT_WEIGHT = 1e6
"""Largest |weight| of a request's event: a larger one would let one event outweigh any history (and overflow)."""
CATEGORY_RULE_RANGE = (1, 100)
"""maxPerCategory and categoryWindow: a list holds at most 100 items, so a larger value would change nothing."""
MAX_CATEGORY_LENGTH = 1024
"""A catalog category is one CSV field; longer than any sensible one."""
# The original's .NET enum codes (Recommendations.Core), which its JSON reader accepted for the names.
COOCCURRENCE_UNIT_CODES = {0: CooccurrenceUnit.USER.value, 1: CooccurrenceUnit.TIMESTAMP.value}
SIMILARITY_FUNCTION_CODES = {0: SimilarityFunction.JACCARD.value, 1: SimilarityFunction.COOCCURRENCE.value,
                             2: SimilarityFunction.LIFT.value}
EVENT_TYPE_CODES = {0: "Custom", 1: "Click", 2: "RecommendationClick", 3: "AddShopCart", 4: "RemoveShopCart",
                    5: "Purchase"}


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._keys = frozenset(field.data_key for field in self.load_fields.values())
        self._keys_by_folded = {key.casefold(): key for key in self._keys}

    @pre_load(pass_collection=True)
    def match_names_in_any_case(self, data, many, **kwargs):
        """The original (ASP.NET binding, Json.NET) matched names in any case: `BlobContainerName` meant
        `blobContainerName`. A name whose exact spelling is also given stays as it is (an UnknownField)."""
        if many:
            return [self._matched(item) for item in data] if isinstance(data, list) else data
        return self._matched(data)

    def _matched(self, data):
        if not isinstance(data, dict) or data.keys() <= self._keys:
            return data
        matched = {}
        for key, value in data.items():
            exact = self._keys_by_folded.get(key.casefold(), key) if isinstance(key, str) else key
            matched[key if exact in data or exact in matched else exact] = value
        return matched

    def on_bind_field(self, field_name, field_obj):
        field_obj.data_key = camel_case(field_obj.data_key or field_name)
        field_obj.error_messages = {key: CodedMessage(message, FIELD_ERROR_CODES.get(key, "InvalidValue"))
                                    for key, message in field_obj.error_messages.items()}


class OptionalBoolean(NullMeansDefault, StrictBoolean):
    """true or false; null or absent: the default."""


class OptionalInteger(NullMeansDefault, JsonInteger):
    """A JSON integer; null or absent: the default."""


class OptionalEnumName(NullMeansDefault, EnumName):
    """An enum name in any case or its .NET code; null or absent: the default."""


def overlaps(path_a: str, path_b: str) -> bool:
    """Does one path equal the other or lie inside it (as a folder)?"""
    return path_a == path_b or path_a.startswith(path_b + "/") or path_b.startswith(path_a + "/")


class ModelParametersSchema(CamelCaseSchema):
    """POST /api/models body: the training parameters, with the original service's defaults (null: the default)."""

    description = fields.String(load_default=None, validate=length(high=MAX_DESCRIPTION_LENGTH), allow_none=True)
    blob_container_name = fields.String(required=True, validate=[
        length(*CONTAINER_NAME_LENGTH),
        FullMatch(CONTAINER_NAME, CodedMessage(
            "must be lower-case letters, digits and single hyphens, not at either end", "InvalidContainerName"))])
    usage_relative_path = RelativePath(required=True)
    catalog_file_relative_path = RelativePath(load_default=None, allow_none=True)
    evaluation_usage_relative_path = RelativePath(load_default=None, allow_none=True)
    support_threshold = OptionalInteger(load_default=6, allow_none=True, validate=in_range(*SUPPORT_THRESHOLD_RANGE))
    cooccurrence_unit = OptionalEnumName([unit.value for unit in CooccurrenceUnit], COOCCURRENCE_UNIT_CODES,
                                         load_default=CooccurrenceUnit.USER.value, allow_none=True)
    similarity_function = OptionalEnumName([function.value for function in SimilarityFunction],
                                           SIMILARITY_FUNCTION_CODES, load_default=SimilarityFunction.JACCARD.value,
                                           allow_none=True)
    enable_cold_item_placement = OptionalBoolean(load_default=False, allow_none=True)
    enable_cold_to_cold_recommendations = OptionalBoolean(load_default=False, allow_none=True)
    enable_user_affinity = OptionalBoolean(load_default=True, allow_none=True)
    enable_user_to_item_recommendations = OptionalBoolean(load_default=False, allow_none=True)
    allow_seed_items_in_recommendations = OptionalBoolean(load_default=False, allow_none=True)
    enable_backfilling = OptionalBoolean(load_default=True, allow_none=True)
    decay_period_in_days = OptionalInteger(load_default=30, allow_none=True, validate=in_range(1, 2**31 - 1))
    backfill_strategy = OptionalEnumName([strategy.value for strategy in BackfillStrategy],
                                         load_default=SARParameters.backfill_strategy.value, allow_none=True)
    trending_half_life_in_days = OptionalInteger(load_default=SARParameters.trending_half_life_days, allow_none=True,
                                                 validate=in_range(*TRENDING_HALF_LIFE_RANGE))

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
    timestamp = EventTimestamp(load_default=None, allow_none=True)
    event_type = EnumName(list(DEFAULT_EVENT_WEIGHTS), EVENT_TYPE_CODES, load_default=None, allow_none=True)
    weight = StrictNumber(load_default=None, allow_none=True, allow_nan=False,
                          validate=in_range(-MAX_EVENT_WEIGHT, MAX_EVENT_WEIGHT))


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
        """Rules that contradict each other (a rule JSON Schema cannot state): recommender.rules decides."""
        try:
            check_rules_agree(data)
        except ConflictingRulesError as error:
            raise ValidationError(conflict_message(error), camel_case(error.field)) from None


def check_rules_agree(query: dict) -> None:
    """Rules.validate on loaded rules. :raise ConflictingRulesError:"""
    Rules.validate(query.get("include_item_ids"), query.get("exclude_item_ids"), query.get("max_per_category"),
                   query.get("category_window"))


def conflict_message(error: ConflictingRulesError) -> CodedMessage:
    """The message of the field at fault, in the API's words."""
    if error.item_id is not None:
        return CodedMessage(f"must not name {error.item_id[:64]!r}, which includeItemIds names", "ConflictingItemIds")
    return CodedMessage("is required when categoryWindow is given", "MissingField")


def recommendation_count() -> fields.Integer:
    return fields.Integer(load_default=DEFAULT_RECOMMENDATION_COUNT, validate=in_range(*RECOMMENDATION_COUNT_RANGE))


def user_id_field() -> fields.String:
    return fields.String(load_default=None, validate=length(1, MAX_USER_ID_LENGTH))


class ItemRecommendQuerySchema(RulesSchema):
    """Query string of GET .../recommend: the seed item or the user (not both), the count, the rules and the
    explain flag."""

    item_id = fields.String(load_default=None, validate=length(1, MAX_ITEM_ID_LENGTH))
    user_id = user_id_field()
    recommendation_count = recommendation_count()
    explain = QueryBoolean(load_default=False)

    @validates_schema
    def check_one_seed(self, data, **kwargs):
        """An item's neighbours or a user's items: asking both is ambiguous, so it is refused."""
        if data.get("item_id") is not None and data.get("user_id") is not None:
            raise ValidationError(CodedMessage("must not be given with itemId: ask for an item's similar items or "
                                               "for a user's recommendations", "ConflictingParameters"), "userId")


class UserRecommendQuerySchema(RulesSchema):
    """Query string of GET .../users/{userId}/recommendations: the count, the rules and the explain flag."""

    recommendation_count = recommendation_count()
    explain = QueryBoolean(load_default=False)


class UserPathSchema(CamelCaseSchema):
    """The {userId} segment of GET .../users/{userId}/recommendations."""

    user_id = fields.String(required=True, validate=length(1, MAX_USER_ID_LENGTH))


class PopularQuerySchema(RulesSchema):
    """Query string of GET .../popular: the kind of popularity, a catalog category, the count and the rules."""

    kind = EnumName([kind.value for kind in PopularityKind], load_default=None)
    category = fields.String(load_default=None, validate=length(1, MAX_CATEGORY_LENGTH))
    recommendation_count = recommendation_count()


class RecommendRequestSchema(RulesSchema):
    """The object form of a POST .../recommend body: usage events and the rules (JSON values only)."""

    events = UsageEventList(load_default=list)
    max_per_category = rule_integer(JsonInteger)
    category_window = rule_integer(JsonInteger)


class BatchRequestSchema(RulesSchema):
    """POST .../batch body: where the output goes, how many items per user, the rules (the recommend POST body's
    fields), and which users (every user the model knows unless a user list, one id per line, in the output
    container is named)."""

    output_container_name = fields.String(required=True, validate=[
        length(*CONTAINER_NAME_LENGTH),
        FullMatch(CONTAINER_NAME, CodedMessage(
            "must be lower-case letters, digits and single hyphens, not at either end", "InvalidContainerName"))])
    output_relative_path = RelativePath(required=True)
    recommendation_count = JsonInteger(load_default=DEFAULT_RECOMMENDATION_COUNT,
                                       validate=in_range(*RECOMMENDATION_COUNT_RANGE))
    max_per_category = rule_integer(JsonInteger)
    category_window = rule_integer(JsonInteger)
    user_list_relative_path = RelativePath(load_default=None, allow_none=True)
    format = EnumName(["csv", "jsonl"], {}, load_default="csv")


class ScoreRequestSchema(CamelCaseSchema):
    """POST .../scores body: the items to score, and usage events (with or instead of userId)."""

    item_ids = item_id_list(required=True, validate=item_count(MAX_LISTED_ITEM_IDS))
    events = UsageEventList(load_default=list)


class PersonalizedRecommendQuerySchema(CamelCaseSchema):
    """Query string of POST .../recommend."""

    user_id = user_id_field()
    recommendation_count = recommendation_count()
    explain = QueryBoolean(load_default=False)


class ScoreQuerySchema(CamelCaseSchema):
    """Query string of POST .../scores."""

    user_id = user_id_field()


class ItemLookupQuerySchema(CamelCaseSchema):
    """Query string of GET .../items: the ids to describe (repeat itemId for each)."""

    item_id = item_id_list(required=True, validate=item_count(MAX_ITEM_LOOKUPS))


class ModelListQuerySchema(CamelCaseSchema):
    """Query string of GET /api/models: no parameter lists every model; pageSize or continuationToken pages."""

    page_size = fields.Integer(load_default=None, validate=in_range(1, MAX_PAGE_SIZE))
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
user_recommend_query_schema = UserRecommendQuerySchema()
user_path_schema = UserPathSchema()
popular_query_schema = PopularQuerySchema()
personalized_recommend_query_schema = PersonalizedRecommendQuerySchema()
recommend_request_schema = RecommendRequestSchema()
score_query_schema = ScoreQuerySchema()
score_request_schema = ScoreRequestSchema()
item_lookup_query_schema = ItemLookupQuerySchema()
batch_request_schema = BatchRequestSchema()
model_list_query_schema = ModelListQuerySchema()
set_default_query_schema = SetDefaultQuerySchema()


def query_arguments(schema: Schema, args) -> dict:
    """A query string (werkzeug MultiDict) as `schema` loads it: a list field gets every value of its parameter."""
    lists = {field.data_key for field in schema.fields.values() if isinstance(field, fields.List)}
    return {key: args.getlist(key) if key in lists else args[key] for key in args}
