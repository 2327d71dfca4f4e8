"""Helpers that act on a host's nova-compute service for several tasks."""

from hahealer.conf import CONF


def request_disable(task, host_name, reason):
    """Disable ``host_name``'s nova-compute; return once Nova shows it.

    The request runs in the background: Nova stores the change before it
    calls the host, and for a dead host that Nova still believes up the
    answer only comes after Nova's RPC timeout (about a minute). Polling
    the service list sees the change at once. Returns False when the
    service was already disabled.
    """
    nova = task.nova
    if nova.get_compute_service(host_name).disabled:
        return False
    request = task.resources.background.submit(
        nova.disable_service, host_name, reason, retry=False)

    def disabled():
        if request.done() and request.exception() is not None:
            raise request.exception()
        return nova.get_compute_service(host_name).disabled

    task.wait_until(disabled, CONF.wait_period_after_service_update,
                    f'Nova to show nova-compute of host {host_name} '
                    f'disabled')
    return True
