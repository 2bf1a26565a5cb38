"""Sending model messages to the worker's queues."""
from azure.storage.queue import QueueServiceClient

from .messages import DeleteMessage, TrainMessage
from .settings import Settings


class ModelQueues:
    """The train and delete queues, as the web app uses them."""

    def __init__(self, queues: QueueServiceClient, settings: Settings):
        self.train = queues.get_queue_client(settings.train_queue)
        self.delete = queues.get_queue_client(settings.delete_queue)

    def send_train(self, model_id: str) -> None:
        """Ask a worker to train the model."""
        self.train.send_message(TrainMessage(model_id).to_json())

    def send_delete(self, model_id: str) -> None:
        """Ask a worker to delete the model's blob and cancel its training."""
        self.delete.send_message(DeleteMessage(model_id).to_json())
