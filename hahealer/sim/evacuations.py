"""The evacuation pipeline: accepted, queued, scheduled, rebuilt, done.

How an evacuation's evacuate_seconds divide, in the proportions measured
on Nova 34 with its fake driver: nova-conductor and nova-scheduler find a
host while the migration record is 'accepted'; the destination claims the
instance ('pre-migrating') and rebuilds it through Nova's rebuild task
states; the rebuilt server then sits on the source host with no task until
the destination records the move ('done'). A server that ends stopped is
powered off in between, which takes stop_seconds.
"""

import collections
import dataclasses
import datetime

from hahealer.sim import errors
from hahealer.sim import model
from hahealer.sim import servers as servers_mod

_SCHEDULING_SHARE = 0.5
_REBUILD_SHARE = 0.4
_SETTLE_SHARE = 0.1
_REBUILD_TASK_STATES = (model.REBUILD_BLOCK_DEVICE_MAPPING,
                        model.REBUILD_SPAWNING)


@dataclasses.dataclass(eq=False)
class _Evacuation:
    """One accepted evacuation, from the queue to its end."""

    instance: model.Instance
    migration: model.Migration
    action: model.InstanceAction
    requested_host: str | None
    forced: bool
    stop_at_destination: bool
    dest: model.Host | None = None
    # What the faults make of it: None (it works), 'hang' or 'fail', and
    # how long it takes.
    outcome: str | None = None
    seconds: float = 0.0
    rebuild_started: datetime.datetime | None = None


class Evacuations:
    def __init__(self, inventory, work, services, servers, scheduler,
                 migrations, counters, faults):
        self._inventory = inventory
        self._work = work
        self._services = services
        self._servers = servers
        self._scheduler = scheduler
        self._migrations = migrations
        self._counters = counters
        self._faults = faults
        self._queued = collections.deque()
        self._running = set()

    def destinations(self):
        """Hosts chosen for rebuilds in progress."""
        return [job.dest.name for job in self._running if job.dest]

    def sizes(self):
        """(queued, in progress)."""
        return len(self._queued), len(self._running)

    def evacuate(self, ctx, server_id, host=None, forced=False,
                 stop_at_destination=False):
        """Accept an evacuation, checked in the order Nova checks.

        ``forced`` skips the scheduler's check of a named host (before
        2.29, or ``force`` in 2.29-2.67); ``stop_at_destination`` is the
        2.95 behaviour.
        """
        inventory = self._inventory
        with inventory.lock:
            instance = self._servers.get_server(ctx, server_id)
            if host is not None:
                try:
                    inventory.compute_host(host)
                except errors.NotFound:
                    raise errors.NotFound(
                        'Compute host %s not found.' % host) from None
            if instance.host == host:
                raise errors.BadRequest(
                    "The target host can't be the same one.")
            servers_mod.check_state(instance, 'evacuate',
                                    (model.ACTIVE, model.STOPPED,
                                     model.ERROR))
            source = inventory.hosts.get(instance.host)
            if source is None or source.vanished:
                # Nova looks the source service up without catching this.
                raise errors.UnexpectedError(
                    'nova.exception.ComputeHostNotFound')
            if self._services.service_is_up(source.compute):
                raise errors.BadRequest(
                    'Compute service of %s is still in use.' % source.name)
            instance.task_state = model.REBUILDING
            servers_mod.touch(instance)
            action = self._servers.record_action(ctx, instance, 'evacuate')
            migration = self._migrations.new_evacuation(ctx, instance,
                                                        source, host)
            self._counters.evacuation('accepted')
            self._queued.append(_Evacuation(instance, migration, action,
                                            host, forced,
                                            stop_at_destination))
            self._start_queued()

    def _start_queued(self):
        limit = self._inventory.rules.max_concurrent_evacuations
        while self._queued and (limit <= 0 or len(self._running) < limit):
            self._start(self._queued.popleft())
        self._counters.evacuations_in_progress(len(self._running))

    def _start(self, job):
        """A slot is free: nova-conductor asks the scheduler for a host."""
        self._running.add(job)
        self._counters.evacuation('started')
        job.outcome = self._faults.evacuation_outcome(job.instance.uuid)
        job.seconds = self._faults.evacuation_seconds(
            self._inventory.rules.evacuate_seconds)
        if job.outcome == 'hang':
            self._counters.evacuation('hung')
        self._work.later(job.seconds * _SCHEDULING_SHARE,
                         lambda: self._schedule(job))

    def _end(self, job, outcome):
        self._running.discard(job)
        self._counters.evacuation(outcome)
        self._start_queued()

    def _schedule(self, job):
        """The conductor's part: pick the destination, send it the work."""
        instance, migration = job.instance, job.migration
        controller = self._inventory.controller
        if job.forced:
            dest, refusal = self._inventory.hosts[job.requested_host], None
        else:
            dest, refusal = self._scheduler.pick(exclude=instance.host,
                                                only=job.requested_host)
        if dest is None:
            migration.status = 'error'
            migration.updated_at = model.utcnow()
            servers_mod.set_error(instance, refusal)
            servers_mod.finish_action(job.action, 'rebuild_server',
                                      controller, ok=False)
            self._end(job, 'failed')
            return
        job.dest = dest
        servers_mod.finish_action(job.action, 'rebuild_server', controller)
        # A cast: if the destination is down, the work waits for it.
        self._work.cast(dest, 0, lambda: self._claim(job))

    def _claim(self, job):
        """The destination claims the instance and rebuilds it."""
        instance, migration, dest = job.instance, job.migration, job.dest
        now = model.utcnow()
        migration.status = 'pre-migrating'
        migration.dest_compute = dest.name
        migration.dest_node = dest.name
        migration.dest_host = dest.host_ip
        migration.updated_at = now
        job.rebuild_started = now
        # The destination's hypervisor has no guest for it yet.
        instance.power_state = model.NOSTATE
        servers_mod.touch(instance)
        if job.outcome == 'hang':
            return
        steps = list(_REBUILD_TASK_STATES)
        step_seconds = (job.seconds * _REBUILD_SHARE
                        / (len(steps) + 1))

        def advance():
            if steps:
                instance.task_state = steps.pop(0)
                servers_mod.touch(instance)
                self._on_destination(job, step_seconds, advance)
            else:
                self._spawned(job)
        self._on_destination(job, step_seconds, advance)

    def _on_destination(self, job, seconds, step):
        """A step of the rebuild; the work dies with the destination."""
        def guarded():
            if job.dest.alive:
                step()
            else:
                self._end(job, 'stranded')
        self._work.later(seconds, guarded)

    def _spawned(self, job):
        """The guest runs on the destination; the server is still the
        source host's until the destination records the move."""
        instance, migration = job.instance, job.migration
        if job.outcome == 'fail':
            migration.status = 'failed'
            migration.updated_at = model.utcnow()
            servers_mod.set_error(instance, 'Evacuation failed on %s '
                                  '(injected fault).' % job.dest.name)
            servers_mod.finish_action(job.action, 'compute_rebuild_instance',
                                      job.dest.name, ok=False,
                                      started=job.rebuild_started)
            self._end(job, 'failed')
            return
        # Nova keeps a stopped instance stopped and, from 2.95, stops an
        # active one; an instance in error is rebuilt to active.
        ends_stopped = instance.vm_state == model.STOPPED or (
            job.stop_at_destination and instance.vm_state != model.ERROR)
        now = model.utcnow()
        instance.vm_state = model.ACTIVE
        instance.task_state = None
        instance.power_state = model.RUNNING
        instance.launched_at = now
        instance.fault = None
        servers_mod.touch(instance)
        settle = job.seconds * _SETTLE_SHARE
        if not ends_stopped:
            self._on_destination(job, settle, lambda: self._finish(job))
            return
        instance.task_state = model.POWERING_OFF

        def stopped():
            instance.vm_state = model.STOPPED
            instance.task_state = None
            instance.power_state = model.SHUTDOWN
            servers_mod.touch(instance)
            servers_mod.finish_action(job.action, 'compute_stop_instance',
                                      job.dest.name, started=now)
            self._on_destination(job, settle, lambda: self._finish(job))
        self._on_destination(job, self._inventory.rules.stop_seconds,
                             stopped)

    def _finish(self, job):
        """The destination records the move: host changed, record done."""
        instance, migration, dest = job.instance, job.migration, job.dest
        source = self._inventory.hosts[instance.host]
        if not source.alive:
            source.leftover_guests.add(instance.uuid)
        now = model.utcnow()
        instance.host = dest.name
        instance.updated_at = now
        migration.status = 'done'
        migration.updated_at = now
        servers_mod.finish_action(job.action, 'compute_rebuild_instance',
                                  dest.name, started=job.rebuild_started)
        self._end(job, 'finished')
