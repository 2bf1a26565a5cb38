"""The way configuration fails."""


class SettingsError(ValueError):
    """A setting is missing or has a bad value; the message names the variable."""
