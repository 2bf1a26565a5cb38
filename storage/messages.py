"""The queue message contract between the web app (producer) and the worker (consumer)."""
import json
import uuid
from dataclasses import dataclass, replace

MESSAGE_VERSION = 1
"""Version 1 messages without `interruptions` (from older web apps) mean 0: the field is an addition, not a change."""


class BadMessageError(ValueError):
    """A queue message is not a message of this contract."""


@dataclass(frozen=True)
class ModelMessage:
    """Asks the worker to act on one model: train it, or delete what it left behind."""

    model_id: str
    interruptions: int = 0
    """Worker shutdowns this message's work went through: a stopping worker re-sends the message with one more
    instead of letting it come back, so a shutdown never uses up one of the queue's deliveries."""

    def to_json(self) -> str:
        """The message as queue text."""
        return json.dumps({"version": MESSAGE_VERSION, "modelId": self.model_id, "interruptions": self.interruptions})

    def interrupted(self) -> "ModelMessage":
        """The same message after one more worker shutdown."""
        return replace(self, interruptions=self.interruptions + 1)

    @classmethod
    def from_json(cls, text: str) -> "ModelMessage":
        """Parse queue text; BadMessageError when it is not ours."""
        try:
            body = json.loads(text)
            version, model_id = body["version"], str(uuid.UUID(body["modelId"]))
            interruptions = body.get("interruptions", 0)
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            raise BadMessageError(f"not a model message: {text[:200]!r}") from error
        if version != MESSAGE_VERSION:
            raise BadMessageError(f"unknown message version {version!r}")
        if type(interruptions) is not int or interruptions < 0:
            raise BadMessageError(f"interruptions must be a count, got {interruptions!r}")
        return cls(model_id, interruptions)


class TrainMessage(ModelMessage):
    """Train the model (sent once, when it is created)."""


class DeleteMessage(ModelMessage):
    """Delete the model's blob and cancel a training in progress."""
