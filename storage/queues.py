"""Sending model messages to the worker's queues."""
from azure.storage.queue import QueueClient, QueueServiceClient

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
        send(self.train, TrainMessage(model_id))

    def send_delete(self, model_id: str) -> None:
        """Ask a worker to delete the model's blob and cancel its training."""
        send(self.delete, DeleteMessage(model_id))

    def send_batch(self, job_id: str) -> None:
        """Ask a worker to run a batch scoring job."""
        send(self.batch, BatchMessage(job_id))


def send(queue: QueueClient, message) -> None:
    """Put a model or batch message on a queue, never to expire."""
    queue.send_message(message.to_json(), time_to_live=NEVER_EXPIRES)
