"""Azure Storage as both entry points use it: the clients, the queue message contract, usage blobs, and storage errors."""
