"""`recsvc`: run one command with its options and environment variables; every failure one line on stderr."""
import os
import sys
from typing import Mapping, Optional

from .api import ApiClient
from .commands import EXIT_ERROR, EXIT_USAGE, Context
from .exceptions import ApiError, ConnectionFailedError, UploadError, UsageError, WaitTimeoutError
from .parser import CONNECTION_STRING_VARIABLE, DEFAULT_ENDPOINT, ENDPOINT_VARIABLE, KEY_VARIABLE, build_parser


def main(argv: Optional[list] = None, environ: Optional[Mapping[str, str]] = None,
         stdout=None, stderr=None) -> int:
    """Run one command; every failure becomes one line on stderr and an exit code, never a traceback."""
    environ = os.environ if environ is None else environ
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help (0) or a bad command line (2), already printed by argparse
        return int(exit_.code or 0)
    endpoint = args.endpoint or environ.get(ENDPOINT_VARIABLE) or DEFAULT_ENDPOINT
    key = args.key or environ.get(KEY_VARIABLE, "")
    context = Context(client=lambda: ApiClient(endpoint, key, args.http_timeout),
                      connection_string=getattr(args, "connection_string", None) or environ.get(CONNECTION_STRING_VARIABLE, ""),
                      stdout=stdout, stderr=stderr)
    try:
        return args.handler(args, context)
    except UsageError as error:
        print(f"recsvc: {error}", file=stderr)
        return EXIT_USAGE
    except ApiError as error:
        hint = f" (give a key with --key or ${KEY_VARIABLE})" if error.status == 401 and not key else ""
        print(f"recsvc: error {error}{hint}", file=stderr)
        return EXIT_ERROR
    except (ConnectionFailedError, UploadError, WaitTimeoutError) as error:
        print(f"recsvc: {error}", file=stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("recsvc: interrupted", file=stderr)
        return 130
