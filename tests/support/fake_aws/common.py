"""What the fake's services share: the error they raise, XML building, identifiers."""

import uuid
from xml.sax.saxutils import escape

ACCOUNT = "123456789012"


class AwsError(Exception):
    """An error answer: the HTTP status, AWS's code and message (and extra EKS body fields)."""

    def __init__(self, status, code, message, **fields):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields


def request_id():
    return str(uuid.uuid4())


def element(name, value):
    """<name>value</name>, with the value escaped; booleans as true/false; None leaves it out."""
    if value is None:
        return ""
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"<{name}>{escape(str(value))}</{name}>"


def members(items, render, item_name="member"):
    """A list as the Query protocol writes it: each item wrapped in <item_name>."""
    return "".join(f"<{item_name}>{render(item)}</{item_name}>" for item in items)


def indexed(params, prefix):
    """The values of a flattened list: prefix.1, prefix.2, ... in index order."""
    found = []
    for name, value in params.items():
        if name.startswith(prefix + "."):
            index = name[len(prefix) + 1 :]
            if index.isdigit():
                found.append((int(index), value))
    return [value for _, value in sorted(found)]


def indexed_structs(params, prefix):
    """Flattened structures: prefix.N.Field -> [{Field: value}, ...] in index order."""
    found = {}
    for name, value in params.items():
        if not name.startswith(prefix + "."):
            continue
        index, _, rest = name[len(prefix) + 1 :].partition(".")
        if index.isdigit() and rest:
            found.setdefault(int(index), {})[rest] = value
    return [found[i] for i in sorted(found)]
