"""evacuate_instances_task: the failed host's instances, each moved by
its own pipeline (hahealer.tasks.instance_move), in parallel."""

import logging
from concurrent import futures

from hahealer import exception
from hahealer.conf import CONF
from hahealer.tasks import base
from hahealer.tasks import instance_locks
from hahealer.tasks import instance_move
from hahealer.tasks import reserved_hosts

LOG = logging.getLogger(__name__)


class EvacuateInstancesTask(base.HealerTask):
    """Evacuate the chosen instances, in parallel, each to its former state.

    An instance is locked during its move (unless its user locked it) and
    unlocked after; the error names every instance that could not be
    saved, while the others stay recovered.
    """

    def execute(self, host_name, instance_list, reserved_host=None,
                target_states=None):
        if reserved_host:
            reserved_hosts.take(self, host_name, reserved_host)
        self._force_down_other_failed_hosts(host_name)
        self.update_details(
            f"Start evacuation of instances from failed host "
            f"'{host_name}', instance uuids are: "
            f"'{','.join(instance_list)}'", 0.4)
        notification = self.resources.database.get_notification(
            self.context.notification_uuid)
        since = instance_move.recovery_start(notification)
        records = instance_move.HostRecords(self.nova, host_name)
        targets = target_states or {}
        threads = max(1, min(CONF.host_failure_recovery_threads,
                             len(instance_list)))
        failed = {}
        try:
            with futures.ThreadPoolExecutor(
                    threads, thread_name_prefix='hahealer-evacuate') as pool:
                jobs = {pool.submit(self._save_instance, server_id,
                                    host_name, reserved_host, since, records,
                                    targets.get(server_id)): server_id
                        for server_id in instance_list}
                for job in futures.as_completed(jobs):
                    error = job.result()
                    if error is not None:
                        failed[jobs[job]] = error
        finally:
            # Only once every pipeline ended: a resumed run would race it.
            instance_locks.release_late_locks(self)
        self._report(host_name, instance_list, failed)

    def _save_instance(self, server_id, host_name, target_host, since,
                       records, target_state):
        with self.resources.evacuation_slots:
            move = instance_move.InstanceMove(
                self, server_id, host_name, target_host, since, records)
            return move.run(target_state)

    def _force_down_other_failed_hosts(self, host_name):
        """When several hosts fail together, none may receive instances:
        force every one down before evacuating from any."""
        if CONF.host_failure.quick_evacuate_level == 3:
            return
        others = self.resources.database.open_host_failures() - {host_name}
        for other in sorted(others):
            try:
                if not self.nova.get_compute_service(other).forced_down:
                    self.nova.force_down_service(other)
                    self.update_details(
                        f"Forced down host '{other}', which failed too, so "
                        f"that no instance is sent there", 0.35)
            except exception.ComputeError as exc:
                LOG.warning('Could not force down failed host %s: %s',
                            other, exc.message)

    def _report(self, host_name, instance_list, failed):
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
