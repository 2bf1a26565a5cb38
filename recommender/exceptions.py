"""The ways the recommender library fails."""


class RecommenderError(Exception):
    """Base class of every error raised by recommender/."""


class InvalidParameterError(RecommenderError, ValueError):
    """A training parameter is out of range or of the wrong kind."""


class NoValidEventsError(RecommenderError):
    """Training was asked of an event table with no usable event."""


class TooManyParsingErrorsError(RecommenderError):
    """A file had more bad lines than the tolerance allows; carries the report."""

    def __init__(self, message, report):
        super().__init__(message)
        self.report = report


class ModelFormatError(RecommenderError):
    """A serialized model is corrupt, truncated or of an unknown format version."""


class UnreadableFileError(RecommenderError):
    """A whole file cannot be read as CSV text (wrong encoding, or a reader failure); names the file."""


class InvalidRulesError(RecommenderError, ValueError):
    """A set of rules contradicts itself or holds a value out of range."""


class CategoriesUnavailableError(RecommenderError, ValueError):
    """A category cap or filter was asked of a model that holds no item categories (trained without a catalog);
    `field` names the request's rule that needs them."""

    def __init__(self, message: str, field: str = "max_per_category"):
        super().__init__(message)
        self.field = field


class ConflictingRulesError(InvalidRulesError):
    """Two rules contradict each other; `field` names the rule to fix, `item_id` an id both included and
    excluded (None when the conflict is another)."""

    def __init__(self, message: str, field: str, item_id=None):
        super().__init__(message)
        self.field, self.item_id = field, item_id


class ModelIdentityError(ModelFormatError):
    """A well-formed model blob names another model than the one it was loaded for (stored under the wrong id)."""
