"""The API keys every test stack is started with (a plain module: conftest.py files shadow each other)."""
ADMIN_KEY = "test-admin-key-1"
RECOMMEND_KEY = "test-recommend-key"
KEYS = {"admin_primary_key": ADMIN_KEY, "admin_secondary_key": "test-admin-key-2",
        "recommend_primary_key": RECOMMEND_KEY, "recommend_secondary_key": "test-recommend-key-2"}
