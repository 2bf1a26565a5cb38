"""Cron-like schedules of periodic retrains: the expression parser (shared by the web app and the worker)."""
from .cron import CronExpression, CronSyntaxError

__all__ = ["CronExpression", "CronSyntaxError"]
