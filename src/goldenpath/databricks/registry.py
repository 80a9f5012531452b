"""One Unity Catalog model's versions, aliases and version tags, through databricks-sdk.

Versions and aliases use the SDK's typed Unity Catalog API. Version tags are
not part of its `ModelVersionInfo`: Databricks serves them on MLflow's Unity
Catalog registry API (`/api/2.0/mlflow/unity-catalog/model-versions/...`),
the one MLflow itself writes them with, so they are read and written there
through the same client and auth.
"""

from __future__ import annotations

from dataclasses import dataclass

from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import NotFound, ResourceDoesNotExist

TAGS_API = "/api/2.0/mlflow/unity-catalog/model-versions"
_ABSENT = (NotFound, ResourceDoesNotExist)


@dataclass(frozen=True)
class Version:
    """A model version as `goldenpath ab` needs it: its number, state, tags and aliases."""

    number: str
    status: str
    tags: dict[str, str]
    aliases: tuple[str, ...]


class Registry:
    """The registered model `model` (`catalog.schema.name`) in the workspace of `client`."""

    def __init__(self, client: WorkspaceClient, model: str) -> None:
        self.client = client
        self.model = model

    @property
    def host(self) -> str:
        return self.client.config.host or "the workspace"

    def version(self, number: str) -> Version | None:
        """The version, with its tags; None when the model or the version does not exist."""
        try:
            found = self.client.api_client.do(
                "GET", f"{TAGS_API}/get", query={"name": self.model, "version": number}
            )
        except _ABSENT:
            return None
        view = found.get("model_version") or {} if isinstance(found, dict) else {}
        return Version(
            number=str(view.get("version", number)),
            status=str(view.get("status", "")),
            tags={str(tag["key"]): str(tag.get("value", "")) for tag in view.get("tags") or []},
            aliases=tuple(str(alias) for alias in view.get("aliases") or []),
        )

    def versions(self) -> list[str]:
        """Every version number, oldest first; none when the model does not exist."""
        try:
            listed = self.client.model_versions.list(self.model)
            return sorted((str(v.version) for v in listed if v.version is not None), key=int)
        except _ABSENT:
            return []

    def alias(self, alias: str) -> str | None:
        """The version `alias` names, or None."""
        try:
            return str(self.client.model_versions.get_by_alias(self.model, alias).version)
        except _ABSENT:
            return None

    def set_alias(self, alias: str, number: str) -> None:
        self.client.registered_models.set_alias(self.model, alias, int(number))

    def delete_alias(self, alias: str) -> None:
        self.client.registered_models.delete_alias(self.model, alias)

    def set_tag(self, number: str, key: str, value: str) -> None:
        body = {"name": self.model, "version": number, "key": key, "value": value}
        self.client.api_client.do("POST", f"{TAGS_API}/set-tag", body=body)
