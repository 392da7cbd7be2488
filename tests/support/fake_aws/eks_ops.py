"""EKS (REST-JSON, 2017-11-01): UpdateNodegroupConfig, DescribeUpdate, DescribeNodegroup.

An update is kept in the nodegroup's state under `updates` {id: {...}}: the next `update_polls`
DescribeUpdate calls answer InProgress, then it ends Successful with the scaling applied (or Failed
when the nodegroup has `update_fails`). A clientRequestToken seen before returns its update again.
"""

import re
import time
import uuid

from common import ACCOUNT, AwsError

REGION = "eu-west-1"
_UPDATE_CONFIG = re.compile(r"^/clusters/([^/]+)/node-groups/([^/]+)/update-config$")
_DESCRIBE_UPDATE = re.compile(r"^/clusters/([^/]+)/updates/([^/]+)$")
_DESCRIBE_NODEGROUP = re.compile(r"^/clusters/([^/]+)/node-groups/([^/]+)$")


def operation_of(method, path):
    """(operation name, path parameters), or (None, None) for a path the fake does not serve."""
    for want, pattern, name in (
        ("POST", _UPDATE_CONFIG, "UpdateNodegroupConfig"),
        ("GET", _DESCRIBE_UPDATE, "DescribeUpdate"),
        ("GET", _DESCRIBE_NODEGROUP, "DescribeNodegroup"),
    ):
        match = pattern.match(path)
        if match and method == want:
            return name, match.groups()
    return None, None


def _nodegroup(state, cluster, name):
    group = state.get("nodegroups", {}).get(f"{cluster}/{name}")
    if group is None:
        raise AwsError(
            404, "ResourceNotFoundException", f"No node group found for name: {name}.", clusterName=cluster,
            nodegroupName=name
        )
    return group


def _public(update):
    return {k: v for k, v in update.items() if k in ("id", "status", "type", "params", "createdAt", "errors")}


def update_nodegroup_config(state, path_params, query, body):
    cluster, name = path_params
    group = _nodegroup(state, cluster, name)
    body = body or {}
    updates = group.setdefault("updates", {})
    token = body.get("clientRequestToken")
    if token:
        for update in updates.values():
            if update.get("token") == token:
                return 200, {"update": _public(update)}
    if any(u["status"] == "InProgress" for u in updates.values()):
        raise AwsError(409, "ResourceInUseException", f"Nodegroup {name} already has an update in progress.",
                       clusterName=cluster, nodegroupName=name)
    scaling = body.get("scalingConfig") or {}
    size = {
        "min": scaling.get("minSize", group.get("min", 1)),
        "max": scaling.get("maxSize", group.get("max", 1)),
        "desired": scaling.get("desiredSize", group.get("desired", 1)),
    }
    if not all(isinstance(v, int) and v >= 0 for v in size.values()) or size["max"] < 1:
        raise AwsError(400, "InvalidParameterException", "scalingConfig sizes must be non-negative integers",
                       clusterName=cluster, nodegroupName=name)
    if not size["min"] <= size["desired"] <= size["max"]:
        raise AwsError(400, "InvalidParameterException",
                       "Minimum capacity and maximum capacity must bound the desired capacity",
                       clusterName=cluster, nodegroupName=name)
    names = {"minSize": "MinSize", "maxSize": "MaxSize", "desiredSize": "DesiredSize"}
    update = {
        "id": str(uuid.uuid4()),
        "status": "InProgress",
        "type": "ConfigUpdate",
        "params": [{"type": names[k], "value": str(v)} for k, v in scaling.items() if k in names],
        "createdAt": round(time.time(), 3),
        "errors": [],
        "token": token,
        "scaling": size,
        "polls_left": int(group.get("update_polls", 0)),
    }
    updates[update["id"]] = update
    group["status"] = "UPDATING"
    return 200, {"update": _public(update)}


def _finish(group, update):
    if group.get("update_fails", False):
        update["status"] = "Failed"
        update["errors"] = [
            {"errorCode": "NodeCreationFailure", "errorMessage": "Instances failed to join the kubernetes cluster",
             "resourceIds": []}
        ]
    else:
        update["status"] = "Successful"
        group.update(update["scaling"])
    group["status"] = "ACTIVE"


def describe_update(state, path_params, query, body):
    cluster, update_id = path_params
    name = query.get("nodegroupName", "")
    group = _nodegroup(state, cluster, name)
    update = group.get("updates", {}).get(update_id)
    if update is None:
        raise AwsError(404, "ResourceNotFoundException", f"No update found for ID: {update_id}.",
                       clusterName=cluster, nodegroupName=name)
    if update["status"] == "InProgress":
        if update["polls_left"] > 0:
            update["polls_left"] -= 1
        else:
            _finish(group, update)
    return 200, {"update": _public(update)}


def describe_nodegroup(state, path_params, query, body):
    cluster, name = path_params
    group = _nodegroup(state, cluster, name)
    return 200, {
        "nodegroup": {
            "nodegroupName": name,
            "nodegroupArn": f"arn:aws:eks:{REGION}:{ACCOUNT}:nodegroup/{cluster}/{name}/fake",
            "clusterName": cluster,
            "version": group.get("version", "1.29"),
            "status": group.get("status", "ACTIVE"),
            "capacityType": "ON_DEMAND",
            "scalingConfig": {
                "minSize": group.get("min", 1),
                "maxSize": group.get("max", 1),
                "desiredSize": group.get("desired", 1),
            },
            "instanceTypes": group.get("instance_types", ["m5.large"]),
            "createdAt": 1704067200.0,
            "modifiedAt": 1704067200.0,
            "health": {"issues": []},
            "labels": {},
        }
    }


OPERATIONS = {
    "UpdateNodegroupConfig": update_nodegroup_config,
    "DescribeUpdate": describe_update,
    "DescribeNodegroup": describe_nodegroup,
}
