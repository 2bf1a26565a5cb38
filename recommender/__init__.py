"""SAR (Smart Adaptive Recommendations): pure numpy/scipy/pandas, no Azure, no Flask.

    model = fit(events, SARParameters(similarity_function="Jaccard"))      # recommender.training
    scoring.similar_items(model, "item-1", k=10)
    scoring.recommend(model, user_id="user-7", events=EventBatch.of(["item-2"]), k=10)
    blob = to_bytes(model, model_id); model = from_bytes(blob, expected_model_id=model_id)
"""
from . import scoring
from .events import DEFAULT_EVENT_WEIGHTS, EVENT_COLUMNS, EventBatch, event_weight, make_events, resolve_weights
from .exceptions import (
    InvalidParameterError,
    ModelFormatError,
    ModelIdentityError,
    NoValidEventsError,
    RecommenderError,
    TooManyParsingErrorsError,
)
from .model import SARModel
from .parameters import CooccurrenceUnit, SARParameters, SimilarityFunction
from .ranking import Recommendation
from .serialization import from_bytes, to_bytes
from .training import fit

__all__ = [
    "CooccurrenceUnit", "DEFAULT_EVENT_WEIGHTS", "EVENT_COLUMNS", "EventBatch", "InvalidParameterError",
    "ModelFormatError", "ModelIdentityError", "NoValidEventsError", "Recommendation", "RecommenderError", "SARModel",
    "SARParameters",
    "SimilarityFunction", "TooManyParsingErrorsError", "event_weight", "fit", "from_bytes", "make_events",
    "resolve_weights", "scoring", "to_bytes",
]
