"""infra/main.bicep, checked offline (issue 9): the Bicep CLI cannot be installed from the registries the
build may use, so the template is parsed with pycep-parser (a Bicep grammar) and its tree is checked
against the rules the deployment must keep and against the service's own settings. Not checked here:
Azure's resource schemas and API versions (a `az deployment group validate` or `what-if` does that)."""
from dataclasses import fields
from pathlib import Path

import pytest
from pycep import BicepParser

from config.settings import POISON_SUFFIX, Settings

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "main.bicep"
DOCKERFILE = TEMPLATE.parents[1] / "Dockerfile"
DEFAULTS = {spec.name: spec.default for spec in fields(Settings)}
SETTING_NAMES = {spec.name.upper() for spec in fields(Settings)}
KEY_PARAMETERS = ("adminPrimaryKey", "adminSecondaryKey", "recommendPrimaryKey", "recommendSecondaryKey")
STORAGE_DATA_ROLES = {  # Azure's built-in role ids
    "ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Storage Blob Data Contributor",
    "974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Storage Queue Data Contributor",
    "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": "Storage Table Data Contributor",
}


@pytest.fixture(scope="module")
def bicep() -> dict:
    return BicepParser(cache=False).parse(file_path=TEMPLATE)


def resource(bicep, name) -> dict:
    return bicep["resources"][name]["config"]


def variable(bicep, name):
    return bicep["variables"][name]["value"]


def concatenated(bicep, value) -> list:
    """The items of a list literal, a variable holding one, a concat(...) or a `cond ? [] : [...]` of those."""
    if isinstance(value, list):
        return [entry for item in value for entry in (concatenated(bicep, item) if isinstance(item, list) else [item])]
    if isinstance(value, str):
        return concatenated(bicep, variable(bicep, value))
    if "function" in value and value["function"]["type"] == "concat":
        return [entry for arg in value["function"]["parameters"].values() for entry in concatenated(bicep, arg)]
    if "operator" in value and value["operator"]["type"] == "conditional":
        operands = value["operator"]["operands"]
        return concatenated(bicep, operands["true_value"]) + concatenated(bicep, operands["false_value"])
    raise AssertionError(f"not a list expression: {value!r}")


def decorators(bicep, parameter) -> set:
    return {decorator["type"] for decorator in bicep["parameters"][parameter]["decorators"]}


def test_keys_are_secure_parameters_and_the_primary_ones_have_no_default(bicep):
    for name in KEY_PARAMETERS + ("registryPassword",):
        assert "secure" in decorators(bicep, name), name
    assert bicep["parameters"]["adminPrimaryKey"]["default"] is None
    assert bicep["parameters"]["recommendPrimaryKey"]["default"] is None
    outputs = repr(bicep["outputs"])
    assert "listKeys" not in outputs and not any(name in outputs for name in KEY_PARAMETERS)


def test_storage_is_https_only_and_private_and_refuses_shared_keys(bicep):
    properties = resource(bicep, "storage")["properties"]
    assert properties["supportsHttpsTrafficOnly"] is True
    assert properties["minimumTlsVersion"] == "TLS1_2"
    assert properties["allowBlobPublicAccess"] is False
    assert properties["allowSharedKeyAccess"] is False
    # No key is read from the account anywhere (the log workspace's own key feeds the app environment).
    assert "listKeys" not in TEMPLATE.read_text().replace("logs.listKeys()", "")
    assert "connectionString" not in bicep["variables"]


def accessor(value) -> str:
    """`a.b.c` of a pycep property accessor tree."""
    if isinstance(value, str):
        return value
    operands = value["operator"]["operands"]
    assert value["operator"]["type"] == "property_accessor"
    return f"{accessor(operands['operand_1'])}.{accessor(operands['operand_2'])}"


def test_both_apps_run_as_one_user_assigned_identity_with_the_three_data_roles_on_the_account(bicep):
    assert bicep["resources"]["identity"]["type"] == "Microsoft.ManagedIdentity/userAssignedIdentities"
    app_identity = variable(bicep, "appIdentity")
    assert app_identity["type"] == "UserAssigned"
    assert list(app_identity["userAssignedIdentities"]) == ["'${identity.id}'"]
    for app in ("webapp", "worker"):
        assert resource(bicep, app)["identity"] == "appIdentity", app  # the web app has no more than the worker
        assert "storageRoleAssignments" in resource(bicep, app)["dependsOn"], app  # roles before the first start
    assignments = resource(bicep, "storageRoleAssignments")
    assert assignments["loop_type"]["detail"] == {"item_name": "role", "array_name": "storageDataRoles"}
    assert sorted(variable(bicep, "storageDataRoles")) == sorted(STORAGE_DATA_ROLES)
    assignment = assignments["config"]
    assert assignment["scope"] == "storage"  # this account only, not the resource group
    role_id = assignment["properties"]["roleDefinitionId"]["function"]
    assert (role_id["type"], role_id["parameters"]["resource_name_1"]) == ("subscription_resource_id", "role")
    assert accessor(assignment["properties"]["principalId"]) == "identity.properties.principalId"
    assert assignment["properties"]["principalType"] == "ServicePrincipal"
    env = {entry["name"]: entry.get("value") for entry in concatenated(bicep, "commonEnv")}
    assert accessor(env["AZURE_STORAGE_ACCOUNT_NAME"]) == "storage.name"
    assert accessor(env["AZURE_CLIENT_ID"]) == "identity.properties.clientId"
    assert "AZURE_STORAGE_CONNECTION_STRING" not in env


def test_the_worker_scales_on_its_queue_as_the_identity_without_a_key(bicep):
    [rule] = resource(bicep, "worker")["properties"]["template"]["scale"]["rules"]
    queue = rule["azureQueue"]
    assert accessor(queue["identity"]) == "identity.id" and accessor(queue["accountName"]) == "storage.name"
    assert "auth" not in queue


def test_the_storage_names_are_the_settings_defaults(bicep):
    assert variable(bicep, "modelsTable") == DEFAULTS["models_table"]
    assert variable(bicep, "modelsContainer") == DEFAULTS["models_container"]
    assert (variable(bicep, "trainQueue"), variable(bicep, "deleteQueue")) == \
        (DEFAULTS["train_queue"], DEFAULTS["delete_queue"])
    queues = resource(bicep, "queues")["loop_type"]["detail"]["array_name"]
    assert queues == ["trainQueue", "deleteQueue",
                      f"${{trainQueue}}{POISON_SUFFIX}", f"${{deleteQueue}}{POISON_SUFFIX}"]
    assert resource(bicep, "table")["name"] == "modelsTable"
    containers = resource(bicep, "containers")
    assert "modelsContainer" in containers["loop_type"]["detail"]["array_name"]
    assert containers["config"]["properties"]["publicAccess"] == "None"


def test_only_the_web_app_is_public_and_only_over_https(bicep):
    web = resource(bicep, "webapp")["properties"]["configuration"]["ingress"]
    assert (web["external"], web["allowInsecure"]) == (True, False)
    assert [mapping["external"] for mapping in web["additionalPortMappings"]] == [False]  # the ops port
    worker = resource(bicep, "worker")["properties"]["configuration"]["ingress"]
    assert worker["external"] is False


def test_every_environment_variable_is_a_setting_and_every_secret_reference_exists(bicep):
    for app, secret_vars in (("webapp", ("registrySecrets", "keySecrets")), ("worker", ("registrySecrets",))):
        properties = resource(bicep, app)["properties"]
        secrets = {secret["name"] for secret in concatenated(bicep, properties["configuration"]["secrets"])}
        assert secrets == {secret["name"] for name in secret_vars for secret in concatenated(bicep, name)}
        [container] = properties["template"]["containers"]
        env = concatenated(bicep, container["env"])
        assert {entry["name"] for entry in env} <= SETTING_NAMES, app
        references = {entry["secretRef"] for entry in env if "secretRef" in entry}
        for rule in properties["template"]["scale"]["rules"]:
            references |= {auth["secretRef"] for auth in rule.get("azureQueue", {}).get("auth", [])}
        assert references <= secrets, app
    web_env = {entry["name"] for entry in concatenated(bicep, resource(bicep, "webapp")["properties"]["template"]
                                                       ["containers"][0]["env"])}
    assert {"AZURE_STORAGE_ACCOUNT_NAME", "ADMIN_PRIMARY_KEY", "RECOMMEND_PRIMARY_KEY", "METRICS_PORT"} <= web_env


def test_probes_call_the_service_s_health_routes_on_the_ports_the_image_exposes(bicep):
    exposed = {int(port) for line in DOCKERFILE.read_text().splitlines() if line.startswith("EXPOSE")
               for port in line.split()[1:]}
    ports = {"apiPort": variable(bicep, "apiPort"), "opsPort": variable(bicep, "opsPort")}
    assert set(ports.values()) == exposed
    for app in ("webapp", "worker"):
        [container] = resource(bicep, app)["properties"]["template"]["containers"]
        probes = {probe["type"]: probe["httpGet"] for probe in container["probes"]}
        assert probes["Liveness"]["path"] == "/health/live" and probes["Readiness"]["path"] == "/health/ready"
        assert {probe["port"] for probe in probes.values()} <= set(ports)
    worker = resource(bicep, "worker")["properties"]["template"]["containers"][0]
    assert worker["command"] == ["python", "-m", "webjob"]
