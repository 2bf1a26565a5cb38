"""`recsvc`: the command line, its options and environment variables, and one-line errors."""
import argparse
import os
import sys
from typing import Mapping, Optional

from . import commands
from .api import DEFAULT_TIMEOUT_SECONDS, ApiClient
from .commands import EXIT_ERROR, EXIT_USAGE, Context
from .exceptions import ApiError, ConnectionFailedError, UploadError, UsageError, WaitTimeoutError

DEFAULT_ENDPOINT = "http://127.0.0.1:8000"
ENDPOINT_VARIABLE, KEY_VARIABLE = "RECSVC_ENDPOINT", "RECSVC_API_KEY"
CONNECTION_STRING_VARIABLE = "AZURE_STORAGE_CONNECTION_STRING"

EPILOG = f"""environment: {ENDPOINT_VARIABLE} (default {DEFAULT_ENDPOINT}), {KEY_VARIABLE} (an admin key; a recommend
key is enough for `recommend`), {CONNECTION_STRING_VARIABLE} (for `upload`).
exit codes: 0 done, 1 error (one line on stderr), 2 bad command line, 3 the model's training failed."""


def build_parser() -> argparse.ArgumentParser:
    """The whole command line."""
    api = argparse.ArgumentParser(add_help=False)
    api.add_argument("--endpoint", help=f"the service's base URL (default: ${ENDPOINT_VARIABLE} or {DEFAULT_ENDPOINT})")
    api.add_argument("--key", help=f"API key (default: ${KEY_VARIABLE})")
    api.add_argument("--http-timeout", type=float, default=DEFAULT_TIMEOUT_SECONDS, help="seconds per HTTP request")
    api.add_argument("--json", action="store_true", help="print JSON for scripts instead of tables")

    parser = argparse.ArgumentParser(prog="recsvc", description="Command-line client of the recommendation service.",
                                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    upload = subcommands.add_parser("upload", parents=[api], help="upload files or folders to a blob container",
                                    description="Upload usage or catalog files; a folder's files keep their paths "
                                                "in it (hidden files skipped). Existing blobs are replaced.")
    upload.add_argument("paths", nargs="+", metavar="PATH", help="a file or a folder")
    upload.add_argument("--container", required=True, help="blob container (created if missing)")
    upload.add_argument("--prefix", default="", help="folder in the container to upload into")
    upload.add_argument("--connection-string", help=f"storage connection string (default: ${CONNECTION_STRING_VARIABLE})")
    upload.set_defaults(handler=commands.upload)

    train = subcommands.add_parser("train", parents=[api], help="create a model and train it",
                                   description="Parameters come from PARAMETERS_FILE (a JSON object), then the flags, "
                                               "then --param name=value (e.g. supportThreshold=3).")
    train.add_argument("parameters_file", nargs="?", metavar="PARAMETERS_FILE", help="JSON model parameters ('-': stdin)")
    train.add_argument("--container", help="blobContainerName")
    train.add_argument("--usage", help="usageRelativePath: a blob or a folder")
    train.add_argument("--catalog", help="catalogFileRelativePath")
    train.add_argument("--evaluation-usage", help="evaluationUsageRelativePath")
    train.add_argument("--description", help="description")
    train.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE", help="any other parameter")
    train.add_argument("--wait", action="store_true", help="follow the training until it ends (exit 3 if it fails)")
    train.add_argument("--poll-seconds", type=float, default=1.0, help="how often --wait asks (default 1)")
    train.add_argument("--timeout", type=float, help="give up waiting after this many seconds (exit 1)")
    train.set_defaults(handler=commands.train)

    models = subcommands.add_parser("models", help="list, show, delete models; show or set the default")
    actions = models.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("list", parents=[api], help="every model, newest first").set_defaults(handler=commands.list_models)
    show = actions.add_parser("show", parents=[api], help="a model's status, parameters and statistics")
    show.add_argument("model_id", metavar="MODEL_ID", help="a model id, or 'default'")
    show.set_defaults(handler=commands.show_model)
    delete = actions.add_parser("delete", parents=[api], help="delete a model")
    delete.add_argument("model_id", metavar="MODEL_ID")
    delete.set_defaults(handler=commands.delete_model)
    default = actions.add_parser("default", parents=[api], help="show the default model, or set it to MODEL_ID")
    default.add_argument("model_id", nargs="?", metavar="MODEL_ID")
    default.set_defaults(handler=commands.default_model)

    recommend = subcommands.add_parser("recommend", parents=[api], help="get recommendations",
                                       description="--item: items used with it; --user and/or --events: "
                                                   "personalized; neither: the popular items.")
    recommend.add_argument("--model", default="default", help="model id (default: the default model)")
    recommend.add_argument("--item", help="an item id")
    recommend.add_argument("--user", help="a user id (models trained with enableUserToItemRecommendations)")
    recommend.add_argument("--events", metavar="FILE", help="a JSON list of usage events ('-': stdin)")
    recommend.add_argument("-n", "--count", type=int, default=10, help="how many (1..100, default 10)")
    recommend.set_defaults(handler=commands.recommend)
    return parser


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
