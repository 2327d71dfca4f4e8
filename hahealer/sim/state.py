"""The emulated cloud and the rules Nova applies to it.

Everything here is guarded by ``Cloud.lock`` (re-entrant): the HTTP layer
holds it while it reads objects and formats them, and every delayed
effect (a timer callback) takes it before touching anything.

Time has two clocks: ``time.monotonic()`` decides when a service is down
or an action is due; UTC wall time is what the API shows.
"""

import collections
import dataclasses
import datetime
import itertools
import threading
import time
import uuid

from hahealer.sim import errors
from hahealer.sim import model

# Evacuation migration statuses that a compute service cleans up (moves to
# 'completed') when it starts again on the source host.
_CLEANED_AT_START = ('accepted', 'pre-migrating', 'done')
# Nova's NoValidHost, with no reason when Placement offers no host at all.
NO_VALID_HOST = 'No valid host was found. %s'
NOT_ENOUGH_HOSTS = 'There are not enough hosts available.'
# How an evacuation's evacuate_seconds divide, in the proportions measured
# on Nova 34 with its fake driver: nova-conductor and nova-scheduler find a
# host while the migration record is 'accepted'; the destination claims
# the instance ('pre-migrating') and rebuilds it through Nova's rebuild
# task states; the rebuilt server then sits on the source host with no
# task until the destination records the move ('done'). A server that
# ends stopped is powered off in between, which takes stop_seconds.
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


class Cloud:
    """Hosts, services, servers and migrations, with Nova's rules."""

    def __init__(self, rules, timers, counters, faults, rng,
                 controller='controller'):
        self.lock = threading.RLock()
        self.rules = rules
        # Where nova-conductor and nova-scheduler run.
        self.controller = controller
        self.flavors = model.default_flavors()
        self.images = model.default_images()
        self._timers = timers
        self._counters = counters
        self._faults = faults
        self._rng = rng
        self._ids = collections.defaultdict(lambda: itertools.count(1))
        self._hosts = {}
        self._instances = {}
        self._migrations = []
        self._actions = collections.defaultdict(list)
        self._aggregates = {}
        self._queued = collections.deque()
        self._running = set()
        # Nova's control-plane services, always up, never updatable.
        self._controller_services = [
            self._new_service(binary, controller)
            for binary in ('nova-conductor', 'nova-scheduler')]

    # --- inventory -----------------------------------------------------------

    def _new_service(self, binary, host):
        return model.Service(next(self._ids['service']),
                             str(uuid.uuid4()), binary, host)

    def add_host(self, name, alive=True):
        with self.lock:
            if name in self._hosts:
                raise errors.Conflict('Host %s already exists.' % name)
            number = next(self._ids['hypervisor'])
            host = model.Host(name, self._new_service('nova-compute', name),
                              number, str(uuid.uuid4()),
                              '192.0.2.%d' % (number % 254 + 1))
            self._hosts[name] = host
            if not alive:
                self._stop_heartbeat(host)
            return host

    def add_aggregate(self, name, hosts=(), availability_zone=None,
                      metadata=None):
        with self.lock:
            for host in hosts:
                self._compute_host(host)
            metadata = dict(metadata or {})
            if availability_zone:
                metadata['availability_zone'] = availability_zone
            aggregate = model.Aggregate(
                next(self._ids['aggregate']), str(uuid.uuid4()), name,
                availability_zone, list(hosts), metadata, model.utcnow())
            self._aggregates[aggregate.id] = aggregate
            return aggregate

    def seed_server(self, host, name, project_id, vm_state=model.ACTIVE,
                    metadata=None, locked=False, flavor_id='1'):
        """Add a server that has been running on ``host`` for a while."""
        with self.lock:
            self._compute_host(host)
            if vm_state not in model.SEEDABLE_VM_STATES:
                raise ValueError(
                    'vm_state %r cannot be seeded; choose one of %s'
                    % (vm_state, ', '.join(model.SEEDABLE_VM_STATES)))
            if flavor_id not in self.flavors:
                raise ValueError('flavor %r does not exist; choose one of %s'
                                 % (flavor_id, ', '.join(self.flavors)))
            now = model.utcnow()
            instance = model.Instance(
                next(self._ids['instance']), str(uuid.uuid4()), name,
                project_id, project_id + '-user',
                self.flavors[flavor_id], model.DEFAULT_IMAGE_ID, host,
                vm_state, model.SEEDABLE_VM_STATES[vm_state], now, now,
                metadata=dict(metadata or {}), launched_at=now,
                locked_by='admin' if locked else None)
            self._instances[instance.uuid] = instance
            return instance

    # --- hosts and their compute services ------------------------------------

    def _known_host(self, name):
        try:
            return self._hosts[name]
        except KeyError:
            raise errors.NotFound(
                'Host %s is not known to the emulator.' % name) from None

    def _compute_host(self, name):
        """The host as Nova sees it: one that has a compute service."""
        host = self._hosts.get(name)
        if host is None or host.vanished:
            raise errors.NotFound(
                'Compute host %s could not be found.' % name)
        return host

    def hosts(self):
        with self.lock:
            return list(self._hosts.values())

    def _reporting(self, host):
        """Whether the host's compute service sends heartbeats now."""
        return host.alive and time.monotonic() >= host.first_heartbeat_at

    def _beat_age(self, host):
        """Seconds since a reporting service's latest heartbeat."""
        interval = self.rules.report_interval
        if interval <= 0:
            return 0.0
        return (time.monotonic() - host.first_heartbeat_at) % interval

    def _stop_heartbeat(self, host):
        # Killed before its first heartbeat, the last one is older still.
        if self._reporting(host):
            age = self._beat_age(host)
            host.silent_since = time.monotonic() - age
            host.last_heartbeat = model.utcnow() - datetime.timedelta(
                seconds=age)
        host.alive = False
        host.disabled_trait = host.compute.disabled

    def kill_host(self, name):
        """The compute service stops; its instances stay where they are."""
        with self.lock:
            host = self._known_host(name)
            if host.alive:
                self._stop_heartbeat(host)

    def revive_host(self, name):
        """The compute service starts again, as nova-compute does."""
        with self.lock:
            host = self._known_host(name)
            host.vanished = False
            if host.alive:
                return
            host.alive = True
            # Nova shows the service down until this first heartbeat,
            # unless the last one before it died is recent enough.
            host.first_heartbeat_at = (time.monotonic()
                                       + self.rules.initial_reporting_delay)
            self._destroy_evacuated_guests(host)
            parked, host.parked = host.parked, []
            for seconds, step in parked:
                self._cast(host, seconds, step)

    def vanish_host(self, name):
        """The host's services disappear from Nova's service records."""
        with self.lock:
            self._known_host(name).vanished = True

    def _evacuations_from(self, host_name, statuses):
        return [m for m in self._migrations
                if m.migration_type == 'evacuation'
                and m.source_compute == host_name and m.status in statuses]

    def _destroy_evacuated_guests(self, host):
        # What nova-compute does at start-up: remove the guests of
        # instances evacuated away and complete their migration records.
        host.leftover_guests.clear()
        now = model.utcnow()
        for migration in self._evacuations_from(host.name,
                                                _CLEANED_AT_START):
            migration.status = 'completed'
            migration.updated_at = now

    def service_is_up(self, service):
        if service.forced_down:
            return False
        if service.binary != 'nova-compute':
            return True
        host = self._hosts[service.host]
        if self._reporting(host):
            return True
        return (time.monotonic() - host.silent_since
                <= self.rules.service_down_time)

    def host_status(self, instance):
        """Nova's host_status of a server: UP, DOWN, MAINTENANCE, UNKNOWN.

        Empty when the server has no host Nova knows.
        """
        host = self._hosts.get(instance.host)
        if host is None or host.vanished:
            return ''
        if host.compute.forced_down:
            return 'DOWN'
        if host.compute.disabled:
            return 'MAINTENANCE'
        return 'UP' if self.service_is_up(host.compute) else 'UNKNOWN'

    def last_heartbeat(self, service):
        if service.binary == 'nova-compute':
            host = self._hosts[service.host]
            if not self._reporting(host):
                return host.last_heartbeat
            return model.utcnow() - datetime.timedelta(
                seconds=self._beat_age(host))
        return model.utcnow()

    def zone_of(self, host_name):
        for aggregate in self._aggregates.values():
            if aggregate.availability_zone and host_name in aggregate.hosts:
                return aggregate.availability_zone
        return model.DEFAULT_ZONE

    def service_zone(self, service):
        if service.binary == 'nova-compute':
            return self.zone_of(service.host)
        return model.INTERNAL_ZONE

    # --- services ------------------------------------------------------------

    def services(self, host=None, binary=None):
        with self.lock:
            found = self._controller_services + [
                h.compute for h in self._hosts.values() if not h.vanished]
            found.sort(key=lambda s: s.id)
            return [s for s in found
                    if (not host or s.host == host)
                    and (not binary or s.binary == binary)]

    def service_by_host_and_binary(self, host, binary):
        with self.lock:
            found = self.services(host=host, binary=binary)
            if not found:
                raise errors.NotFound('Could not find binary %s on host %s.'
                                      % (binary, host))
            return found[0]

    def service_by_uuid(self, service_uuid):
        with self.lock:
            for service in self.services():
                if service.uuid == service_uuid:
                    return service
            raise errors.NotFound(
                'Service %s could not be found.' % service_uuid)

    def set_service_status(self, service, disabled, reason=None):
        """Enable or disable; returns the seconds the API call blocks.

        Like Nova, a change reaches the compute host over RPC when the
        service looks up; if that host is in fact dead the call only
        returns after the RPC timeout.
        """
        with self.lock:
            service.disabled = disabled
            service.disabled_reason = reason if disabled else None
            if (service.binary == 'nova-compute'
                    and self.service_is_up(service)
                    and not self._hosts[service.host].alive):
                return self.rules.rpc_timeout
            return 0.0

    def set_forced_down(self, service, forced_down):
        with self.lock:
            if service.binary == 'nova-compute' and not forced_down:
                self._refuse_force_up_after_evacuation(service.host)
            service.forced_down = forced_down

    def _refuse_force_up_after_evacuation(self, host_name):
        if self._evacuations_from(host_name, ('done',)):
            raise errors.BadRequest(
                'Unable to force up host %s as `done` evacuation migration '
                'records remain associated with the host. Ensure the '
                'compute service has been restarted, allowing these records '
                'to move to `completed` before retrying this request.'
                % host_name)

    # --- hypervisors ---------------------------------------------------------

    def hypervisors(self, pattern=None):
        with self.lock:
            return [h for h in self._hosts.values()
                    if not h.vanished and (not pattern or pattern in h.name)]

    def hypervisor(self, hypervisor_id):
        with self.lock:
            for host in self.hypervisors():
                if hypervisor_id in (str(host.hypervisor_id),
                                     host.hypervisor_uuid):
                    return host
            raise errors.NotFound(
                'Hypervisor with ID %s could not be found.' % hypervisor_id)

    def instances_on(self, host_name):
        with self.lock:
            return [i for i in self._instances.values()
                    if i.host == host_name]

    def running_guests(self, host):
        """Guests the host's hypervisor runs, leftovers included."""
        with self.lock:
            return len(self.instances_on(host.name)) + len(
                host.leftover_guests)

    # --- servers: reading ----------------------------------------------------

    def get_server(self, ctx, server_id):
        with self.lock:
            instance = self._instances.get(server_id)
            if instance is None or not (
                    ctx.is_admin or instance.project_id == ctx.project_id):
                raise errors.NotFound(
                    'Instance %s could not be found.' % server_id)
            return instance

    def servers(self, ctx, all_tenants=False, project_id=None, host=None,
                statuses=None, name=None, locked=None):
        """Servers the caller may see, newest first, as Nova sorts them.

        ``name`` is a regular expression, searched like Nova does.
        """
        with self.lock:
            project = project_id if all_tenants else ctx.project_id
            wanted = {s.upper() for s in statuses or ()}
            found = []
            for instance in reversed(self._instances.values()):
                if project and instance.project_id != project:
                    continue
                if host and instance.host != host:
                    continue
                status = model.status_of(instance.vm_state,
                                         instance.task_state)
                if wanted and status not in wanted:
                    continue
                if name and not name.search(instance.name):
                    continue
                if (locked is not None
                        and bool(instance.locked_by) != locked):
                    continue
                found.append(instance)
            return found

    def actions(self, ctx, server_id):
        with self.lock:
            self.get_server(ctx, server_id)
            return list(reversed(self._actions[server_id]))

    def action(self, ctx, server_id, request_id):
        with self.lock:
            for action in self.actions(ctx, server_id):
                if action.request_id == request_id:
                    return action
            raise errors.NotFound('Action %s not found' % request_id)

    def migrations(self):
        with self.lock:
            return list(self._migrations)

    # --- servers: checks shared by actions -----------------------------------

    @staticmethod
    def _check_not_locked(ctx, instance):
        if instance.locked_by and not ctx.is_admin:
            raise errors.Conflict('Instance %s is locked' % instance.uuid)

    @staticmethod
    def _check_has_host(instance):
        if not instance.host:
            raise errors.Conflict('Instance %s is not ready' % instance.uuid)

    @staticmethod
    def _check_state(instance, action, vm_states):
        """Nova's check_instance_state: a vm_state, no task, launched."""
        if instance.vm_state not in vm_states:
            raise errors.invalid_state(action, instance.uuid, 'vm_state',
                                       instance.vm_state)
        if instance.task_state is not None:
            raise errors.invalid_state(action, instance.uuid, 'task_state',
                                       instance.task_state)
        if instance.launched_at is None:
            raise errors.invalid_state(action, instance.uuid, 'launched_at',
                                       None)

    def _record_action(self, ctx, instance, name):
        now = model.utcnow()
        action = model.InstanceAction(name, instance.uuid, ctx.request_id,
                                      ctx.user_id, ctx.project_id, now, now)
        self._actions[instance.uuid].append(action)
        return action

    @staticmethod
    def _finish_action(action, event, host, ok=True, started=None):
        """Record an event of ``action``, from ``started`` (default: the
        action's start) until now."""
        now = model.utcnow()
        action.updated_at = now
        if not ok:
            action.message = 'Error'
        action.events.append({
            'event': event, 'start_time': started or action.start_time,
            'finish_time': now, 'result': 'Success' if ok else 'Error',
            'traceback': None, 'host': host, 'details': None})

    @staticmethod
    def _set_error(instance, message, code=500):
        instance.vm_state = model.ERROR
        instance.task_state = None
        instance.fault = {'code': code, 'created': model.utcnow(),
                          'message': message}

    def _jittered(self, seconds):
        jitter = self.rules.jitter
        if jitter:
            seconds *= 1 + self._rng.uniform(-jitter, jitter)
        return max(0.0, seconds)

    def _later(self, seconds, step):
        """Run ``step`` under the lock ``seconds`` (jittered) from now, at
        once if that is zero."""
        delay = self._jittered(seconds)
        if delay <= 0:
            step()
            return

        def locked_step():
            with self.lock:
                step()
        self._timers.call_later(delay, locked_step)

    def _cast(self, host, seconds, step):
        """Send work to a compute service, as an RPC cast does.

        The step runs ``seconds`` later, or after the service starts again
        if it is down now.
        """
        if not host.alive:
            host.parked.append((seconds, step))
            return
        self._later(seconds, step)

    def _on_live_compute(self, host, seconds, step):
        """A step a compute service redoes after a restart if it dies."""
        def guarded():
            if host.alive:
                step()
            else:
                host.parked.append((seconds, guarded))
        return guarded

    def _touch(self, instance):
        instance.updated_at = model.utcnow()

    # --- servers: create -----------------------------------------------------

    def create_server(self, ctx, name, flavor_id, image_id, metadata,
                      requested_host=None):
        with self.lock:
            flavor = self.flavors.get(flavor_id)
            if flavor is None:
                raise errors.BadRequest(
                    'Flavor %s could not be found.' % flavor_id)
            if image_id not in self.images:
                raise errors.BadRequest('Can not find requested image')
            if requested_host is not None:
                try:
                    self._compute_host(requested_host)
                except errors.NotFound as exc:
                    raise errors.BadRequest(exc.message) from None
            now = model.utcnow()
            instance = model.Instance(
                next(self._ids['instance']), str(uuid.uuid4()), name,
                ctx.project_id, ctx.user_id, flavor, image_id, None,
                model.BUILDING, model.NOSTATE, now, now,
                task_state=model.SCHEDULING, metadata=dict(metadata or {}))
            self._instances[instance.uuid] = instance
            action = self._record_action(ctx, instance, 'create')
            host, refusal = self._schedule(exclude=None, only=requested_host)
            if host is None:
                self._set_error(instance, refusal)
                self._finish_action(action, 'conductor_schedule_and_build_'
                                    'instances', self.controller, ok=False)
                return instance
            instance.host = host.name
            instance.task_state = model.SPAWNING

            def spawned():
                instance.vm_state = model.ACTIVE
                instance.task_state = None
                instance.power_state = model.RUNNING
                instance.launched_at = model.utcnow()
                self._touch(instance)
                self._finish_action(action,
                                    'compute__do_build_and_run_instance',
                                    host.name)
            seconds = self.rules.build_seconds
            self._cast(host, seconds,
                       self._on_live_compute(host, seconds, spawned))
            return instance

    def _schedule(self, exclude, only=None):
        """Nova's scheduler, simplified: (host, None) or (None, why not).

        Placement offers the hosts (only the requested one, if any) whose
        provider lacks the COMPUTE_STATUS_DISABLED trait; the filters drop
        the ``exclude``d source, disabled services and services that are
        down; the least loaded host left wins. Why not is the fault message
        of Nova's NoValidHost, which names no reason when Placement offers
        nothing.
        """
        offered = [
            h for h in self._hosts.values()
            if not h.vanished and (only is None or h.name == only)
            and not (h.compute.disabled if h.alive else h.disabled_trait)]
        if not offered:
            return None, NO_VALID_HOST % ''
        candidates = [
            h for h in offered
            if h.name != exclude and not h.compute.disabled
            and self.service_is_up(h.compute)]
        if not candidates:
            return None, NO_VALID_HOST % NOT_ENOUGH_HOSTS
        load = collections.Counter(i.host for i in self._instances.values())
        load.update(job.dest.name for job in self._running if job.dest)
        return min(candidates, key=lambda h: load[h.name]), None

    # --- servers: power ------------------------------------------------------

    def stop_server(self, ctx, server_id):
        self._power(ctx, server_id, 'stop', (model.ACTIVE, model.ERROR),
                    model.POWERING_OFF, model.STOPPED, model.SHUTDOWN,
                    self.rules.stop_seconds)

    def start_server(self, ctx, server_id):
        self._power(ctx, server_id, 'start', (model.STOPPED,),
                    model.POWERING_ON, model.ACTIVE, model.RUNNING,
                    self.rules.start_seconds)

    def _power(self, ctx, server_id, name, from_states, task_state,
               vm_state, power_state, seconds):
        with self.lock:
            instance = self.get_server(ctx, server_id)
            self._check_not_locked(ctx, instance)
            self._check_has_host(instance)
            self._check_state(instance, name, from_states)
            instance.task_state = task_state
            self._touch(instance)
            action = self._record_action(ctx, instance, name)
            host = self._hosts[instance.host]

            def done():
                instance.vm_state = vm_state
                instance.task_state = None
                instance.power_state = power_state
                self._touch(instance)
                self._finish_action(action, 'compute_%s_instance' % name,
                                    host.name)
            self._cast(host, seconds,
                       self._on_live_compute(host, seconds, done))

    # --- servers: admin actions, lock, metadata ------------------------------

    def reset_state(self, ctx, server_id, vm_state):
        with self.lock:
            instance = self.get_server(ctx, server_id)
            # Nova records the action with no event.
            self._record_action(ctx, instance, 'resetState')
            instance.vm_state = vm_state
            instance.task_state = None
            self._touch(instance)

    def lock_server(self, ctx, server_id, reason=None):
        with self.lock:
            instance = self.get_server(ctx, server_id)
            is_owner = instance.project_id == ctx.project_id
            if instance.locked_by and is_owner:
                return
            action = self._record_action(ctx, instance, 'lock')
            instance.locked_by = 'owner' if is_owner else 'admin'
            if reason:
                instance.locked_reason = reason
            self._touch(instance)
            self._finish_action(action, 'api_lock', self.controller)

    def unlock_server(self, ctx, server_id):
        with self.lock:
            instance = self.get_server(ctx, server_id)
            is_owner = instance.project_id == ctx.project_id
            expected = 'owner' if is_owner else 'admin'
            if (instance.locked_by and instance.locked_by != expected
                    and not ctx.is_admin):
                raise errors.policy_refused(
                    'os_compute_api:os-lock-server:unlock:unlock_override')
            action = self._record_action(ctx, instance, 'unlock')
            instance.locked_by = None
            instance.locked_reason = None
            self._touch(instance)
            self._finish_action(action, 'api_unlock', self.controller)

    _METADATA_STATES = (model.ACTIVE, model.PAUSED, model.SUSPENDED,
                        model.STOPPED)

    def update_metadata(self, ctx, server_id, metadata, replace=False):
        """Merge (or with ``replace``, swap) metadata; returns it all."""
        with self.lock:
            instance = self.get_server(ctx, server_id)
            self._check_not_locked(ctx, instance)
            self._check_state(instance, 'update metadata',
                              self._METADATA_STATES)
            if replace:
                instance.metadata = dict(metadata)
            else:
                instance.metadata.update(metadata)
            self._touch(instance)
            return dict(instance.metadata)

    def delete_metadata_item(self, ctx, server_id, key):
        with self.lock:
            instance = self.get_server(ctx, server_id)
            if key not in instance.metadata:
                raise errors.NotFound('Metadata item was not found')
            self._check_not_locked(ctx, instance)
            self._check_state(instance, 'delete metadata',
                              self._METADATA_STATES)
            del instance.metadata[key]
            self._touch(instance)

    # --- evacuation ----------------------------------------------------------

    def evacuate(self, ctx, server_id, host=None, forced=False,
                 stop_at_destination=False):
        """Accept an evacuation, checked in the order Nova checks.

        ``forced`` skips the scheduler's check of a named host (before
        2.29, or ``force`` in 2.29-2.67); ``stop_at_destination`` is the
        2.95 behaviour.
        """
        with self.lock:
            instance = self.get_server(ctx, server_id)
            if host is not None:
                try:
                    self._compute_host(host)
                except errors.NotFound:
                    raise errors.NotFound(
                        'Compute host %s not found.' % host) from None
            if instance.host == host:
                raise errors.BadRequest(
                    "The target host can't be the same one.")
            self._check_state(instance, 'evacuate',
                              (model.ACTIVE, model.STOPPED, model.ERROR))
            source = self._hosts.get(instance.host)
            if source is None or source.vanished:
                # Nova looks the source service up without catching this.
                raise errors.UnexpectedError(
                    'nova.exception.ComputeHostNotFound')
            if self.service_is_up(source.compute):
                raise errors.BadRequest(
                    'Compute service of %s is still in use.' % source.name)
            instance.task_state = model.REBUILDING
            self._touch(instance)
            action = self._record_action(ctx, instance, 'evacuate')
            now = model.utcnow()
            migration = model.Migration(
                next(self._ids['migration']), str(uuid.uuid4()),
                instance.uuid, source.name, source.name, 'accepted',
                ctx.user_id, ctx.project_id, instance.flavor.internal_id,
                now, now, dest_compute=host)
            self._migrations.append(migration)
            self._counters.evacuation('accepted')
            self._queued.append(_Evacuation(instance, migration, action,
                                            host, forced,
                                            stop_at_destination))
            self._start_queued_evacuations()

    def _start_queued_evacuations(self):
        limit = self.rules.max_concurrent_evacuations
        while self._queued and (limit <= 0 or len(self._running) < limit):
            self._start_evacuation(self._queued.popleft())
        self._counters.evacuations_in_progress(len(self._running))

    def _start_evacuation(self, job):
        """A slot is free: nova-conductor asks the scheduler for a host."""
        self._running.add(job)
        self._counters.evacuation('started')
        job.outcome = self._faults.evacuation_outcome(job.instance.uuid)
        job.seconds = self._faults.evacuation_seconds(
            self.rules.evacuate_seconds)
        if job.outcome == 'hang':
            self._counters.evacuation('hung')
        self._later(job.seconds * _SCHEDULING_SHARE,
                    lambda: self._schedule_evacuation(job))

    def _end_evacuation(self, job, outcome):
        self._running.discard(job)
        self._counters.evacuation(outcome)
        self._start_queued_evacuations()

    def _schedule_evacuation(self, job):
        """The conductor's part: pick the destination, send it the work."""
        instance, migration = job.instance, job.migration
        if job.forced:
            dest, refusal = self._hosts[job.requested_host], None
        else:
            dest, refusal = self._schedule(exclude=instance.host,
                                           only=job.requested_host)
        if dest is None:
            migration.status = 'error'
            migration.updated_at = model.utcnow()
            self._set_error(instance, refusal)
            self._finish_action(job.action, 'rebuild_server',
                                self.controller, ok=False)
            self._end_evacuation(job, 'failed')
            return
        job.dest = dest
        self._finish_action(job.action, 'rebuild_server', self.controller)
        # A cast: if the destination is down, the work waits for it.
        self._cast(dest, 0, lambda: self._claim(job))

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
        self._touch(instance)
        if job.outcome == 'hang':
            return
        steps = list(_REBUILD_TASK_STATES)
        step_seconds = (job.seconds * _REBUILD_SHARE
                        / (len(steps) + 1))

        def advance():
            if steps:
                instance.task_state = steps.pop(0)
                self._touch(instance)
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
                self._end_evacuation(job, 'stranded')
        self._later(seconds, guarded)

    def _spawned(self, job):
        """The guest runs on the destination; the server is still the
        source host's until the destination records the move."""
        instance, migration = job.instance, job.migration
        if job.outcome == 'fail':
            migration.status = 'failed'
            migration.updated_at = model.utcnow()
            self._set_error(instance, 'Evacuation failed on %s (injected '
                            'fault).' % job.dest.name)
            self._finish_action(job.action, 'compute_rebuild_instance',
                                job.dest.name, ok=False,
                                started=job.rebuild_started)
            self._end_evacuation(job, 'failed')
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
        self._touch(instance)
        settle = job.seconds * _SETTLE_SHARE
        if not ends_stopped:
            self._on_destination(job, settle,
                                 lambda: self._finish_evacuation(job))
            return
        instance.task_state = model.POWERING_OFF

        def stopped():
            instance.vm_state = model.STOPPED
            instance.task_state = None
            instance.power_state = model.SHUTDOWN
            self._touch(instance)
            self._finish_action(job.action, 'compute_stop_instance',
                                job.dest.name, started=now)
            self._on_destination(job, settle,
                                 lambda: self._finish_evacuation(job))
        self._on_destination(job, self.rules.stop_seconds, stopped)

    def _finish_evacuation(self, job):
        """The destination records the move: host changed, record done."""
        instance, migration, dest = job.instance, job.migration, job.dest
        source = self._hosts[instance.host]
        if not source.alive:
            source.leftover_guests.add(instance.uuid)
        now = model.utcnow()
        instance.host = dest.name
        instance.updated_at = now
        migration.status = 'done'
        migration.updated_at = now
        self._finish_action(job.action, 'compute_rebuild_instance',
                            dest.name, started=job.rebuild_started)
        self._end_evacuation(job, 'finished')

    # --- aggregates ----------------------------------------------------------

    def aggregates(self):
        with self.lock:
            return list(self._aggregates.values())

    def aggregate(self, aggregate_id):
        with self.lock:
            try:
                return self._aggregates[int(aggregate_id)]
            except (KeyError, ValueError):
                raise errors.NotFound('Aggregate %s could not be found.'
                                      % aggregate_id) from None

    def add_host_to_aggregate(self, aggregate_id, host_name):
        with self.lock:
            aggregate = self.aggregate(aggregate_id)
            self._compute_host(host_name)
            if host_name in aggregate.hosts:
                raise errors.Conflict('Aggregate %s already has host %s.'
                                      % (aggregate.id, host_name))
            aggregate.hosts.append(host_name)
            aggregate.updated_at = model.utcnow()
            return aggregate

    # --- debugging -----------------------------------------------------------

    def dump(self):
        """Everything, as JSON-friendly data, for humans debugging."""
        def plain(obj):
            data = dataclasses.asdict(obj)
            return {k: (v.isoformat() if isinstance(v, datetime.datetime)
                        else v) for k, v in data.items()}
        with self.lock:
            hosts = []
            for host in self._hosts.values():
                hosts.append({
                    'name': host.name, 'alive': host.alive,
                    'vanished': host.vanished,
                    'service_state': ('up' if self.service_is_up(host.compute)
                                      else 'down'),
                    'disabled': host.compute.disabled,
                    'forced_down': host.compute.forced_down,
                    'leftover_guests': sorted(host.leftover_guests),
                    'parked_work': len(host.parked),
                    'instances': len(self.instances_on(host.name)),
                })
            return {
                'rules': dataclasses.asdict(self.rules),
                'hosts': hosts,
                'evacuations': {'queued': len(self._queued),
                                'in_progress': len(self._running)},
                'servers': [
                    {'id': i.uuid, 'name': i.name, 'project_id': i.project_id,
                     'host': i.host, 'vm_state': i.vm_state,
                     'task_state': i.task_state,
                     'status': model.status_of(i.vm_state, i.task_state),
                     'locked_by': i.locked_by, 'metadata': i.metadata}
                    for i in self._instances.values()],
                'migrations': [plain(m) for m in self._migrations],
                'aggregates': [plain(a) for a in self._aggregates.values()],
            }
