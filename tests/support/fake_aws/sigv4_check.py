"""Recomputes a received request's SigV4 signature with botocore and compares it.

The request is rebuilt from what arrived (method, path, query, the headers the client says it
signed, the body) and signed again with the secret registered for its access key id, at the time of
its own X-Amz-Date, so the verdict is botocore's own.
"""

import hmac
import re
from urllib.parse import parse_qsl, unquote

from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

_AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<credential>[^,]+),\s*SignedHeaders=(?P<signed>[^,]+),\s*"
    r"Signature=(?P<signature>[0-9a-f]+)$"
)
_PRESIGN_PARAMS = {
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Security-Token",
    "X-Amz-Signature",
}


class Verdict:
    """What the signature check found: `signature` is valid, invalid or missing."""

    def __init__(self, signature, service=None, region=None, access_key_id=None, signed_headers="", token_sent=False):
        self.signature = signature
        self.service = service
        self.region = region
        self.access_key_id = access_key_id
        self.signed_headers = signed_headers
        self.token_sent = token_sent


def _scope(credential):
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        return None
    return parts  # akid, date, region, service, aws4_request


def _secret_for(credentials, access_key_id):
    """The registered secret (and session token, when one is registered) of an access key id."""
    entry = credentials.get(access_key_id)
    if isinstance(entry, str):
        return entry, None
    if isinstance(entry, dict):
        return entry.get("secret"), entry.get("session_token")
    return None, None


def _recompute(auth, request, timestamp):
    request.context["timestamp"] = timestamp
    auth._modify_request_before_signing(request)
    canonical = auth.canonical_request(request)
    string_to_sign = auth.string_to_sign(request, canonical)
    return auth.signature(string_to_sign, request), auth.signed_headers(auth.headers_to_sign(request))


def verify(method, raw_path, raw_query, headers, body, credentials):
    """`headers` maps lower-case names to values as received; `credentials` is the state's map."""
    authorization = headers.get("authorization")
    if authorization:
        return _verify_header(method, raw_path, raw_query, headers, body, credentials, authorization)
    query = dict(parse_qsl(raw_query, keep_blank_values=True))
    if "X-Amz-Signature" in query:
        return _verify_presigned(method, raw_path, raw_query, headers, body, credentials, query)
    return Verdict("missing")


def _verify_header(method, raw_path, raw_query, headers, body, credentials, authorization):
    match = _AUTH_RE.match(authorization.strip())
    scope = _scope(match.group("credential")) if match else None
    if not scope:
        return Verdict("invalid")
    akid, _, region, service, _ = scope
    token = headers.get("x-amz-security-token")
    verdict = Verdict("invalid", service, region, akid, match.group("signed"), token is not None)
    timestamp = headers.get("x-amz-date", "")
    secret, registered_token = _secret_for(credentials, akid)
    if not secret or not timestamp.startswith(scope[1]):
        return verdict
    if registered_token is not None and token != registered_token:
        return verdict
    signed = match.group("signed").split(";")
    rebuilt = {name: headers[name] for name in signed if name in headers}
    url = "http://" + headers.get("host", "") + raw_path + ("?" + raw_query if raw_query else "")
    request = AWSRequest(method=method, url=url, headers=rebuilt, data=body)
    auth = SigV4Auth(Credentials(akid, secret, token), service, region)
    expected, expected_signed = _recompute(auth, request, timestamp)
    if hmac.compare_digest(expected, match.group("signature")) and expected_signed == match.group("signed"):
        verdict.signature = "valid"
    return verdict


def _verify_presigned(method, raw_path, raw_query, headers, body, credentials, query):
    scope = _scope(query.get("X-Amz-Credential", ""))
    if not scope:
        return Verdict("invalid")
    akid, _, region, service, _ = scope
    token = query.get("X-Amz-Security-Token")
    signed_list = query.get("X-Amz-SignedHeaders", "")
    verdict = Verdict("invalid", service, region, akid, signed_list, token is not None)
    timestamp = query.get("X-Amz-Date", "")
    secret, registered_token = _secret_for(credentials, akid)
    if not secret or not timestamp.startswith(scope[1]):
        return verdict
    if registered_token is not None and token != registered_token:
        return verdict
    rest = "&".join(p for p in raw_query.split("&") if p and _param_name(p) not in _PRESIGN_PARAMS)
    rebuilt = {name: headers[name] for name in signed_list.split(";") if name in headers}
    url = "http://" + headers.get("host", "") + raw_path + ("?" + rest if rest else "")
    request = AWSRequest(method=method, url=url, headers=rebuilt, data=body)
    auth = SigV4QueryAuth(Credentials(akid, secret, token), service, region, expires=query.get("X-Amz-Expires", ""))
    expected, expected_signed = _recompute(auth, request, timestamp)
    if hmac.compare_digest(expected, query["X-Amz-Signature"]) and expected_signed == signed_list:
        verdict.signature = "valid"
    return verdict


def _param_name(pair):
    return unquote(pair.partition("=")[0])
