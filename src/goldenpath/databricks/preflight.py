"""Before a deploy: does the workspace have what the bundle's job needs?

Each check reads one thing and returns a `Finding` saying what is missing and
the exact grant or setting that fixes it, so the deploy fails before it
touches the workspace instead of at the job's first run. The monitoring
checks (the SQL warehouse, its use, the monitor's output schema) are in
`preflight_monitoring`.
"""

from __future__ import annotations

from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import NotFound
from databricks.sdk.service.catalog import SchemaInfo

from goldenpath.databricks.bundle import BundleTarget
from goldenpath.databricks.findings import Finding, Report
from goldenpath.databricks.grants import ALL_PRIVILEGES, effective_privileges, grants_finding, some_of
from goldenpath.databricks.monitoring import monitoring_target
from goldenpath.databricks.preflight_monitoring import monitoring_checks
from goldenpath.settings import Settings, load_settings

# Unity Catalog privileges the job needs (API spelling; SQL writes them with spaces).
CATALOG_PRIVILEGES = ("USE_CATALOG",)
SCHEMA_PRIVILEGES = ("USE_SCHEMA", "CREATE_MODEL", "CREATE_TABLE")


def preflight(client: WorkspaceClient, bundle: BundleTarget, settings: Settings | None = None) -> Report:
    """Run every check in order; later checks need the identity and the catalog."""
    monitoring = monitoring_target(bundle, settings or load_settings())
    report = Report("preflight", bundle.target)
    auth, identity = check_auth(client)
    report.add(auth)
    if identity is None:
        return report
    report.facts["identity"] = identity
    principal = bundle.service_principal or identity
    report.facts["run_as"] = principal
    if bundle.service_principal:
        report.add(check_service_principal(client, bundle.service_principal))
    catalog = report.add(check_catalog(client, bundle.catalog))
    schema = None
    if catalog.ok:
        report.add(check_catalog_grants(client, bundle.catalog, principal))
        schema = existing_schema(client, bundle.schema_full_name)
        report.add(check_schema(client, bundle, principal, schema))
        if schema is not None:
            report.add(check_schema_grants(client, bundle, principal, schema))
    for node_type in bundle.node_types:
        report.add(check_node_type(client, node_type))
    for spark_version in bundle.spark_versions:
        report.add(check_spark_version(client, spark_version))
    for finding in monitoring_checks(client, monitoring, principal, output_schema=schema):
        report.add(finding)
    return report


def check_auth(client: WorkspaceClient) -> tuple[Finding, str | None]:
    """Who the credentials authenticate as; refused credentials end the command (`databricks.client`)."""
    me = client.current_user.me()
    identity = me.user_name or me.id or "unknown"
    shown = f"{me.display_name} ({identity})" if me.display_name and me.display_name != identity else identity
    return Finding("auth", True, f"authenticated to {client.config.host} as {shown}"), identity


def check_service_principal(client: WorkspaceClient, application_id: str) -> Finding:
    """The run_as service principal exists in this workspace and is active."""
    found = list(client.service_principals.list(filter=f'applicationId eq "{application_id}"'))
    if not found:
        return Finding(
            "run_as",
            False,
            f"service principal {application_id} (run_as) is not in this workspace",
            f"add service principal {application_id} to the workspace "
            "(Settings > Identity and access > Service principals), or fix environments.<env>."
            "service_principal in goldenpath.yml",
        )
    if not found[0].active:
        return Finding(
            "run_as",
            False,
            f"service principal {application_id} (run_as) is deactivated",
            f"activate service principal {application_id} (Settings > Identity and access > Service principals)",
        )
    return Finding("run_as", True, f"service principal {found[0].display_name} ({application_id}) is active")


def check_catalog(client: WorkspaceClient, catalog: str) -> Finding:
    try:
        client.catalogs.get(catalog)
    except NotFound:
        return Finding(
            "catalog",
            False,
            f"catalog {catalog} does not exist",
            f"CREATE CATALOG {catalog} (a metastore admin), or fix environments.<env>.catalog in goldenpath.yml",
        )
    return Finding("catalog", True, f"catalog {catalog} exists")


def check_catalog_grants(client: WorkspaceClient, catalog: str, principal: str) -> Finding:
    return grants_finding("catalog-grants", "CATALOG", catalog, principal, CATALOG_PRIVILEGES, client)


def existing_schema(client: WorkspaceClient, full_name: str) -> SchemaInfo | None:
    try:
        return client.schemas.get(full_name)
    except NotFound:
        return None


def check_schema(
    client: WorkspaceClient, bundle: BundleTarget, principal: str, schema: SchemaInfo | None
) -> Finding:
    """The project's schema exists, or the principal may create it (and then owns it)."""
    name = bundle.schema_full_name
    if schema is None:
        held = effective_privileges(client, "CATALOG", bundle.catalog, principal)
        if {"CREATE_SCHEMA", ALL_PRIVILEGES} & held:
            return Finding("schema", True, f"schema {name} does not exist yet; {principal} will create it")
        return Finding(
            "schema",
            False,
            f"schema {name} does not exist and {principal} may not create it",
            f"CREATE SCHEMA {name}; or GRANT CREATE SCHEMA ON CATALOG {bundle.catalog} TO `{principal}`",
        )
    return Finding("schema", True, f"schema {name} exists")


def check_schema_grants(
    client: WorkspaceClient, bundle: BundleTarget, principal: str, schema: SchemaInfo
) -> Finding:
    """Effective grants, so privileges inherited from the catalog count; an owner holds them all."""
    if schema.owner == principal:
        return Finding("schema-grants", True, f"{principal} owns schema {bundle.schema_full_name}")
    return grants_finding(
        "schema-grants", "SCHEMA", bundle.schema_full_name, principal, SCHEMA_PRIVILEGES, client
    )


def check_node_type(client: WorkspaceClient, node_type: str) -> Finding:
    available = [n.node_type_id for n in client.clusters.list_node_types().node_types or [] if n.node_type_id]
    if node_type in available:
        return Finding("node-type", True, f"node type {node_type} is available")
    return Finding(
        "node-type",
        False,
        f"node type {node_type} does not exist in this workspace",
        f"set compute.node_type_id in goldenpath.yml to one of {some_of(available)}",
    )


def check_spark_version(client: WorkspaceClient, spark_version: str) -> Finding:
    available = [v.key for v in client.clusters.spark_versions().versions or [] if v.key]
    if spark_version in available:
        return Finding("spark-version", True, f"Spark version {spark_version} is available")
    return Finding(
        "spark-version",
        False,
        f"Spark version {spark_version} does not exist in this workspace",
        f"set python.runtimes in goldenpath.yml to one of {some_of(available)}",
    )
