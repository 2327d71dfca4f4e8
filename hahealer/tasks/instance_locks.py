"""Instance locks that cannot leak.

hahealer locks an instance while it moves it, with a reason that names the
notification (microversion 2.73's locked_reason), so a resumed recovery
knows its own lock and never takes a user's lock for its own. A lock
request whose answer was lost is not sent again (it may still land): the
instance is read instead, and before the recovery ends a last pass
unlocks whatever lock of ours landed late.
"""

import logging

from hahealer import exception
from hahealer.conf import CONF

LOG = logging.getLogger(__name__)

NONE = 'none'
OURS = 'ours'
USER = 'user'
#: a lock request whose answer was lost: it may land later
UNCERTAIN = 'uncertain'
#: unlock requests per instance before the last pass takes over
UNLOCK_TRIES = 3


def lock_reason(notification_uuid):
    return (f'hahealer: recovering from a host failure (notification '
            f'{notification_uuid})')


def settle_seconds():
    """How long a request whose answer was lost may still take to land."""
    return 2 * CONF.nova.timeout + CONF.verify_interval


class InstanceLock:
    """hahealer's lock on one instance, as it stands."""

    def __init__(self, task, server_id, state=NONE, save=lambda state: None):
        self.task = task
        self.server_id = server_id
        self.reason = lock_reason(task.context.notification_uuid)
        self.state = state
        self._save = save

    def _ours(self, server):
        """Whether the instance's lock is this recovery's."""
        if not server.locked:
            return False
        if server.locked_reason is not None:
            return server.locked_reason == self.reason
        # Below microversion 2.73 only our own record can tell.
        return self.state in (OURS, UNCERTAIN)

    def take(self, server):
        """Lock ``server`` unless it is locked already (ours or a user's)."""
        if server.locked:
            self.state = OURS if self._ours(server) else USER
            if self.state == USER:
                self.task.update_details(
                    f"Instance '{self.server_id}' is locked by its user; "
                    f"it stays locked", 0.42)
            self._save(self.state)
            return
        # Recorded first: a crash after sending still knows to look.
        self.state = UNCERTAIN
        self._save(self.state)
        try:
            self.task.nova.lock_server(self.server_id, self.reason)
            self.state = OURS
        except exception.ComputeUnavailable as exc:
            LOG.warning('%s; reading the instance instead of locking it '
                        'again', exc.message)
            if self._ours(self.task.nova.get_server(self.server_id)):
                self.state = OURS
        self._save(self.state)

    def release(self, server=None):
        """Unlock if the lock is ours, and read that it is gone; ``server``
        is a read of the instance just made, if the caller has one."""
        if self.state not in (OURS, UNCERTAIN):
            return
        try:
            for _ in range(UNLOCK_TRIES):
                if server is None:
                    server = self.task.nova.get_server(self.server_id)
                if not self._ours(server):
                    if self.state == OURS:
                        self.state = NONE
                    break
                self.task.nova.unlock_server(self.server_id)
                self.state = OURS
                server = None
        except exception.ComputeError as exc:
            LOG.warning('Could not unlock instance %s yet: %s', self.server_id,
                        exc.message)
        self._save(self.state)


def release_late_locks(task):
    """The last pass before a host recovery ends: unlock every instance
    of this notification whose lock of ours is, or may still be, there."""
    lease = task.context.lease
    if lease.interrupted.is_set():
        return
    database = task.resources.database
    notification_uuid = task.context.notification_uuid
    pending = [vmove for vmove in database.list_vmoves(notification_uuid)
               if vmove['lock'] in (OURS, UNCERTAIN)]
    if not pending:
        return
    if any(vmove['lock'] == UNCERTAIN for vmove in pending):
        # Let lock requests whose answers were lost land first.
        if lease.interrupted.wait(settle_seconds()):
            lease.check()
    for vmove in pending:
        def save(state, instance=vmove['instance_uuid']):
            database.update_vmove(notification_uuid, instance, lock=state)
        lock = InstanceLock(task, vmove['instance_uuid'], state=vmove['lock'],
                            save=save)
        lock.release()
        if lock.state == UNCERTAIN:
            save(NONE)
        elif lock.state == OURS:
            task.update_details(
                f"Instance '{vmove['instance_uuid']}' is still locked by "
                f"this recovery: unlock it with 'openstack server unlock'",
                0.95)
