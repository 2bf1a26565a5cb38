"""`python -m webjob`: run one worker until SIGTERM."""
import signal
import sys

if __name__ == "__main__":
    # Blocked before anything starts a thread (importing numpy starts BLAS threads), so that every thread
    # inherits the mask and the worker's own signal thread takes the signals with sigwait.
    signal.pthread_sigmask(signal.SIG_BLOCK, (signal.SIGTERM, signal.SIGINT))
    from .process import main  # noqa: E402 - only once the signals are blocked
    sys.exit(main())
