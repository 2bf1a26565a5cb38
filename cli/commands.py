"""What each subcommand does: call the API (or storage), then print a table, a tree or --json."""
from dataclasses import dataclass
from typing import Callable, TextIO

from .api import ApiClient
from .exceptions import ApiError, UsageError
from .inputs import read_json
from .output import format_table, format_time, format_tree, to_json
from .progress import ProgressBar, format_bytes
from .reports import parsing_warnings, status_line
from .train import model_parameters, wait_for_model

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_MODEL_FAILED = 0, 1, 2, 3


@dataclass
class Context:
    """What a command needs besides its arguments: the API client, storage access, the output streams."""

    client: Callable[[], ApiClient]
    connection_string: str
    stdout: TextIO
    stderr: TextIO

    def say(self, text: str):
        """One line of human output, or a JSON document."""
        print(text, file=self.stdout, flush=True)


def upload(args, context: Context) -> int:
    """Files and folders to a blob container."""
    from .upload import collect_files, upload_files  # the storage SDK is slow to import: only upload needs it

    if not context.connection_string:
        raise UsageError("uploading needs the storage connection string: --connection-string or "
                         "AZURE_STORAGE_CONNECTION_STRING")
    files = collect_files(args.paths, args.prefix)
    uploaded = upload_files(context.connection_string, args.container, files, ProgressBar(context.stderr))
    if args.json:
        context.say(to_json(uploaded))
    else:
        context.say(format_table(["BLOB", "SIZE"], [[f"{args.container}/{entry['blob']}", format_bytes(entry["bytes"])]
                                                    for entry in uploaded]))
    return EXIT_OK


def train(args, context: Context) -> int:
    """Create a model; with --wait, follow it until Completed (exit 0) or Failed (exit 3)."""
    flags = {flag: getattr(args, flag) for flag in ("container", "usage", "description", "catalog", "evaluation_usage")}
    client = context.client()
    model = client.create_model(model_parameters(args.parameters_file, flags, args.param))
    if not args.json:
        context.say(f"created model {model['id']}")
    if args.wait:
        model = wait_for_model(client, model["id"], ProgressBar(context.stderr), args.poll_seconds, args.timeout)
    if args.json:
        context.say(to_json(model))
    elif args.wait:
        _say_status(model, context)
    return EXIT_MODEL_FAILED if model["modelStatus"] == "Failed" else EXIT_OK


def status(args, context: Context) -> int:
    """A model's status line and its parsing warnings (with --wait, once it ends); exit 3 when it Failed."""
    client = context.client()
    if args.wait:
        model = wait_for_model(client, args.model_id, ProgressBar(context.stderr), args.poll_seconds, args.timeout)
    else:
        model = client.get_model(args.model_id)
    if args.json:
        context.say(to_json({"id": model["id"], "modelStatus": model["modelStatus"],
                             "modelStatusMessage": model.get("modelStatusMessage"),
                             "warnings": parsing_warnings(model.get("statistics"))}))
    else:
        _say_status(model, context)
    return EXIT_MODEL_FAILED if model["modelStatus"] == "Failed" else EXIT_OK


def _say_status(model: dict, context: Context):
    context.say(f"model {model['id']} {status_line(model)}")
    for warning in parsing_warnings(model.get("statistics")):
        context.say(f"warning: {warning}")


def list_models(args, context: Context) -> int:
    """Every model, newest first; the default one marked with '*'."""
    client = context.client()
    models = client.list_models()
    if args.json:
        context.say(to_json(models))
        return EXIT_OK
    default_id = _default_model_id(client)
    rows = [["*" if model["id"] == default_id else "", model["id"], model["modelStatus"],
             format_time(model["creationTime"]), model.get("description")] for model in models]
    context.say(format_table(["DEFAULT", "ID", "STATUS", "CREATED (UTC)", "DESCRIPTION"], rows) if rows else "no models")
    return EXIT_OK


def show_model(args, context: Context) -> int:
    """A model's status, parameters and statistics ('default' for the default model)."""
    model = context.client().get_model(args.model_id)
    context.say(to_json(model) if args.json else "\n".join(format_tree(model)))
    return EXIT_OK


def delete_model(args, context: Context) -> int:
    """Delete a model (the worker then removes its stored model and stops its training)."""
    context.client().delete_model(args.model_id)
    context.say(to_json({"id": args.model_id, "deleted": True}) if args.json else f"deleted model {args.model_id}")
    return EXIT_OK


def default_model(args, context: Context) -> int:
    """Show the default model, or make the given one the default."""
    client = context.client()
    if args.model_id is None:
        model = client.get_model("default")
        context.say(to_json(model) if args.json else "\n".join(format_tree(model)))
    else:
        model = client.set_default_model(args.model_id)
        context.say(to_json(model) if args.json else f"model {model['id']} is now the default")
    return EXIT_OK


def recommend(args, context: Context) -> int:
    """Item-to-item (--item), personalized (--user and/or --events), or popular items (neither)."""
    if args.item and (args.user or args.events):
        raise UsageError("--item cannot be combined with --user or --events")
    rules = recommend_rules(args)
    client = context.client()
    if args.user or args.events:
        recommendations = client.recommend_personalized(args.model, args.user, _events(args), args.count, rules,
                                                        args.explain)
    else:
        recommendations = client.recommend_items(args.model, args.item, args.count, rules, args.explain)
    if args.json:
        context.say(to_json(recommendations))
    else:
        headers = ["RANK", "ITEM", "SCORE"] + (["WHY"] if args.explain else [])
        rows = [[rank, entry["recommendedItemId"], f"{entry['score']:.4f}"]
                + ([_why(entry["explanation"])] if args.explain else []) for rank, entry in enumerate(recommendations, 1)]
        context.say(format_table(headers, rows) if rows else "no recommendations")
    return EXIT_OK


def _why(explanation: dict) -> str:
    """An explanation in a few words: its strategy and its seeds' shares ("SAR: a1 75%, b2 25%")."""
    seeds = ", ".join(f"{seed['itemId']} {seed['share']:.0%}" for seed in explanation["seedItems"])
    return f"{explanation['strategy']}: {seeds}" if seeds else explanation["strategy"]


def recommend_rules(args) -> dict:
    """The rule flags as the API names them; only the rules given."""
    if args.category_window is not None and args.max_per_category is None:
        raise UsageError("--category-window needs --max-per-category")
    rules = {"includeItemIds": args.include, "excludeItemIds": args.exclude, "itemIdPrefix": args.prefix,
             "maxPerCategory": args.max_per_category, "categoryWindow": args.category_window}
    return {name: value for name, value in rules.items() if value is not None}


def scores(args, context: Context) -> int:
    """The score of each given item for a user's history and/or usage events."""
    scored = context.client().score_items(args.model, args.items, args.user, _events(args))
    if args.json:
        context.say(to_json(scored))
    else:
        context.say(format_table(["ITEM", "SCORE"], [[entry["itemId"], f"{entry['score']:.4f}"] for entry in scored]))
    return EXIT_OK


def _events(args) -> list:
    return read_json(args.events, list, "a JSON list of usage events") if args.events else []


def _default_model_id(client: ApiClient):
    try:
        return client.get_model("default")["id"]
    except ApiError as error:
        if error.code == "NoDefaultModel":
            return None
        raise
