"""Recovery from the failure of a whole compute host.

Three steps: take the host out of service (fence it, force its service
down, disable it; see [host_failure] quick_evacuate_level), choose the
instances to save, evacuate them to hosts Nova's scheduler picks or to a
reserved host of the host's segment.
"""

import logging
import time

from hahealer import exception
from hahealer.conf import CONF
from hahealer.tasks import base
from hahealer.tasks import fencing
from hahealer.tasks import keys
from hahealer.tasks import services

LOG = logging.getLogger(__name__)

RECOVERABLE_VM_STATES = ('active', 'stopped', 'error')
# Nova's power_state for a running guest.
POWER_RUNNING = 1


class DisableComputeServiceTask(base.HealerTask):
    """Take the failed host out of service so Nova accepts evacuations."""

    def execute(self, host_name, host_fenced=False):
        level = CONF.host_failure.quick_evacuate_level
        reason = CONF.host_failure.service_disable_reason
        self.update_details(
            f"Disabling compute service on host: '{host_name}'")
        if level == 3:
            self._wait_for_nova_to_notice(host_name, reason)
        else:
            if level == 2 and not host_fenced:
                fencing.fence_host(self, host_name)
            self._force_down(host_name, reason)
        self.update_details(
            f"Disabled compute service on host: '{host_name}'", 1.0)

    def _force_down(self, host_name, reason):
        service = self.nova.get_compute_service(host_name)
        if service.forced_down and service.disabled:
            return
        if service.forced_down:
            self.nova.disable_service(host_name, reason)
            return
        # Both in one request: forced down, Nova disables the service
        # without calling the dead host.
        self.nova.take_out_of_service(service, reason)
        self.update_details(
            f"Forced the compute service of host '{host_name}' down", 0.7)

    def _wait_for_nova_to_notice(self, host_name, reason):
        services.request_disable(self, host_name, reason)
        self.update_details(
            f"Waiting for Nova to report the compute service of host "
            f"'{host_name}' down", 0.5)
        self.wait_until(
            lambda: self.nova.get_compute_service(host_name).down,
            CONF.wait_period_after_service_update,
            f'Nova to report nova-compute of host {host_name} down',
            failure=f'Nova still reports the compute service of host '
                    f'{host_name} up; evacuation would be refused')


def _priority(server):
    key = CONF.host_failure.priority_metadata_key
    try:
        return int(server.metadata.get(key, 0))
    except (TypeError, ValueError):
        return 0


def target_state(server):
    """The vm_state an instance must end in after evacuation."""
    if server.vm_state in RECOVERABLE_VM_STATES:
        return server.vm_state
    if server.vm_state == 'resized' and server.power_state == POWER_RUNNING:
        return 'active'
    return 'stopped'


class PrepareHAEnabledInstancesTask(base.HealerTask):
    """Choose the failed host's instances to evacuate, in order."""

    default_provides = {keys.INSTANCE_LIST, keys.TARGET_STATES}

    def execute(self, host_name):
        self.update_details('Preparing instances for evacuation')
        servers = self.nova.list_servers(host_name)
        read_at = time.monotonic()
        self.context.listed_servers.update(
            (server.id, (server, read_at)) for server in servers)
        self.update_details(
            f"Total instances running on failed host '{host_name}' is "
            f"{len(servers)}", 0.3)
        chosen = self._choose(servers)
        targets = {server.id: target_state(server) for server in chosen}
        ids = [server.id for server in chosen]
        # An earlier attempt's moves that did not end (an evacuation it
        # stopped waiting for, say) go on: their instances may have left
        # the host since, and still need their state and their lock seen to.
        for vmove in self.resources.database.list_vmoves(
                self.context.notification_uuid):
            if (vmove['source_host'] == host_name
                    and vmove['status'] not in ('succeeded', 'ignored')
                    and vmove['instance_uuid'] not in targets):
                ids.append(vmove['instance_uuid'])
                targets[vmove['instance_uuid']] = vmove['target_state']
        if not ids:
            message = (f"Skipped host '{host_name}' recovery as no "
                       f"instances needs to be evacuated")
            self.update_details(message, 1.0)
            raise exception.SkipRecovery(reason=message)
        self.update_details(
            f"Instances to be evacuated are: '{','.join(ids)}'", 1.0)
        return {keys.INSTANCE_LIST: ids, keys.TARGET_STATES: targets}

    def _choose(self, servers):
        options = CONF.host_failure
        key = options.ha_enabled_instance_metadata_key
        ha_enabled, others = [], []
        for server in servers:
            enabled = server.metadata_flag(key)
            if (options.ignore_instances_in_error_state
                    and server.vm_state == 'error'):
                if enabled:
                    self.update_details(
                        f"Ignoring recovery of HA-enabled instance "
                        f"'{server.id}' as it is in 'error' state.", 0.4)
                continue
            (ha_enabled if enabled else others).append(server)
        self.update_details(
            f"Total HA-enabled instances count: '{len(ha_enabled)}'", 0.6)
        ha_enabled.sort(key=_priority, reverse=True)
        if not options.evacuate_all_instances:
            return ha_enabled
        others.sort(key=_priority, reverse=True)
        self.update_details(
            f"Total non-HA-enabled instances count: '{len(others)}'; all "
            f"instances are considered for evacuation, total count is: "
            f"'{len(ha_enabled) + len(others)}'", 0.8)
        return ha_enabled + others


class UnfenceHostTask(base.HealerTask):
    """Put a recovered host that started again back in Nova's hands.

    Nova refuses to lift the forced-down flag while evacuation records of
    the host are still to be cleaned up by its compute service, which it
    does as it starts: the task retries until Nova accepts. The service
    stays disabled and the host on maintenance for the operator, unless
    [host_failure] enable_on_start is set.
    """

    def execute(self, host_name):
        if self.nova.get_compute_service(host_name).forced_down:
            self.update_details(
                f"Lifting the forced-down flag of the compute service of "
                f"host '{host_name}'")
            self.wait_until(
                lambda: self._lift_force_down(host_name),
                CONF.wait_period_after_service_update,
                f'Nova to accept nova-compute of host {host_name} up',
                failure=f'Nova still refuses to lift the forced-down flag '
                        f'of host {host_name}')
        if not CONF.host_failure.enable_on_start:
            self.update_details(
                f"Host '{host_name}' is back; its compute service stays "
                f"disabled and the host on maintenance until an operator "
                f"enables them", 1.0)
            return
        self.nova.enable_service(host_name)
        self.resources.database.update_host(host_name,
                                             on_maintenance=False)
        self.update_details(
            f"Enabled the compute service of host '{host_name}' and took "
            f"it off maintenance", 1.0)

    def _lift_force_down(self, host_name):
        try:
            self.nova.force_down_service(host_name, down=False)
        except (exception.ComputeBadRequest, exception.ComputeConflict) as exc:
            LOG.info('Nova does not accept host %s up yet: %s', host_name,
                     exc.message)
            return False
        return True
