"""Registry records as the API's JSON: Model and ModelSummary."""
from recommender import SARParameters

PARAMETERS_ADDED_LATER = {"backfillStrategy": SARParameters.backfill_strategy.value,
                          "trendingHalfLifeInDays": SARParameters.trending_half_life_days}
"""Parameters a model created before they existed trains with at their defaults (webjob.training_flow), shown so."""


def model_summary_to_json(summary) -> dict:
    """A registry summary (or record) as the API's ModelSummary."""
    return {"id": summary.id, "description": summary.description,
            "creationTime": summary.creation_time.isoformat().replace("+00:00", "Z"),
            "modelStatus": summary.status.value}


def model_to_json(record) -> dict:
    """A registry record as the API's Model."""
    lineage = {"parentModelId": record.parent_model_id} if record.parent_model_id else {}
    policy = {"promotionPolicy": record.promotion_policy} if record.promotion_policy else {}
    return {**model_summary_to_json(record), "modelStatusMessage": record.status_message,
            "parameters": {**PARAMETERS_ADDED_LATER, **record.parameters}, "statistics": record.statistics,
            **lineage, **policy}
