"""The bodies of the retrain and schedule routes: new paths, a promotion policy, a cron expression."""
from datetime import datetime, timezone

from marshmallow import ValidationError, fields, validate, validates

from registry.promotion import MAX_TOLERANCE, METRICS
from scheduling import CronExpression, CronSyntaxError

from .request_schemas import MAX_DESCRIPTION_LENGTH, CamelCaseSchema
from .schema_fields import CodedMessage, RelativePath, StrictNumber, in_range, length

MAX_CRON_LENGTH = 100
CRON_CHECK_FROM = datetime(2000, 1, 1, tzinfo=timezone.utc)
"""An expression must tick after this moment (0 0 31 2 * never does)."""


class PromotionPolicySchema(CamelCaseSchema):
    """When the model completes, it becomes the default only if `metric` is no worse than the default's by more
    than `tolerance` (registry.promotion)."""

    metric = fields.String(required=True, validate=validate.OneOf(
        METRICS, error=CodedMessage("must be one of {choices}", "UnknownMetric")))
    tolerance = StrictNumber(load_default=0.0, allow_nan=False, validate=in_range(0, MAX_TOLERANCE))


class RetrainRequestSchema(CamelCaseSchema):
    """POST /api/models/{id}/retrain body (may be absent): what differs from the parent, and the policy."""

    description = fields.String(load_default=None, allow_none=True, validate=length(high=MAX_DESCRIPTION_LENGTH))
    usage_relative_path = RelativePath(load_default=None, allow_none=True)
    catalog_file_relative_path = RelativePath(load_default=None, allow_none=True)
    evaluation_usage_relative_path = RelativePath(load_default=None, allow_none=True)
    promotion_policy = fields.Nested(PromotionPolicySchema, load_default=None, allow_none=True)


class ScheduleRequestSchema(CamelCaseSchema):
    """PUT /api/models/{id}/schedule body: when to retrain, from which folder, under which policy."""

    cron = fields.String(required=True, validate=length(1, MAX_CRON_LENGTH))
    usage_relative_path = RelativePath(load_default=None, allow_none=True)
    promotion_policy = fields.Nested(PromotionPolicySchema, load_default=None, allow_none=True)

    @validates("cron")
    def check_cron(self, value, **kwargs):
        """Five cron fields that tick at some time."""
        try:
            CronExpression.parse(value).next_after(CRON_CHECK_FROM)
        except CronSyntaxError as error:
            raise ValidationError(CodedMessage(str(error), "InvalidCron")) from None


promotion_policy_schema = PromotionPolicySchema()
retrain_request_schema = RetrainRequestSchema()
schedule_request_schema = ScheduleRequestSchema()
