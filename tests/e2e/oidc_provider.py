"""A small OpenID Connect provider on 127.0.0.1 for sign-in tests and the sign-in bench.

Built on Authlib's own pieces: ``joserfc`` (Authlib's JOSE library: RSA key, JWKS, signed ID
tokens), ``authlib.common.security.generate_token`` (codes and access tokens) and
``authlib.oauth2.rfc7636`` (PKCE S256 check). It serves what Streamlit's ``st.login`` (Authlib's
Starlette client) uses:

* ``GET /.well-known/openid-configuration`` discovery (issuer, endpoints, ``RS256``, ``S256``);
* ``GET /jwks`` the public key;
* ``GET /authorize`` auto-approves the e-mail the test chose (``provider.email``; ``None`` sends
  no ``email`` claim) and redirects to the registered ``redirect_uri`` with a one-time code;
* ``POST /token`` checks the client (HTTP Basic or form), the code, ``redirect_uri`` and the
  PKCE verifier, and answers an access token and an ID token (``iss``, ``aud``, ``sub``,
  ``nonce``, ``email``, ``email_verified``, ``name``; valid 1 hour);
* ``GET /userinfo`` the same claims for a bearer access token.

``provider.requests`` counts requests per path, so a test can tell the provider was (not) asked.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

CLIENT_ID = "rasl-dashboard"
CLIENT_SECRET = "test-client-secret-" + "x" * 16


class OIDCProvider:
    """The provider's state; ``start()`` serves it on a free loopback port.

    ``email``: the address the next authorisation approves (``None``: no e-mail claim).
    ``redirect_uris``: the callback addresses registered for ``CLIENT_ID``.
    """

    def __init__(self, redirect_uris: list[str] | None = None) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig", "alg": "RS256"})
        self.email: str | None = None
        self.redirect_uris = list(redirect_uris or [])
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.requests: Counter = Counter()
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------
    @property
    def issuer(self) -> str:
        assert self.server is not None, "start() first"
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def start(self) -> "OIDCProvider":
        provider = self

        class Handler(_Handler):
            pass

        Handler.provider = provider
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="oidc-provider", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=5)
            self.server = None

    # -- protocol -----------------------------------------------------------------------------
    def discovery(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "email", "email_verified", "name"],
        }

    def jwks(self) -> dict:
        return KeySet([self.key]).as_dict(private=False)

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") != CLIENT_ID or redirect_uri not in self.redirect_uris:
            return 400, {"Content-Type": "text/plain"}, b"unknown client or redirect_uri"
        code = generate_token(32)
        with self.lock:
            self.codes[code] = {"email": self.email, "nonce": query.get("nonce"), "redirect_uri": redirect_uri,
                                "challenge": query.get("code_challenge"), "at": time.time()}
        target = redirect_uri + "?" + urlencode({"code": code, "state": query.get("state", "")})
        return 302, {"Location": target}, b""

    def claims(self, email: str | None) -> dict:
        subject = (email or "no-email-user").replace("@", ".at.")
        out = {"sub": subject, "name": (email or "No Mail").split("@")[0].title()}
        if email is not None:
            out |= {"email": email, "email_verified": True}
        return out

    def token(self, form: dict[str, str], authorization: str | None) -> tuple[int, dict]:
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.startswith("Basic "):
            client_id, _, client_secret = base64.b64decode(authorization[6:]).decode().partition(":")
        if client_id != CLIENT_ID or client_secret != CLIENT_SECRET:
            return 401, {"error": "invalid_client"}
        with self.lock:
            grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or form.get("redirect_uri") != grant["redirect_uri"] or time.time() - grant["at"] > 60:
            return 400, {"error": "invalid_grant"}
        if grant["challenge"] and create_s256_code_challenge(form.get("code_verifier", "")) != grant["challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verifier does not match"}
        now = int(time.time())
        claims = self.claims(grant["email"]) | {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 3600}
        if grant["nonce"]:
            claims["nonce"] = grant["nonce"]
        id_token = jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, self.key)
        access_token = generate_token(40)
        with self.lock:
            self.tokens[access_token] = self.claims(grant["email"])
        return 200, {"access_token": access_token, "token_type": "Bearer", "expires_in": 3600,
                     "id_token": id_token, "scope": "openid email profile"}


class _Handler(BaseHTTPRequestHandler):
    provider: OIDCProvider

    def log_message(self, *args) -> None:  # quiet test output
        pass

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, payload: dict) -> None:
        self._send(status, json.dumps(payload).encode(), {"Content-Type": "application/json"})

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        parts = urlsplit(self.path)
        self.provider.requests[parts.path] += 1
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/.well-known/openid-configuration":
            self._json(200, self.provider.discovery())
        elif parts.path == "/jwks":
            self._json(200, self.provider.jwks())
        elif parts.path == "/authorize":
            status, headers, body = self.provider.authorize(query)
            self._send(status, body, headers)
        elif parts.path == "/userinfo":
            auth = self.headers.get("Authorization", "")
            claims = self.provider.tokens.get(auth[7:]) if auth.startswith("Bearer ") else None
            self._json(200, claims) if claims is not None else self._json(401, {"error": "invalid_token"})
        else:
            self._send(404)

    def do_POST(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        self.provider.requests[parts.path] += 1
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if parts.path == "/token":
            status, payload = self.provider.token(form, self.headers.get("Authorization"))
            self._json(status, payload)
        else:
            self._send(404)


def auth_section(provider: OIDCProvider, redirect_uri: str, cookie_secret: str) -> str:
    """The ``[auth]`` TOML text for a dashboard signing in through ``provider``."""
    return (f'[auth]\nredirect_uri = "{redirect_uri}"\ncookie_secret = "{cookie_secret}"\n'
            f'client_id = "{CLIENT_ID}"\nclient_secret = "{CLIENT_SECRET}"\n'
            f'server_metadata_url = "{provider.metadata_url}"\n')
