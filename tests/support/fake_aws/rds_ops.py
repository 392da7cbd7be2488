"""RDS (Query protocol, Version 2014-10-31): DescribeDBInstances, DescribeDBClusters, FailoverDBCluster.

A failover is kept in the cluster's state as `pending_failover` {target, describes_left}: the next
`failover_describes` DescribeDBClusters still show "failing-over" with the old writer, then the
target becomes the writer and the cluster "available" again.
"""

from common import ACCOUNT, AwsError, element, indexed, indexed_structs

VERSION = "2014-10-31"
XMLNS = "http://rds.amazonaws.com/doc/2014-10-31/"
REGION = "eu-west-1"


def _filters(params):
    """Filters.Filter.N.Name / Filters.Filter.N.Values.Value.M -> {name: [values]}."""
    out = {}
    for f in indexed_structs(params, "Filters.Filter"):
        values = indexed(f, "Values.Value")
        out[f.get("Name", "")] = values
    return out


def _instance(identifier, inst):
    endpoint = (
        element("Address", inst.get("address", f"{identifier}.cfake.{REGION}.rds.amazonaws.com"))
        + element("Port", inst.get("port", 5432))
        + element("HostedZoneId", "Z29XKXDKYMONMX")
    )
    return (
        element("DBInstanceIdentifier", identifier)
        + element("DBInstanceClass", inst.get("class", "db.r6g.large"))
        + element("Engine", inst.get("engine", "aurora-postgresql"))
        + element("DBInstanceStatus", inst.get("status", "available"))
        + f"<Endpoint>{endpoint}</Endpoint>"
        + element("MultiAZ", bool(inst.get("multi_az", False)))
        + element("AvailabilityZone", inst.get("availability_zone", REGION + "a"))
        + element("DBClusterIdentifier", inst.get("cluster"))
        + element("DBInstanceArn", f"arn:aws:rds:{REGION}:{ACCOUNT}:db:{identifier}")
    )


def describe_db_instances(state, params):
    instances = state.get("db_instances", {})
    wanted = params.get("DBInstanceIdentifier")
    if wanted is not None:
        if wanted not in instances:
            raise AwsError(404, "DBInstanceNotFound", f"DBInstance {wanted} not found.")
        chosen = [wanted]
    else:
        chosen = list(instances)
    filters = _filters(params)
    if "db-instance-id" in filters:
        chosen = [i for i in chosen if i in filters["db-instance-id"]]
    if "db-cluster-id" in filters:
        chosen = [i for i in chosen if instances[i].get("cluster") in filters["db-cluster-id"]]
    rendered = "".join(f"<DBInstance>{_instance(i, instances[i])}</DBInstance>" for i in chosen)
    return f"<DBInstances>{rendered}</DBInstances>"


def _apply_failover(cluster):
    pending = cluster.pop("pending_failover")
    for member in cluster.get("members", []):
        member["writer"] = member.get("id") == pending["target"]
    cluster["status"] = "available"


def _cluster(identifier, cluster):
    rendered_members = "".join(
        "<DBClusterMember>"
        + element("DBInstanceIdentifier", m.get("id", ""))
        + element("IsClusterWriter", bool(m.get("writer", False)))
        + element("DBClusterParameterGroupStatus", "in-sync")
        + element("PromotionTier", m.get("promotion_tier", 1))
        + "</DBClusterMember>"
        for m in cluster.get("members", [])
    )
    return (
        element("DBClusterIdentifier", identifier)
        + element("Status", cluster.get("status", "available"))
        + element("Engine", cluster.get("engine", "aurora-postgresql"))
        + element("Endpoint", f"{identifier}.cluster-cfake.{REGION}.rds.amazonaws.com")
        + element("ReaderEndpoint", f"{identifier}.cluster-ro-cfake.{REGION}.rds.amazonaws.com")
        + element("Port", cluster.get("port", 5432))
        + element("MultiAZ", len(cluster.get("members", [])) > 1)
        + element("DBClusterArn", f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:{identifier}")
        + f"<DBClusterMembers>{rendered_members}</DBClusterMembers>"
    )


def describe_db_clusters(state, params):
    clusters = state.get("db_clusters", {})
    wanted = params.get("DBClusterIdentifier")
    if wanted is not None:
        if wanted not in clusters:
            raise AwsError(404, "DBClusterNotFoundFault", f"DBCluster {wanted} not found.")
        chosen = [wanted]
    else:
        chosen = list(clusters)
    filters = _filters(params)
    if "db-cluster-id" in filters:
        chosen = [c for c in chosen if c in filters["db-cluster-id"]]
    for identifier in chosen:
        pending = clusters[identifier].get("pending_failover")
        if pending is None:
            continue
        if pending.get("describes_left", 0) > 0:
            pending["describes_left"] -= 1
        else:
            _apply_failover(clusters[identifier])
    rendered = "".join(f"<DBCluster>{_cluster(c, clusters[c])}</DBCluster>" for c in chosen)
    return f"<DBClusters>{rendered}</DBClusters>"


def failover_db_cluster(state, params):
    clusters = state.get("db_clusters", {})
    identifier = params.get("DBClusterIdentifier", "")
    if identifier not in clusters:
        raise AwsError(404, "DBClusterNotFoundFault", f"DBCluster {identifier} not found.")
    cluster = clusters[identifier]
    status = cluster.get("status", "available")
    if status != "available":
        raise AwsError(400, "InvalidDBClusterStateFault", f"DBCluster {identifier} is in {status} state.")
    readers = [m.get("id") for m in cluster.get("members", []) if not m.get("writer", False)]
    target = params.get("TargetDBInstanceIdentifier")
    if target is not None and target not in readers:
        raise AwsError(
            400, "InvalidDBInstanceState", f"Target instance {target} is not a reader member of cluster {identifier}."
        )
    if target is None:
        if not readers:
            raise AwsError(400, "InvalidDBClusterStateFault", f"DBCluster {identifier} has no reader to fail over to.")
        target = readers[0]
    cluster["status"] = "failing-over"
    cluster["pending_failover"] = {"target": target, "describes_left": int(cluster.get("failover_describes", 0))}
    cluster["failovers"] = cluster.get("failovers", 0) + 1
    answer = _cluster(identifier, cluster)
    if cluster["pending_failover"]["describes_left"] == 0:
        _apply_failover(cluster)
    return f"<DBCluster>{answer}</DBCluster>"


OPERATIONS = {
    "DescribeDBInstances": describe_db_instances,
    "DescribeDBClusters": describe_db_clusters,
    "FailoverDBCluster": failover_db_cluster,
}
