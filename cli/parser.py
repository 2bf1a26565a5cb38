"""`recsvc`'s command line: the global options (before or after the command) and every subcommand."""
import argparse
from importlib.metadata import PackageNotFoundError, version

from . import commands
from .api import DEFAULT_TIMEOUT_SECONDS

DEFAULT_ENDPOINT = "http://127.0.0.1:8000"
ENDPOINT_VARIABLE, KEY_VARIABLE = "RECSVC_ENDPOINT", "RECSVC_API_KEY"
CONNECTION_STRING_VARIABLE = "AZURE_STORAGE_CONNECTION_STRING"
DISTRIBUTION = "product-recommendations"

EPILOG = f"""global options (--endpoint/--url, --key, --http-timeout, --json) go before or after the command.
environment: {ENDPOINT_VARIABLE} (default {DEFAULT_ENDPOINT}), {KEY_VARIABLE} (an admin key; a recommend
key is enough for `recommend` and `scores`), {CONNECTION_STRING_VARIABLE} (for `upload`).
exit codes: 0 done, 1 error (one line on stderr), 2 bad command line, 3 the model's training failed."""


def global_options(defaults: bool) -> argparse.ArgumentParser:
    """The options every command takes. Only the top level has defaults: a subcommand's copy leaves a value
    given before the command alone unless it is given again after it (argparse.SUPPRESS)."""
    options = argparse.ArgumentParser(add_help=False)

    def default(value):
        return value if defaults else argparse.SUPPRESS

    options.add_argument("--endpoint", "--url", default=default(None),
                         help=f"the service's base URL (default: ${ENDPOINT_VARIABLE} or {DEFAULT_ENDPOINT})")
    options.add_argument("--key", default=default(None), help=f"API key (default: ${KEY_VARIABLE})")
    options.add_argument("--http-timeout", type=float, default=default(DEFAULT_TIMEOUT_SECONDS),
                         help="seconds per HTTP request")
    options.add_argument("--json", action="store_true", default=default(False),
                         help="print JSON for scripts instead of tables")
    return options


def build_parser() -> argparse.ArgumentParser:
    """The whole command line."""
    parser = argparse.ArgumentParser(prog="recsvc", description="Command-line client of the recommendation service.",
                                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
                                     parents=[global_options(defaults=True)])
    parser.add_argument("--version", action="version", version=f"recsvc {_version()}")
    api = global_options(defaults=False)
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_upload(subcommands, api)
    _add_train(subcommands, api)
    _add_status(subcommands, api)
    _add_models(subcommands, api)
    _add_recommend(subcommands, api)
    _add_scores(subcommands, api)
    return parser


def _add_upload(subcommands, api):
    upload = subcommands.add_parser("upload", parents=[api], help="upload files or folders to a blob container",
                                    description="Upload usage or catalog files; a folder's files keep their paths "
                                                "in it (hidden files skipped). Existing blobs are replaced.")
    upload.add_argument("paths", nargs="+", metavar="PATH", help="a file or a folder")
    upload.add_argument("--container", required=True, help="blob container (created if missing)")
    upload.add_argument("--prefix", default="", help="folder in the container to upload into")
    upload.add_argument("--connection-string", help=f"storage connection string (default: ${CONNECTION_STRING_VARIABLE})")
    upload.set_defaults(handler=commands.upload)


def _add_train(subcommands, api):
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
    _add_wait_options(train)
    train.set_defaults(handler=commands.train)


def _add_wait_options(command):
    command.add_argument("--poll-seconds", type=float, default=1.0, help="how often --wait asks (default 1)")
    command.add_argument("--timeout", type=float, help="give up waiting after this many seconds (exit 1)")


def _add_status(subcommands, api):
    status = subcommands.add_parser("status", parents=[api], help="a model's status, and the bad lines it skipped",
                                    description="One line of status; then, for a trained model, a warning per kind "
                                                "of skipped line (count, first file and line). Exit 3 if Failed.")
    status.add_argument("model_id", metavar="MODEL_ID", help="a model id, or 'default'")
    status.add_argument("--wait", action="store_true", help="follow the training until it ends")
    _add_wait_options(status)
    status.set_defaults(handler=commands.status)


def _add_models(subcommands, api):
    models = subcommands.add_parser("models", parents=[api], help="list, show, delete models; show or set the default")
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


def _add_recommend(subcommands, api):
    recommend = subcommands.add_parser("recommend", parents=[api], help="get recommendations",
                                       description="--item: items used with it; --user and/or --events: "
                                                   "personalized; neither: the popular items. The rule flags "
                                                   "filter either kind.")
    recommend.add_argument("--model", default="default", help="model id (default: the default model)")
    recommend.add_argument("--item", help="an item id")
    _add_user_and_events(recommend)
    recommend.add_argument("-n", "--count", type=int, default=10, help="how many (1..100, default 10)")
    recommend.add_argument("--explain", action="store_true",
                           help="say why: the strategy that placed each item and the seed items behind its score")
    rules = recommend.add_argument_group("rules")
    rules.add_argument("--include", action="append", metavar="ITEM_ID",
                       help="only this item may come back (repeat for each; a candidate list)")
    rules.add_argument("--exclude", action="append", metavar="ITEM_ID", help="never this item (repeat for each)")
    rules.add_argument("--prefix", metavar="TEXT", help="only items whose id starts with TEXT")
    rules.add_argument("--max-per-category", type=int, metavar="N",
                       help="at most N items of one catalog category (models trained with a catalog)")
    rules.add_argument("--category-window", type=int, metavar="W",
                       help="apply --max-per-category within every W consecutive items instead of the whole list")
    recommend.set_defaults(handler=commands.recommend)


def _add_scores(subcommands, api):
    scores = subcommands.add_parser("scores", parents=[api], help="the scores of given items for a user or events",
                                    description="POST /api/models/{id}/scores: how each listed item scores for the "
                                                "user's stored history and/or the usage events.")
    scores.add_argument("--model", default="default", help="model id (default: the default model)")
    scores.add_argument("--item", dest="items", action="append", required=True, metavar="ITEM_ID",
                        help="an item to score (repeat for each)")
    _add_user_and_events(scores)
    scores.set_defaults(handler=commands.scores)


def _add_user_and_events(command):
    command.add_argument("--user", help="a user id (models trained with enableUserToItemRecommendations)")
    command.add_argument("--events", metavar="FILE", help="a JSON list of usage events ('-': stdin)")


def _version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "(not installed)"
