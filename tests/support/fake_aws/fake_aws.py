#!/usr/bin/env python3
"""A fake AWS endpoint for runbookd's tests: ELBv2 and RDS (Query), EKS (REST-JSON) and STS on one
port, every request's SigV4 signature checked with botocore. See README.md for the state it keeps.

Usage: fake_aws.py --port-file PATH [--port N]. The port it listens on (127.0.0.1) is written to
PATH once it accepts connections.
"""

import argparse
import copy
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

sys.dont_write_bytecode = True  # no __pycache__ in the source tree

try:
    import botocore  # noqa: F401  (sigv4_check needs it; fail here with a clear message)
except ImportError:
    sys.stderr.write(f"fake_aws: {sys.executable} cannot import botocore (install python3-botocore)\n")
    sys.exit(3)

import eks_ops
import elbv2_ops
import rds_ops
import sts_ops
from common import AwsError, element, request_id
from sigv4_check import verify

ACCESS_KEY_ID = "AKIDFAKEEXAMPLE"
SECRET_ACCESS_KEY = "fake/secret/key/EXAMPLE"

# Query services by signing name (the credential scope names the service).
QUERY_SERVICES = {
    "elasticloadbalancing": elbv2_ops,
    "rds": rds_ops,
    "sts": sts_ops,
}
SIGNATURE_MESSAGE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)


class Fake:
    """The state and the request log, shared by the handler threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.state = {}
        self.requests = []

    def credentials(self):
        return self.state.get("credentials") or {ACCESS_KEY_ID: SECRET_ACCESS_KEY}

    def take_fault(self, service, action):
        """The next fault for this action (consuming one of its count), or None. Caller holds the lock."""
        faults = self.state.get("faults") or []
        for index, fault in enumerate(faults):
            if fault.get("action") != action:
                continue
            if fault.get("service") not in (None, service):
                continue
            count = fault.get("count", 1)
            if count <= 1:
                del faults[index]
            else:
                fault["count"] = count - 1
            return dict(fault)
        return None


FAKE = Fake()


def guess_service(path, params):
    """For a request without a usable credential scope: where it was meant to go."""
    if path.startswith("/clusters/"):
        return "eks"
    action = params.get("Action", "")
    for name, module in QUERY_SERVICES.items():
        if action in module.OPERATIONS:
            return name
    return "unknown"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-aws"

    def log_message(self, fmt, *args):
        sys.stderr.write("fake_aws: " + (fmt % args) + "\n")

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def do_PUT(self):
        self.handle_any()

    def do_DELETE(self):
        self.handle_any()

    def send(self, status, body, content_type, headers=()):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        if path.startswith("/_fake/"):
            self.control(path, body)
        else:
            self.aws(path, query, body)

    def control(self, path, body):
        with FAKE.lock:
            if path == "/_fake/state" and self.command == "PUT":
                FAKE.state = json.loads(body or b"{}")
                answer = {}
            elif path == "/_fake/state" and self.command == "GET":
                answer = copy.deepcopy(FAKE.state)
            elif path == "/_fake/requests" and self.command == "GET":
                answer = copy.deepcopy(FAKE.requests)
            elif path == "/_fake/requests" and self.command == "DELETE":
                FAKE.requests.clear()
                answer = {}
            else:
                self.send(404, json.dumps({"message": "no such control path"}), "application/json")
                return
        self.send(200, json.dumps(answer), "application/json")

    def aws(self, path, query, body):
        headers = {}
        for name, value in self.headers.items():
            headers.setdefault(name.lower(), value)
        params = dict(parse_qsl(query, keep_blank_values=True))
        content_type = headers.get("content-type", "")
        if content_type.startswith("application/x-www-form-urlencoded"):
            params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        with FAKE.lock:
            credentials = copy.deepcopy(FAKE.credentials())
        verdict = verify(self.command, path, query, headers, body, credentials)
        service = verdict.service if verdict.service in list(QUERY_SERVICES) + ["eks"] else guess_service(path, params)
        document = None
        if service == "eks":
            action, path_params = eks_ops.operation_of(self.command, path)
            if body:
                try:
                    document = json.loads(body)
                except ValueError:
                    document = None
        else:
            action, path_params = params.get("Action", ""), None
        record = {
            "service": service,
            "action": action or "",
            "method": self.command,
            "path": path,
            "params": params if service != "eks" else dict(parse_qsl(query, keep_blank_values=True)),
            "json": document,
            "signature": verdict.signature,
            "status": 0,
            "user_agent": headers.get("user-agent", ""),
            "region": verdict.region,
            "access_key_id": verdict.access_key_id,
            "signed_headers": verdict.signed_headers,
            "session_token": verdict.token_sent,
            "content_type": content_type,
        }
        status, answer, extra_headers, drop = self.answer(service, action, path_params, params, document, verdict)
        record["status"] = status
        with FAKE.lock:
            FAKE.requests.append(record)
        if drop:
            self.close_connection = True
            return
        if service == "eks":
            self.send(status, json.dumps(answer), "application/json", extra_headers)
        else:
            self.send(status, answer, "text/xml", extra_headers)

    def answer(self, service, action, path_params, params, document, verdict):
        """(status, body, headers, drop): the whole answer to one AWS request."""
        rid = request_id()
        try:
            if verdict.signature != "valid":
                code = "InvalidSignatureException" if service == "eks" else "SignatureDoesNotMatch"
                raise AwsError(403, code, SIGNATURE_MESSAGE)
            with FAKE.lock:
                fault = FAKE.take_fault(service, action)
            if fault and fault.get("delay_ms"):
                time.sleep(fault["delay_ms"] / 1000.0)
            if fault and fault.get("drop"):
                return 0, None, [], True
            if fault and fault.get("status"):
                error = AwsError(fault["status"], fault.get("code", "InternalFailure"), fault.get("message", ""))
                if fault.get("retry_after") is not None:
                    error.fields["retry_after"] = fault["retry_after"]
                raise error
            with FAKE.lock:
                if service == "eks":
                    status, payload = self.eks(action, path_params, params, document)
                    return status, payload, [("x-amzn-RequestId", rid)], False
                return 200, self.query(service, action, params, verdict, rid), [("x-amzn-RequestId", rid)], False
        except Exception as failure:  # a bug in the fake shows up as a 500 naming it
            error = failure if isinstance(failure, AwsError) else AwsError(500, "InternalFailure", repr(failure))
            headers = [("x-amzn-RequestId", rid)]
            retry_after = error.fields.pop("retry_after", None)
            if retry_after is not None:
                headers.append(("Retry-After", str(retry_after)))
            if service == "eks":
                headers.append(("x-amzn-ErrorType", error.code))
                return error.status, dict(error.fields, message=error.message), headers, False
            return error.status, error_xml(service, error, rid), headers, False

    def eks(self, action, path_params, params, document):
        if action is None:
            raise AwsError(404, "UnknownOperationException", "The fake serves no such EKS operation")
        return eks_ops.OPERATIONS[action](FAKE.state, path_params, params, document)

    def query(self, service, action, params, verdict, rid):
        module = QUERY_SERVICES.get(service)
        if module is None or action not in module.OPERATIONS or params.get("Version") != module.VERSION:
            version = params.get("Version", "")
            raise AwsError(400, "InvalidAction", f"Could not find operation {action} for version {version}")
        operation = module.OPERATIONS[action]
        if module is sts_ops:
            result = operation(FAKE.state, params, verdict.access_key_id)
        else:
            result = operation(FAKE.state, params)
        return (
            f'<{action}Response xmlns="{module.XMLNS}"><{action}Result>{result}</{action}Result>'
            f"<ResponseMetadata><RequestId>{rid}</RequestId></ResponseMetadata></{action}Response>"
        )


def error_xml(service, error, rid):
    module = QUERY_SERVICES.get(service, elbv2_ops)
    kind = "Receiver" if error.status >= 500 else "Sender"
    return (
        f'<ErrorResponse xmlns="{module.XMLNS}"><Error><Type>{kind}</Type>'
        + element("Code", error.code)
        + element("Message", error.message)
        + f"</Error><RequestId>{rid}</RequestId></ErrorResponse>"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    temporary = args.port_file + ".tmp"
    with open(temporary, "w") as out:
        out.write(str(server.server_address[1]))
    os.replace(temporary, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
