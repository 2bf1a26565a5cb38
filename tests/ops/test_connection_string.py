"""A malformed AZURE_STORAGE_CONNECTION_STRING stops both processes at start with one line naming it (issue 22).

Before, the web app's workers died on the SDK's ValueError with a traceback per worker, and the worker process
with a traceback, neither naming the setting.
"""
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings import Settings, SettingsError
from devtools.azurite import ACCOUNT_KEY, Azurite

REPO = Path(__file__).resolve().parents[2]
SETTING = "AZURE_STORAGE_CONNECTION_STRING"
SECRET_PART = "s3cret"
"""Put in every malformed value: the error must not repeat it (the string holds the account key)."""

MALFORMED = [
    f"unused{SECRET_PART}",  # no name=value pairs at all
    f"AccountName=acct;{SECRET_PART}",  # one segment without '='
    f"=x{SECRET_PART};AccountName=acct;AccountKey={ACCOUNT_KEY}",  # a value without a name
    f"DefaultEndpointsProtocol=https;AccountName=acct{SECRET_PART}",  # no credential
    f"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={ACCOUNT_KEY[:-3]}{SECRET_PART}",  # cut short
    f"SharedAccessSignature=sv=2024&sig={SECRET_PART};BlobEndpoint=https://acct.blob.core.windows.net",  # no Queue/Table
]
VALID = [
    "UseDevelopmentStorage=true",
    Azurite(ports=(10000, 10001, 10002)).connection_string,
    f"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={ACCOUNT_KEY};EndpointSuffix=core.windows.net",
    "SharedAccessSignature=sv=2024&sig=abc;BlobEndpoint=https://a.blob.x;QueueEndpoint=https://a.queue.x;"
    "TableEndpoint=https://a.table.x",
]


@pytest.mark.parametrize("value", MALFORMED)
def test_a_malformed_connection_string_is_refused_naming_the_setting_not_its_value(value):
    with pytest.raises(SettingsError, match=f"setting {SETTING} is malformed") as caught:
        Settings.from_environ({SETTING: value}, require_api_keys=False)
    assert SECRET_PART not in str(caught.value)


@pytest.mark.parametrize("value", VALID)
def test_the_forms_the_storage_sdks_accept_pass(value):
    assert str(Settings.from_environ({SETTING: value}, require_api_keys=False).azure_storage_connection_string) == value


@pytest.mark.parametrize("command", [
    [sys.executable, "-m", "gunicorn", "--config", str(REPO / "gunicorn.conf.py"), "webapp:create_app()"],
    [sys.executable, "-m", "webjob"],
], ids=["webapp", "worker"])
def test_both_processes_stop_at_start_with_one_line_naming_the_setting(command):
    environ = {SETTING: MALFORMED[0], "ADMIN_PRIMARY_KEY": "a-long-enough-admin-key", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60, env=environ)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"setting {SETTING} is malformed" in lines[0], result.stderr
    assert SECRET_PART not in result.stderr
