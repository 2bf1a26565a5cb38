"""What an operator watches: JSON logs, Prometheus metrics, storage probes and the ops port that serves them."""
