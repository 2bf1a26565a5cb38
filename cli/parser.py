"""`recsvc`'s command line: the global options (before or after the command) and every subcommand."""
import argparse
from importlib.metadata import PackageNotFoundError, version

from . import batch, commands, retrain
from .api import DEFAULT_TIMEOUT_SECONDS

DEFAULT_ENDPOINT = "http://127.0.0.1:8000"
ENDPOINT_VARIABLE, KEY_VARIABLE = "RECSVC_ENDPOINT", "RECSVC_API_KEY"
CONNECTION_STRING_VARIABLE = "AZURE_STORAGE_CONNECTION_STRING"
DISTRIBUTION = "product-recommendations"

EPILOG = f"""global options (--endpoint/--url, --key, --http-timeout, --json) go before or after the command.
environment: {ENDPOINT_VARIABLE} (default {DEFAULT_ENDPOINT}), {KEY_VARIABLE} (an admin key; a recommend
key is enough for `recommend` and `scores`), {CONNECTION_STRING_VARIABLE} (for `upload`).
exit codes: 0 done, 1 error (one line on stderr), 2 bad command line, 3 the model's training failed
(or the batch job failed or was cancelled)."""


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
    _add_retrain(subcommands, api)
    _add_schedule(subcommands, api)
    _add_models(subcommands, api)
    _add_recommend(subcommands, api)
    _add_scores(subcommands, api)
    _add_batch(subcommands, api)
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
    _add_policy_options(train)
    train.add_argument("--wait", action="store_true", help="follow the training until it ends (exit 3 if it fails)")
    _add_wait_options(train)
    train.set_defaults(handler=commands.train)


def _add_retrain(subcommands, api):
    retrain_ = subcommands.add_parser("retrain", parents=[api], help="a new model with a model's parameters",
                                      description="POST /api/models/{id}/retrain: a new model with MODEL_ID's "
                                                  "parameters and the paths given, MODEL_ID recorded as its parent.")
    retrain_.add_argument("model_id", metavar="MODEL_ID")
    retrain_.add_argument("--usage", metavar="PATH", help="a new usageRelativePath")
    retrain_.add_argument("--catalog", metavar="PATH", help="a new catalogFileRelativePath")
    retrain_.add_argument("--evaluation", "--evaluation-usage", dest="evaluation_usage", metavar="PATH",
                          help="a new evaluationUsageRelativePath")
    retrain_.add_argument("--description", help="description (default: the parent's)")
    _add_policy_options(retrain_)
    retrain_.add_argument("--wait", action="store_true", help="follow the training until it ends (exit 3 if it fails)")
    _add_wait_options(retrain_)
    retrain_.set_defaults(handler=retrain.retrain)


def _add_schedule(subcommands, api):
    schedule = subcommands.add_parser("schedule", parents=[api], help="retrain a model on a schedule: set, show, "
                                                                      "delete")
    actions = schedule.add_subparsers(dest="action", required=True, metavar="ACTION")
    set_ = actions.add_parser("set", parents=[api], help="retrain MODEL_ID whenever a cron expression ticks (UTC)",
                              description="Replaces the model's schedule if it has one. Each tick one worker "
                                          "retrains the newest completed retrain of the schedule (else MODEL_ID).")
    set_.add_argument("model_id", metavar="MODEL_ID")
    set_.add_argument("--cron", required=True, metavar="EXPRESSION",
                      help='minute hour day-of-month month day-of-week, UTC, e.g. "0 3 * * *"')
    set_.add_argument("--usage", metavar="PATH", help="usageRelativePath of every retrain (default: the model's own)")
    _add_policy_options(set_)
    set_.set_defaults(handler=retrain.schedule_set)
    for action, handler, text in (("show", retrain.schedule_show, "MODEL_ID's schedule and its retrains"),
                                  ("delete", retrain.schedule_delete, "stop retraining MODEL_ID on a schedule")):
        command = actions.add_parser(action, parents=[api], help=text)
        command.add_argument("model_id", metavar="MODEL_ID")
        command.set_defaults(handler=handler)


def _add_policy_options(command):
    policy = command.add_argument_group("promotion policy (needs evaluation data)")
    policy.add_argument("--metric", metavar="NAME", help="once Completed the model becomes the default only if this "
                        "metric (e.g. ndcgAt10, precisionAt5, hitRateAt1) is no worse than the default model's")
    policy.add_argument("--tolerance", type=float, metavar="X", help="by more than X (0..1, default 0)")


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
    _add_rule_options(recommend)
    recommend.set_defaults(handler=commands.recommend)


def _add_rule_options(command):
    rules = command.add_argument_group("rules")
    rules.add_argument("--include", action="append", metavar="ITEM_ID",
                       help="only this item may come back (repeat for each; a candidate list)")
    rules.add_argument("--exclude", action="append", metavar="ITEM_ID", help="never this item (repeat for each)")
    rules.add_argument("--prefix", metavar="TEXT", help="only items whose id starts with TEXT")
    rules.add_argument("--max-per-category", type=int, metavar="N",
                       help="at most N items of one catalog category (models trained with a catalog)")
    rules.add_argument("--category-window", type=int, metavar="W",
                       help="apply --max-per-category within every W consecutive items instead of the whole list")


def _add_scores(subcommands, api):
    scores = subcommands.add_parser("scores", parents=[api], help="the scores of given items for a user or events",
                                    description="POST /api/models/{id}/scores: how each listed item scores for the "
                                                "user's stored history and/or the usage events.")
    scores.add_argument("--model", default="default", help="model id (default: the default model)")
    scores.add_argument("--item", dest="items", action="append", required=True, metavar="ITEM_ID",
                        help="an item to score (repeat for each)")
    _add_user_and_events(scores)
    scores.set_defaults(handler=commands.scores)


def _add_batch(subcommands, api):
    """`batch MODEL_ID` creates, `batch-status` and `batch-cancel` take a job id: flat, as `train` and `status`
    are, because one parser cannot take both a MODEL_ID and actions (`batch show` would read 'show' as the id)."""
    batch_ = subcommands.add_parser("batch", parents=[api], help="score every user of a model into blobs",
                                    description="POST /api/models/{id}/batch: the top k of every user the model "
                                                "knows (or of --users-from's) written to PATH/part-00000.csv, ... in "
                                                "CONTAINER. Models trained with enableUserToItemRecommendations.")
    batch_.add_argument("model_id", metavar="MODEL_ID", help="a model id, or 'default'")
    batch_.add_argument("--container", required=True, help="outputContainerName (must exist)")
    batch_.add_argument("--path", required=True, help="outputRelativePath: the folder the parts go to")
    batch_.add_argument("-n", "--count", type=int, help="recommendationCount per user (1..100, default 10)")
    batch_.add_argument("--format", choices=("csv", "jsonl"), help="csv (default) or jsonl")
    batch_.add_argument("--users-from", metavar="BLOBPATH",
                        help="userListRelativePath: a blob in CONTAINER listing the users, one id per line")
    _add_rule_options(batch_)
    batch_.add_argument("--wait", action="store_true",
                        help="follow the job until it ends (exit 3 if it fails or is cancelled)")
    _add_wait_options(batch_)
    batch_.set_defaults(handler=batch.batch)
    for name, handler, text, description in (
            ("batch-status", batch.batch_status, "a batch job's status and counters",
             "Status, parts written, users scored, the output path and a warning per kind of bad user-list line. "
             "Exit 3 if Failed or Cancelled."),
            ("batch-cancel", batch.batch_cancel, "cancel a batch job",
             "DELETE /api/batches/{jobId}: the worker stops at the next block; the parts written stay.")):
        command = subcommands.add_parser(name, parents=[api], help=text, description=description)
        command.add_argument("job_id", metavar="JOB_ID")
        command.set_defaults(handler=handler)
        if handler is batch.batch_status:
            command.add_argument("--wait", action="store_true", help="follow the job until it ends")
            _add_wait_options(command)


def _add_user_and_events(command):
    command.add_argument("--user", help="a user id (models trained with enableUserToItemRecommendations)")
    command.add_argument("--events", metavar="FILE", help="a JSON list of usage events ('-': stdin)")


def _version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "(not installed)"
