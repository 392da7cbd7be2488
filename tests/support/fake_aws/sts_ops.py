"""STS (Query protocol, Version 2011-06-15): GetCallerIdentity, by form, query or presigned URL."""

from common import ACCOUNT, element

VERSION = "2011-06-15"
XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/"


def get_caller_identity(state, params, access_key_id=""):
    return (
        element("Arn", f"arn:aws:iam::{ACCOUNT}:user/fake")
        + element("UserId", access_key_id or "AIDAFAKE")
        + element("Account", ACCOUNT)
    )


OPERATIONS = {"GetCallerIdentity": get_caller_identity}
