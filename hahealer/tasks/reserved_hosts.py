"""Reserved hosts: spare compute hosts a segment keeps for failures.

A spare is claimed for one recovery under a shared lock and a database
compare-and-set, then enabled (and added to the failed host's aggregate
when so configured) so that Nova accepts instances on it.
"""

from hahealer import exception
from hahealer.conf import CONF

RESERVED_HOSTS_LOCK = 'hahealer-reserved-hosts'


def take(task, host_name, reserved_host):
    """Claim ``reserved_host`` for this recovery and open it to instances."""
    inventory = task.resources.database
    with task.resources.locks.lock(RESERVED_HOSTS_LOCK):
        if not inventory.claim_reserved_host(
                reserved_host, task.context.notification_uuid):
            message = (f"Reserved host '{reserved_host}' is no longer "
                       f"available (taken by another recovery or on "
                       f"maintenance)")
            task.update_details(message, 0.1)
            raise exception.RecoveryFailed(reason=message)
    task.update_details(f"Enabling reserved host: '{reserved_host}'",
                        0.1)
    if CONF.host_failure.add_reserved_host_to_aggregate:
        _join_aggregate(task, host_name, reserved_host)
    service = task.nova.get_compute_service(reserved_host)
    if service.disabled:
        task.nova.enable_service(reserved_host)


def _join_aggregate(task, host_name, reserved_host):
    for aggregate in task.nova.list_aggregates():
        if host_name not in aggregate.hosts:
            continue
        if reserved_host in aggregate.hosts:
            task.update_details(
                f"Host '{reserved_host}' already has been added to "
                f"aggregate '{aggregate.name}'.", 0.2)
        else:
            task.nova.add_host_to_aggregate(aggregate, reserved_host)
            task.update_details(
                f"Added host {reserved_host} to aggregate "
                f"{aggregate.name}", 0.2)
        # Operators put a compute host in one aggregate in practice;
        # joining the first one keeps the behaviour predictable.
        return
