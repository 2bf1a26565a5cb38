"""`recsvc`: a command-line client of the service's public REST API (and of blob storage, for uploads)."""
