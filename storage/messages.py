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
        model_id, body = _guid_of(text, "modelId", "model")
        interruptions = body.get("interruptions", 0)
        if type(interruptions) is not int or interruptions < 0:
            raise BadMessageError(f"interruptions must be a count, got {interruptions!r}")
        return cls(model_id, interruptions)


@dataclass(frozen=True)
class BatchMessage:
    """Run one batch scoring job (sent once, when it is created)."""

    job_id: str

    def to_json(self) -> str:
        """The message as queue text."""
        return json.dumps({"version": MESSAGE_VERSION, "jobId": self.job_id})

    @classmethod
    def from_json(cls, text: str) -> "BatchMessage":
        """Parse queue text; BadMessageError when it is not a batch message."""
        return cls(_guid_of(text, "jobId", "batch")[0])


class TrainMessage(ModelMessage):
    """Train the model (sent once, when it is created)."""


class DeleteMessage(ModelMessage):
    """Delete the model's blob and cancel a training in progress."""


def _guid_of(text: str, key: str, kind: str) -> tuple:
    """(the GUID under `key`, the whole body) of a message of this contract's version. :raise BadMessageError:"""
    try:
        body = json.loads(text)
        version, guid = body["version"], str(uuid.UUID(body[key]))
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise BadMessageError(f"not a {kind} message: {text[:200]!r}") from error
    if version != MESSAGE_VERSION:
        raise BadMessageError(f"unknown message version {version!r}")
    return guid, body
