"""Servers and what users and admins do to them, as Nova checks it.

Every action is recorded as an instance action; its events are added as
the work ends (an evacuation's by ``evacuations``).
"""

import uuid

from hahealer.sim import errors
from hahealer.sim import model

_METADATA_STATES = (model.ACTIVE, model.PAUSED, model.SUSPENDED,
                    model.STOPPED)


def check_state(instance, action, vm_states):
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


def _check_not_locked(ctx, instance):
    if instance.locked_by and not ctx.is_admin:
        raise errors.Conflict('Instance %s is locked' % instance.uuid)


def _check_has_host(instance):
    if not instance.host:
        raise errors.Conflict('Instance %s is not ready' % instance.uuid)


def finish_action(action, event, host, ok=True, started=None):
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


def set_error(instance, message, code=500):
    instance.vm_state = model.ERROR
    instance.task_state = None
    instance.fault = {'code': code, 'created': model.utcnow(),
                      'message': message}


def touch(instance):
    instance.updated_at = model.utcnow()


class Servers:
    def __init__(self, inventory, work, scheduler):
        self._inventory = inventory
        self._work = work
        self._scheduler = scheduler

    def seed_server(self, host, name, project_id, vm_state=model.ACTIVE,
                    metadata=None, locked=False, flavor_id='1'):
        """Add a server that has been running on ``host`` for a while."""
        inventory = self._inventory
        with inventory.lock:
            inventory.compute_host(host)
            if vm_state not in model.SEEDABLE_VM_STATES:
                raise ValueError(
                    'vm_state %r cannot be seeded; choose one of %s'
                    % (vm_state, ', '.join(model.SEEDABLE_VM_STATES)))
            if flavor_id not in inventory.flavors:
                raise ValueError('flavor %r does not exist; choose one of %s'
                                 % (flavor_id, ', '.join(inventory.flavors)))
            now = model.utcnow()
            instance = model.Instance(
                inventory.next_id('instance'), str(uuid.uuid4()), name,
                project_id, project_id + '-user',
                inventory.flavors[flavor_id], model.DEFAULT_IMAGE_ID, host,
                vm_state, model.SEEDABLE_VM_STATES[vm_state], now, now,
                metadata=dict(metadata or {}), launched_at=now,
                locked_by='admin' if locked else None)
            inventory.instances[instance.uuid] = instance
            return instance

    # --- reading -------------------------------------------------------------

    def get_server(self, ctx, server_id):
        with self._inventory.lock:
            instance = self._inventory.instances.get(server_id)
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
        with self._inventory.lock:
            project = project_id if all_tenants else ctx.project_id
            wanted = {s.upper() for s in statuses or ()}
            found = []
            for instance in reversed(self._inventory.instances.values()):
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

    def instances_on(self, host_name):
        with self._inventory.lock:
            return [i for i in self._inventory.instances.values()
                    if i.host == host_name]

    def running_guests(self, host):
        """Guests the host's hypervisor runs, leftovers included."""
        with self._inventory.lock:
            return len(self.instances_on(host.name)) + len(
                host.leftover_guests)

    def actions(self, ctx, server_id):
        with self._inventory.lock:
            self.get_server(ctx, server_id)
            return list(reversed(self._inventory.actions[server_id]))

    def action(self, ctx, server_id, request_id):
        with self._inventory.lock:
            for action in self.actions(ctx, server_id):
                if action.request_id == request_id:
                    return action
            raise errors.NotFound('Action %s not found' % request_id)

    def record_action(self, ctx, instance, name):
        now = model.utcnow()
        action = model.InstanceAction(name, instance.uuid, ctx.request_id,
                                      ctx.user_id, ctx.project_id, now, now)
        self._inventory.actions[instance.uuid].append(action)
        return action

    # --- create --------------------------------------------------------------

    def create_server(self, ctx, name, flavor_id, image_id, metadata,
                      requested_host=None):
        inventory = self._inventory
        with inventory.lock:
            flavor = inventory.flavors.get(flavor_id)
            if flavor is None:
                raise errors.BadRequest(
                    'Flavor %s could not be found.' % flavor_id)
            if image_id not in inventory.images:
                raise errors.BadRequest('Can not find requested image')
            if requested_host is not None:
                try:
                    inventory.compute_host(requested_host)
                except errors.NotFound as exc:
                    raise errors.BadRequest(exc.message) from None
            now = model.utcnow()
            instance = model.Instance(
                inventory.next_id('instance'), str(uuid.uuid4()), name,
                ctx.project_id, ctx.user_id, flavor, image_id, None,
                model.BUILDING, model.NOSTATE, now, now,
                task_state=model.SCHEDULING, metadata=dict(metadata or {}))
            inventory.instances[instance.uuid] = instance
            action = self.record_action(ctx, instance, 'create')
            host, refusal = self._scheduler.pick(exclude=None,
                                                 only=requested_host)
            if host is None:
                set_error(instance, refusal)
                finish_action(action, 'conductor_schedule_and_build_'
                              'instances', inventory.controller, ok=False)
                return instance
            instance.host = host.name
            instance.task_state = model.SPAWNING

            def spawned():
                instance.vm_state = model.ACTIVE
                instance.task_state = None
                instance.power_state = model.RUNNING
                instance.launched_at = model.utcnow()
                touch(instance)
                finish_action(action, 'compute__do_build_and_run_instance',
                              host.name)
            seconds = inventory.rules.build_seconds
            self._work.cast(host, seconds,
                            self._work.on_live_compute(host, seconds,
                                                       spawned))
            return instance

    # --- power ---------------------------------------------------------------

    def stop_server(self, ctx, server_id):
        self._power(ctx, server_id, 'stop', (model.ACTIVE, model.ERROR),
                    model.POWERING_OFF, model.STOPPED, model.SHUTDOWN,
                    self._inventory.rules.stop_seconds)

    def start_server(self, ctx, server_id):
        self._power(ctx, server_id, 'start', (model.STOPPED,),
                    model.POWERING_ON, model.ACTIVE, model.RUNNING,
                    self._inventory.rules.start_seconds)

    def _power(self, ctx, server_id, name, from_states, task_state,
               vm_state, power_state, seconds):
        with self._inventory.lock:
            instance = self.get_server(ctx, server_id)
            _check_not_locked(ctx, instance)
            _check_has_host(instance)
            check_state(instance, name, from_states)
            instance.task_state = task_state
            touch(instance)
            action = self.record_action(ctx, instance, name)
            host = self._inventory.hosts[instance.host]

            def done():
                instance.vm_state = vm_state
                instance.task_state = None
                instance.power_state = power_state
                touch(instance)
                finish_action(action, 'compute_%s_instance' % name,
                              host.name)
            self._work.cast(host, seconds,
                            self._work.on_live_compute(host, seconds, done))

    # --- admin actions, lock, metadata ---------------------------------------

    def reset_state(self, ctx, server_id, vm_state):
        with self._inventory.lock:
            instance = self.get_server(ctx, server_id)
            # Nova records the action with no event.
            self.record_action(ctx, instance, 'resetState')
            instance.vm_state = vm_state
            instance.task_state = None
            touch(instance)

    def lock_server(self, ctx, server_id, reason=None):
        with self._inventory.lock:
            instance = self.get_server(ctx, server_id)
            is_owner = instance.project_id == ctx.project_id
            if instance.locked_by and is_owner:
                return
            action = self.record_action(ctx, instance, 'lock')
            instance.locked_by = 'owner' if is_owner else 'admin'
            if reason:
                instance.locked_reason = reason
            touch(instance)
            finish_action(action, 'api_lock', self._inventory.controller)

    def unlock_server(self, ctx, server_id):
        with self._inventory.lock:
            instance = self.get_server(ctx, server_id)
            is_owner = instance.project_id == ctx.project_id
            expected = 'owner' if is_owner else 'admin'
            if (instance.locked_by and instance.locked_by != expected
                    and not ctx.is_admin):
                raise errors.policy_refused(
                    'os_compute_api:os-lock-server:unlock:unlock_override')
            action = self.record_action(ctx, instance, 'unlock')
            instance.locked_by = None
            instance.locked_reason = None
            touch(instance)
            finish_action(action, 'api_unlock', self._inventory.controller)

    def update_metadata(self, ctx, server_id, metadata, replace=False):
        """Merge (or with ``replace``, swap) metadata; returns it all."""
        with self._inventory.lock:
            instance = self.get_server(ctx, server_id)
            _check_not_locked(ctx, instance)
            check_state(instance, 'update metadata', _METADATA_STATES)
            if replace:
                instance.metadata = dict(metadata)
            else:
                instance.metadata.update(metadata)
            touch(instance)
            return dict(instance.metadata)

    def delete_metadata_item(self, ctx, server_id, key):
        with self._inventory.lock:
            instance = self.get_server(ctx, server_id)
            if key not in instance.metadata:
                raise errors.NotFound('Metadata item was not found')
            _check_not_locked(ctx, instance)
            check_state(instance, 'delete metadata', _METADATA_STATES)
            del instance.metadata[key]
            touch(instance)
