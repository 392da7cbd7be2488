"""ELBv2 (Query protocol, Version 2015-12-01): DescribeTargetHealth and DescribeLoadBalancers."""

from common import AwsError, element, indexed, indexed_structs, members

VERSION = "2015-12-01"
XMLNS = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"


def _target_health(target, port_asked=None):
    state = target.get("state", "healthy")
    health = element("State", state)
    health += element("Reason", target.get("reason") or None)
    health += element("Description", target.get("description") or None)
    port = port_asked if port_asked is not None else target.get("port", 80)
    return (
        element("HealthCheckPort", str(target.get("health_check_port", port)))
        + f"<TargetHealth>{health}</TargetHealth>"
        + "<Target>"
        + element("Port", port)
        + element("Id", target.get("id", ""))
        + element("AvailabilityZone", target.get("availability_zone"))
        + "</Target>"
    )


def describe_target_health(state, params):
    arn = params.get("TargetGroupArn", "")
    group = state.get("target_groups", {}).get(arn)
    if not arn:
        raise AwsError(400, "ValidationError", "TargetGroupArn is required")
    if group is None:
        raise AwsError(400, "TargetGroupNotFound", f"Target groups '{arn}' not found")
    targets = group.get("targets", [])
    asked = indexed_structs(params, "Targets.member")
    if asked:
        # A target that is not registered is still answered, as AWS does: unused, Target.NotRegistered.
        chosen = []
        for want in asked:
            port = int(want["Port"]) if "Port" in want else None
            match = next(
                (t for t in targets if t.get("id") == want.get("Id") and (port is None or t.get("port", 80) == port)),
                None,
            )
            if match is None:
                match = {
                    "id": want.get("Id", ""),
                    "port": port or 80,
                    "state": "unused",
                    "reason": "Target.NotRegistered",
                    "description": "Target is not registered to the target group",
                }
            chosen.append(_target_health(match, port))
        rendered = "".join(f"<member>{c}</member>" for c in chosen)
    else:
        rendered = members(targets, _target_health)
    return f"<TargetHealthDescriptions>{rendered}</TargetHealthDescriptions>"


def _load_balancer(arn, lb):
    name = lb.get("name", arn.rsplit("/", 2)[-2] if arn.count("/") >= 2 else arn)
    lb_state = element("Code", lb.get("state", "active")) + element("Reason", lb.get("reason") or None)
    return (
        element("LoadBalancerArn", arn)
        + element("DNSName", lb.get("dns_name", f"{name}-1.eu-west-1.elb.amazonaws.com"))
        + element("CanonicalHostedZoneId", "Z32O12XQLNTSW2")
        + element("CreatedTime", lb.get("created_time", "2024-01-01T00:00:00.000Z"))
        + element("LoadBalancerName", name)
        + element("Scheme", lb.get("scheme", "internet-facing"))
        + element("VpcId", lb.get("vpc_id", "vpc-0fake"))
        + f"<State>{lb_state}</State>"
        + element("Type", lb.get("type", "application"))
        + "<AvailabilityZones/>"
        + "<SecurityGroups/>"
        + element("IpAddressType", "ipv4")
    )


def describe_load_balancers(state, params):
    balancers = state.get("load_balancers", {})
    arns = indexed(params, "LoadBalancerArns.member")
    names = indexed(params, "Names.member")
    if arns:
        missing = [a for a in arns if a not in balancers]
        if missing:
            raise AwsError(400, "LoadBalancerNotFound", f"Load balancers '{missing}' not found")
        chosen = [(a, balancers[a]) for a in arns]
    elif names:
        by_name = {lb.get("name"): (arn, lb) for arn, lb in balancers.items()}
        missing = [n for n in names if n not in by_name]
        if missing:
            raise AwsError(400, "LoadBalancerNotFound", f"Load balancers '{missing}' not found")
        chosen = [by_name[n] for n in names]
    else:
        chosen = list(balancers.items())
    rendered = "".join(f"<member>{_load_balancer(arn, lb)}</member>" for arn, lb in chosen)
    return f"<LoadBalancers>{rendered}</LoadBalancers>"


OPERATIONS = {
    "DescribeTargetHealth": describe_target_health,
    "DescribeLoadBalancers": describe_load_balancers,
}
