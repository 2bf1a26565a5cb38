"""The queue message contract: interruptions is an addition that older messages and consumers live with."""
import json

import pytest

from storage.messages import BadMessageError, TrainMessage

MODEL_ID = "2f1d9a3e-5c1b-4f0e-9a57-1f2b8c3d4e5f"


def test_a_message_without_interruptions_from_an_older_web_app_means_none():
    assert TrainMessage.from_json(json.dumps({"version": 1, "modelId": MODEL_ID})) == TrainMessage(MODEL_ID, 0)


def test_interruptions_round_trip_and_count_up():
    message = TrainMessage.from_json(TrainMessage(MODEL_ID).interrupted().interrupted().to_json())
    assert message == TrainMessage(MODEL_ID, 2)


@pytest.mark.parametrize("interruptions", [-1, "1", 1.5, True, None])
def test_an_interruption_count_that_is_not_a_count_is_a_bad_message(interruptions):
    with pytest.raises(BadMessageError):
        TrainMessage.from_json(json.dumps({"version": 1, "modelId": MODEL_ID, "interruptions": interruptions}))
