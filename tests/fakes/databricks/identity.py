"""Who calls: tokens, service principals, groups (SCIM 2.0 preview), host metadata and OAuth.

OAuth covers client credentials and the GitHub OIDC token exchange, so the
SDK's `oauth-m2m` and `github-oidc` auth work against the fake too.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from fakes.databricks.core import FAKE_TOKEN, ApiError, Core, Request, bad_request, route

# Every identity of a workspace is in this group (SCIM lists it); grants to it reach everyone.
ALL_USERS = "users"


@dataclass
class IdentityState(Core):
    # token -> the identity that token authenticates (a user name or an SP application id)
    tokens: dict[str, str] = field(default_factory=lambda: {FAKE_TOKEN: "deployer@example.com"})
    # OAuth clients: client id -> secret (a secret of None accepts a GitHub OIDC token exchange)
    oauth_clients: dict[str, str | None] = field(default_factory=dict)
    # application id -> {"displayName": ..., "active": bool}
    service_principals: dict[str, dict[str, Any]] = field(default_factory=dict)
    # identity (user name or application id) -> the groups it belongs to besides `users`
    groups: dict[str, set[str]] = field(default_factory=dict)

    def add_service_principal(self, application_id: str, name: str = "", active: bool = True) -> None:
        self.service_principals[application_id] = {"displayName": name or application_id, "active": active}

    def groups_of(self, identity: str) -> set[str]:
        return {ALL_USERS, *self.groups.get(identity, set())}

    def scim_groups(self, identity: str) -> list[dict[str, str]]:
        return [{"display": group, "value": group} for group in sorted(self.groups_of(identity))]


# --- SCIM ---------------------------------------------------------------
@route("GET", r"/api/2.0/preview/scim/v2/Me")
def _me(request: Request) -> Any:
    sp = request.workspace.service_principals.get(request.identity)
    return {
        "id": str(abs(hash(request.identity)) % 10**12),
        "userName": request.identity,
        "displayName": sp["displayName"] if sp else request.identity,
        "active": True,
        "groups": request.workspace.scim_groups(request.identity),
    }


@route("GET", r"/api/2.0/preview/scim/v2/ServicePrincipals")
def _service_principals(request: Request) -> Any:
    wanted = re.fullmatch(r'applicationId eq "?([^"]*)"?', request.query.get("filter", "").strip())
    resources = [
        {
            "id": str(index + 1),
            "applicationId": app_id,
            "displayName": sp["displayName"],
            "active": sp["active"],
            "groups": request.workspace.scim_groups(app_id),
        }
        for index, (app_id, sp) in enumerate(request.workspace.service_principals.items())
        if wanted is None or wanted.group(1) == app_id
    ]
    start = int(request.query.get("startIndex", "1"))
    page = resources[start - 1 : start - 1 + int(request.query.get("count", "100"))]
    return {"totalResults": len(resources), "startIndex": start, "itemsPerPage": len(page), "Resources": page}


# --- host metadata and OAuth ----------------------------------------------------
@route("GET", r"/\.well-known/databricks-config")
def _host_metadata(request: Request) -> Any:
    return {"oidc_endpoint": f"{request.workspace.url}/oidc", "workspace_id": "1234567890"}


@route("GET", r"/oidc/\.well-known/oauth-authorization-server")
def _oidc_discovery(request: Request) -> Any:
    base = request.workspace.url
    return {
        "issuer": f"{base}/oidc",
        "authorization_endpoint": f"{base}/oidc/v1/authorize",
        "token_endpoint": f"{base}/oidc/v1/token",
    }


def _issue_token(workspace: IdentityState, client_id: str) -> dict[str, Any]:
    token = f"fake-oauth-{workspace.next_id()}"
    workspace.tokens[token] = client_id
    return {"access_token": token, "token_type": "Bearer", "expires_in": 3600}


@route("POST", r"/oidc/v1/token")
def _token(request: Request) -> Any:
    body = request.body
    client_id = str(body.get("client_id", ""))
    secret = body.get("client_secret")
    if body.get("grant_type") == "client_credentials":
        if (
            client_id not in request.workspace.oauth_clients
            or request.workspace.oauth_clients[client_id] != secret
        ):
            raise ApiError(HTTPStatus.UNAUTHORIZED, "invalid_client", "Client authentication failed")
        return _issue_token(request.workspace, client_id)
    if body.get("grant_type") == "urn:ietf:params:oauth:grant-type:token-exchange":
        if client_id not in request.workspace.oauth_clients or not body.get("subject_token"):
            raise ApiError(HTTPStatus.UNAUTHORIZED, "invalid_client", "No federation policy for this client")
        return _issue_token(request.workspace, client_id)
    raise bad_request(f"unsupported grant_type {body.get('grant_type')!r}")


@route("GET", r"/github-oidc-token")
def _github_id_token(request: Request) -> Any:
    """Stands in for the Actions runner's id-token service (ACTIONS_ID_TOKEN_REQUEST_URL)."""
    claims = base64.urlsafe_b64encode(json.dumps({"sub": "repo:fake"}).encode()).decode().rstrip("=")
    return {"value": f"eyJhbGciOiJub25lIn0.{claims}.sig"}
