"""Configuration: the settings every process reads once from its environment, and the Secret that hides keys."""
