"""`recsvc retrain` and `recsvc schedule`: retrain a model now, or whenever a cron expression ticks."""
from .commands import EXIT_OK, Context, follow_created
from .output import format_time, to_json
from .reports import policy_text
from .train import promotion_policy

RETRAIN_FLAGS = {"usage": "usageRelativePath", "catalog": "catalogFileRelativePath",
                 "evaluation_usage": "evaluationUsageRelativePath", "description": "description"}
"""What a retrain may change from its parent; anything not given stays the parent's."""


def retrain(args, context: Context) -> int:
    """A new model with MODEL_ID's parameters (and the paths given); with --wait, follow it to its end."""
    body = {field: getattr(args, flag) for flag, field in RETRAIN_FLAGS.items() if getattr(args, flag) is not None}
    body.update(_policy(args))
    client = context.client()
    return follow_created(client, client.retrain_model(args.model_id, body), args, context)


def schedule_set(args, context: Context) -> int:
    """Retrain MODEL_ID whenever --cron ticks (UTC); replaces the model's schedule if it has one."""
    body = {"cron": args.cron, **({"usageRelativePath": args.usage} if args.usage else {}), **_policy(args)}
    return _say_schedule(context.client().put_schedule(args.model_id, body), args, context)


def schedule_show(args, context: Context) -> int:
    """MODEL_ID's schedule (404 ScheduleNotFound when it has none)."""
    return _say_schedule(context.client().get_schedule(args.model_id), args, context)


def schedule_delete(args, context: Context) -> int:
    """Stop retraining MODEL_ID on a schedule; the retrains already made stay."""
    context.client().delete_schedule(args.model_id)
    context.say(to_json({"modelId": args.model_id, "scheduleDeleted": True}) if args.json
                else f"deleted the schedule of model {args.model_id}")
    return EXIT_OK


def schedule_lines(schedule: dict) -> list:
    """A schedule in words: when, from which data, under which policy, and what it made so far."""
    usage = schedule.get("usageRelativePath") or "the usage path of the model it retrains"
    policy = schedule.get("promotionPolicy")
    retrains = schedule.get("retrains") or []
    return [f"model {schedule['modelId']} retrains at \"{schedule['cron']}\" (UTC) from {usage}",
            f"promotion policy: {policy_text(policy)}" if policy else "no promotion policy (AUTO_DEFAULT_MODEL applies)",
            f"last tick: {format_time(schedule.get('lastTick'))} UTC",
            f"retrains (newest first): {', '.join(retrains)}" if retrains else "retrains: none yet"]


def _say_schedule(schedule: dict, args, context: Context) -> int:
    context.say(to_json(schedule) if args.json else "\n".join(schedule_lines(schedule)))
    return EXIT_OK


def _policy(args) -> dict:
    policy = promotion_policy(args.metric, args.tolerance)
    return {"promotionPolicy": policy} if policy else {}
