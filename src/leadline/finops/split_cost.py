"""Provider-calculated split cost allocation (FOCUS 1.3) as allocation sees it.

A provider that splits a shared resource's charge (a Kubernetes cluster's nodes among its
workloads, a shared database among its tenants) replaces the origin charge by *allocated
charges* that add up to it, each naming the resource it was allocated to (AllocatedResourceId,
AllocatedResourceName) with that resource's own tags (AllocatedTags, which FOCUS says never
repeat a key of Tags). Allocation rules, virtual tags and ``--by tag:KEY`` therefore read a
line's tag from AllocatedTags first, then Tags, and ``resource_id`` conditions see the
allocated resource: a cluster's cost lands with the teams whose workloads used it, by the
provider's own split, without a shared pool. Lines without split cost (AllocatedTags and
AllocatedResourceId null, every line of a 1.0–1.2 export) read exactly as before.

Source: FOCUS 1.3, "Provider-Calculated Split Cost Allocation Handling" and the AllocatedTags,
AllocatedResourceId columns (FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec).
"""

from __future__ import annotations

import ibis


def tag(lines: ibis.Table, key: str) -> ibis.StringValue:
    """A line's value of tag ``key``: its allocated resource's (split cost), else its own."""
    own = lines.tags.get(key)
    if "allocated_tags" not in lines.columns:
        return own
    return ibis.coalesce(lines.allocated_tags.get(key), own)


def allocated_resources(lines: ibis.Table) -> ibis.Table:
    """The lines with ``resource_id`` the allocated resource's where the provider split the
    charge (the origin resource stays in ``origin_resource_id``)."""
    if "allocated_resource_id" not in lines.columns:
        return lines
    return lines.mutate(
        origin_resource_id=lines.resource_id,
        resource_id=ibis.coalesce(lines.allocated_resource_id, lines.resource_id),
    )
