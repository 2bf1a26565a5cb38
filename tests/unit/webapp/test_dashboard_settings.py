"""The dashboard's settings route: the default-model policy, for admin keys only."""
from api_fakes import ADMIN, RECOMMEND, make_parts

from config.settings import Settings
from webapp import create_app

KEYS = {"AZURE_STORAGE_CONNECTION_STRING": "UseDevelopmentStorage=true", "ADMIN_PRIMARY_KEY": "unit-admin-key-1", "RECOMMEND_PRIMARY_KEY": "unit-recommend-key-1"}


def client_with(**environ):
    return create_app(Settings.from_environ({**KEYS, **environ}), **make_parts()).test_client()


def test_settings_show_the_default_model_policy():
    assert client_with().get("/dashboard/settings", headers=ADMIN).json == {"autoDefaultModel": True}
    assert client_with(AUTO_DEFAULT_MODEL="false").get("/dashboard/settings", headers=ADMIN).json == {
        "autoDefaultModel": False}


def test_settings_need_an_admin_key():
    client = client_with()
    assert client.get("/dashboard/settings").status_code == 401
    assert client.get("/dashboard/settings", headers=RECOMMEND).status_code == 403
