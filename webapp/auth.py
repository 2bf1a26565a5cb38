"""API keys: admin keys may do everything, recommend keys only the recommend routes."""
import functools
import hashlib
import hmac

from flask import current_app, request

from .errors import ApiError

API_KEY_HEADER = "x-api-key"


ROLES = ("admin", "recommend")


def role_of(key: str):
    """'admin', 'recommend' or None; every configured key is compared, in constant time.

    A key found valid is remembered (at most the configured keys, so at most four), which spares the
    digest on later requests; the quicker answer tells only what the 200 already told: the key is valid.
    """
    known = current_app.extensions.setdefault("api_key_roles", {})
    role = known.get(key)
    if role is None:
        role = _compared_role(key)
        if role is not None:
            known[key] = role
    return role


def _compared_role(key: str):
    given = _digest(key)  # equal lengths: compare_digest then leaks not even the key's length
    matches = {role: False for role in ROLES}
    for role, configured_digests in _configured_digests().items():
        for configured in configured_digests:
            matches[role] |= hmac.compare_digest(given, configured)
    return "admin" if matches["admin"] else "recommend" if matches["recommend"] else None


def _configured_digests() -> dict:
    """role -> digests of its configured keys, computed on the app's first request (not hashing the
    settings on every request, as a cache keyed by them would)."""
    digests = current_app.extensions.get("api_key_digests")
    if digests is None:
        settings = current_app.config["SETTINGS"]
        digests = {role: tuple(_digest(key) for key in settings.api_keys(role)) for role in ROLES}
        current_app.extensions["api_key_digests"] = digests  # idempotent: a racing thread computes the same
    return digests


def _digest(key: str) -> bytes:
    # os.environ keeps undecodable bytes as surrogates: hash them rather than fail on them.
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).digest()


def require_role(role: str):
    """Decorator: the caller's key must be an admin key, or (for 'recommend') any key.

    :raise 401: no key, or a key that is not configured
    :raise 403: a recommend key on an admin route
    """
    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            key = request.headers.get(API_KEY_HEADER, "")
            caller = role_of(key) if key else None
            if caller is None:
                raise ApiError(401, "Unauthorized", f"a valid {API_KEY_HEADER} header is required")
            if role == "admin" and caller != "admin":
                raise ApiError(403, "Forbidden", "this route needs an admin key")
            return view(*args, **kwargs)
        return wrapper
    return decorator
