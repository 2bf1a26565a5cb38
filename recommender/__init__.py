"""SAR (Smart Adaptive Recommendations): pure numpy/scipy/pandas, no Azure, no Flask.

    model = SARModel.fit(events, SARParameters(similarity_function="Jaccard"))
    model.similar_items("item-1", k=10)
    model.recommend(user_id="user-7", events=None, k=10)
    blob = to_bytes(model); model = from_bytes(blob)
"""
from .events import DEFAULT_EVENT_WEIGHTS, EVENT_COLUMNS, event_weight, make_events, resolve_weights
from .exceptions import (
    InvalidParameterError,
    ModelFormatError,
    NoValidEventsError,
    RecommenderError,
    TooManyParsingErrorsError,
    TrainingCancelledError,
)
from .model import SARModel
from .parameters import CooccurrenceUnit, SARParameters, SimilarityFunction
from .ranking import Recommendation
from .serialization import from_bytes, to_bytes

__all__ = [
    "CooccurrenceUnit", "DEFAULT_EVENT_WEIGHTS", "EVENT_COLUMNS", "InvalidParameterError", "ModelFormatError",
    "NoValidEventsError", "Recommendation", "RecommenderError", "SARModel", "SARParameters", "SimilarityFunction",
    "TooManyParsingErrorsError", "TrainingCancelledError", "event_weight", "from_bytes", "make_events", "resolve_weights", "to_bytes",
]
