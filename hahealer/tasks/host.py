"""Recovery from the failure of a whole compute host.

Three steps: take the host out of service (fence it, force its service
down, disable it; see [host_failure] quick_evacuate_level), choose the
instances to save, evacuate them to hosts Nova's scheduler picks or to a
reserved host of the host's segment.
"""

import logging
from concurrent import futures

from hahealer import exception
from hahealer import metrics
from hahealer.conf import CONF
from hahealer.tasks import base
from hahealer.tasks import fencing
from hahealer.tasks import keys
from hahealer.tasks import services

LOG = logging.getLogger(__name__)

RECOVERABLE_VM_STATES = ('active', 'stopped', 'error')
#: statuses of a Nova migration record that end an evacuation unsuccessfully
EVACUATION_FAILED = ('error', 'failed')
# Nova's power_state for a running guest.
POWER_RUNNING = 1
RESERVED_HOSTS_LOCK = 'hahealer-reserved-hosts'


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
        # Forced down first: Nova then disables without calling the host.
        service = self.nova.get_compute_service(host_name)
        if not service.forced_down:
            self.nova.force_down_service(host_name)
            self.update_details(
                f"Forced the compute service of host '{host_name}' down",
                0.7)
        if not service.disabled:
            self.nova.disable_service(host_name, reason)

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


def _target_state(server):
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
        self.update_details(
            f"Total instances running on failed host '{host_name}' is "
            f"{len(servers)}", 0.3)
        chosen = self._choose(servers)
        if not chosen:
            message = (f"Skipped host '{host_name}' recovery as no "
                       f"instances needs to be evacuated")
            self.update_details(message, 1.0)
            raise exception.SkipRecovery(reason=message)
        ids = [server.id for server in chosen]
        self.update_details(
            f"Instances to be evacuated are: '{','.join(ids)}'", 1.0)
        return {keys.INSTANCE_LIST: ids,
                keys.TARGET_STATES: {server.id: _target_state(server)
                                     for server in chosen}}

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


class EvacuateInstancesTask(base.HealerTask):
    """Evacuate the chosen instances, in parallel, each to its former state.

    Every instance is locked during its move (unless its user locked it)
    and always unlocked after; one that fails is retried once; the error
    names every instance that could not be saved, while the others stay
    recovered.
    """

    def execute(self, host_name, instance_list, reserved_host=None,
                target_states=None):
        if reserved_host:
            self._take_reserved_host(host_name, reserved_host)
        self.update_details(
            f"Start evacuation of instances from failed host "
            f"'{host_name}', instance uuids are: "
            f"'{','.join(instance_list)}'", 0.4)
        targets = target_states or {}
        threads = max(1, min(CONF.host_failure_recovery_threads,
                             len(instance_list)))
        failed = {}
        with futures.ThreadPoolExecutor(
                threads, thread_name_prefix='hahealer-evacuate') as pool:
            jobs = {pool.submit(self._save_instance, server_id, host_name,
                                reserved_host, targets.get(server_id)):
                    server_id for server_id in instance_list}
            for job in futures.as_completed(jobs):
                error = job.result()
                if error is not None:
                    failed[jobs[job]] = error
        saved = sorted(set(instance_list) - set(failed))
        if saved:
            self.update_details(
                f"Successfully evacuated instances '{','.join(saved)}' "
                f"from host '{host_name}'", 0.9)
        if failed:
            reasons = '; '.join(f'{server_id}: {failed[server_id]}'
                                for server_id in sorted(failed))
            message = (f"Failed to evacuate instances "
                       f"'{','.join(sorted(failed))}' from host "
                       f"'{host_name}': {reasons}")
            self.update_details(message, 1.0)
            raise exception.RecoveryFailed(reason=message)
        self.update_details('Evacuation process completed!', 1.0)

    # --- reserved hosts ---------------------------------------------------

    def _take_reserved_host(self, host_name, reserved_host):
        inventory = self.resources.inventory
        with self.resources.locks.lock(RESERVED_HOSTS_LOCK):
            if not inventory.claim_reserved_host(
                    reserved_host, self.context.notification_uuid):
                message = (f"Reserved host '{reserved_host}' is no longer "
                           f"available (taken by another recovery or on "
                           f"maintenance)")
                self.update_details(message, 0.1)
                raise exception.RecoveryFailed(reason=message)
        self.update_details(f"Enabling reserved host: '{reserved_host}'",
                            0.1)
        if CONF.host_failure.add_reserved_host_to_aggregate:
            self._join_aggregate(host_name, reserved_host)
        service = self.nova.get_compute_service(reserved_host)
        if service.disabled:
            self.nova.enable_service(reserved_host)

    def _join_aggregate(self, host_name, reserved_host):
        for aggregate in self.nova.list_aggregates():
            if host_name not in aggregate.hosts:
                continue
            if reserved_host in aggregate.hosts:
                self.update_details(
                    f"Host '{reserved_host}' already has been added to "
                    f"aggregate '{aggregate.name}'.", 0.2)
            else:
                self.nova.add_host_to_aggregate(aggregate, reserved_host)
                self.update_details(
                    f"Added host {reserved_host} to aggregate "
                    f"{aggregate.name}", 0.2)
            # Operators put a compute host in one aggregate in practice;
            # joining the first one keeps the behaviour predictable.
            return

    # --- one instance -----------------------------------------------------

    def _save_instance(self, server_id, host_name, target_host,
                       target_state):
        """Evacuate one instance, retrying once; return None or the error."""
        with self.resources.evacuation_slots:
            for attempt in (1, 2):
                try:
                    self._evacuate_and_confirm(server_id, host_name,
                                               target_host, target_state)
                    metrics.EVACUATIONS.labels('succeeded').inc()
                    return None
                except (exception.RecoveryFailed,
                        exception.ComputeError) as exc:
                    if attempt == 2:
                        metrics.EVACUATIONS.labels('failed').inc()
                        return exc.message
                    self.update_details(
                        f"Evacuation of instance '{server_id}' failed "
                        f"({exc.message}); trying once more", 0.5)

    def _lock_reason(self, host_name):
        return (f'hahealer: evacuating from failed host {host_name} '
                f'(notification {self.context.notification_uuid})')

    def _evacuate_and_confirm(self, server_id, host_name, target_host,
                              target_state):
        server = self.nova.get_server(server_id)
        target_state = target_state or _target_state(server)
        lock_reason = self._lock_reason(host_name)
        # A lock with our reason is ours, from a run before a restart; any
        # other lock is the user's and stays as it is.
        ours = server.locked and server.locked_reason == lock_reason
        if not server.locked:
            self.nova.lock_server(server_id, lock_reason)
            ours = True
        try:
            if server.host == host_name:
                self._evacuate(server, target_host, target_state)
            self._confirm(server_id, host_name, target_state)
        finally:
            if ours:
                self.nova.unlock_server(server_id)

    def _evacuate(self, server, target_host, target_state):
        if (server.vm_state not in RECOVERABLE_VM_STATES
                or server.task_state is not None):
            # Nova evacuates only stable active, stopped or error instances.
            self.nova.reset_server_state(server.id, 'error')
        boot = target_state == 'active' or not self.nova.evacuate_keeps_stopped
        self.update_details(
            f"Evacuation of instance started: '{server.id}'", 0.5)

        refusals = []

        def accepted():
            try:
                self.nova.evacuate_server(server.id, target_host, boot=boot)
            except exception.ComputeBadRequest as exc:
                # Nova refuses while it still believes the source host up;
                # that ends when the service is forced down or times out.
                if 'still in use' in exc.message:
                    refusals[:] = [exc.message]
                    return False
                raise
            return True

        try:
            self.wait_until(
                accepted, CONF.wait_period_after_service_update,
                f'Nova to accept the evacuation of instance {server.id}')
        except exception.RecoveryFailed as exc:
            if not refusals:
                raise
            # Name Nova's refusal, in its own words.
            raise exception.RecoveryFailed(
                reason=f'{exc.message}; last answer: {refusals[0]}'
            ) from exc

    def _confirm(self, server_id, host_name, target_state):
        def arrived():
            server = self.nova.get_server(server_id)
            if server.task_state is not None:
                return None
            if server.host == host_name:
                # Settled on the failed host: not started yet, or failed.
                status = self.nova.evacuation_status(server_id)
                if status in EVACUATION_FAILED:
                    raise exception.RecoveryFailed(
                        reason=f'Nova reports the evacuation of instance '
                               f'{server_id} {status}')
                return None
            if server.vm_state == 'error' and target_state != 'error':
                raise exception.RecoveryFailed(
                    reason=f'instance {server_id} went to error on host '
                           f'{server.host}')
            return server

        server = self.wait_until(
            arrived, CONF.wait_period_after_evacuation,
            f'instance {server_id} to arrive on another host')
        if target_state == 'stopped' and server.vm_state != 'stopped':
            self.nova.stop_server(server_id)
            self.wait_until(
                lambda: self.nova.get_server(server_id).vm_state
                == 'stopped',
                CONF.wait_period_after_power_off,
                f'evacuated instance {server_id} to stop')
        elif target_state == 'error' and server.vm_state != 'error':
            self.nova.reset_server_state(server_id, 'error')
        self.update_details(
            f"Instance '{server_id}' is on host '{server.host}' in state "
            f"'{target_state}'", 0.8)


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
        self.resources.inventory.update_host(host_name,
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
