"""What both entry points (webapp, webjob) share: settings, the queue message contract, storage clients."""
