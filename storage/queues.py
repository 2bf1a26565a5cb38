"""Sending model messages to the worker's queues."""
from azure.storage.queue import QueueServiceClient

from config.settings import Settings

from .messages import BatchMessage, DeleteMessage, TrainMessage

NEVER_EXPIRES = -1
"""A message's time to live meaning 'never': a model's message waits for a worker however long that takes
(the queue's default, 7 days, would leave a model Created for ever once its message expired)."""


class ModelQueues:
    """The train, delete and batch queues, as the web app uses them."""

    def __init__(self, queues: QueueServiceClient, settings: Settings):
        self.train = queues.get_queue_client(settings.train_queue)
        self.delete = queues.get_queue_client(settings.delete_queue)
        self.batch = queues.get_queue_client(settings.batch_queue)

    def send_train(self, model_id: str) -> None:
        """Ask a worker to train the model."""
        self.train.send_message(TrainMessage(model_id).to_json(), time_to_live=NEVER_EXPIRES)

    def send_delete(self, model_id: str) -> None:
        """Ask a worker to delete the model's blob and cancel its training."""
        self.delete.send_message(DeleteMessage(model_id).to_json(), time_to_live=NEVER_EXPIRES)

    def send_batch(self, job_id: str) -> None:
        """Ask a worker to run a batch scoring job."""
        self.batch.send_message(BatchMessage(job_id).to_json(), time_to_live=NEVER_EXPIRES)
