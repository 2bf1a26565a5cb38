"""The training worker (web job): `python -m webjob`."""
