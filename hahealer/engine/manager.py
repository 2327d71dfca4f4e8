"""The engine's RPC endpoint: what monitors and operators can ask.

Accepting a notification is synchronous and durable: the reply carries the
stored record, sent only after the row is committed. Processing then goes
on in the background. Invalid input is answered with an error naming the
field and the reason, and nothing is stored.
"""

import logging

import oslo_messaging as messaging

from hahealer import exception
from hahealer import intake
from hahealer import management
from hahealer import notifications
from hahealer import validation as v
from hahealer.conf import CONF
from hahealer.db import api as db

LOG = logging.getLogger(__name__)

_EXPECTED = (exception.Invalid, exception.NotFound, exception.Conflict,
             exception.Forbidden, exception.ComputeError)

_FILTERS = v.fields(status=v.choice(*db.STATUSES),
                    type=v.choice(*notifications.TYPES),
                    hostname=v.NAME, since=v.time)
_RECOVERY_METHOD = v.choice(*db.RECOVERY_METHODS)
_SEGMENT_VALUES = v.fields(name=v.NAME, description=v.DESCRIPTION,
                           recovery_method=_RECOVERY_METHOD,
                           enabled=v.boolean)
_HOST_VALUES = v.fields(name=v.NAME, segment=v.NAME, reserved=v.boolean,
                        on_maintenance=v.boolean,
                        fencing_driver=v.OPTIONAL_NAME,
                        fencing_params=v.fencing_params)


class EngineManager:
    """RPC API version history:

    1.0 - notifications (create, process, get, list, workflow details,
          retry), failover segments and hosts
    1.1 - submit_notification: recover a notification the REST API stored
    1.2 - list_vmoves: the instance moves of a host recovery;
          create_host takes nova_check
    """

    target = messaging.Target(version='1.2')

    def __init__(self, database, dispatcher, nova=None):
        self._db = database
        self._dispatcher = dispatcher
        self._manage = management.Management(database, nova)

    # --- notifications ----------------------------------------------------

    @messaging.expected_exceptions(*_EXPECTED)
    @v.checked()
    def create_notification(self, ctxt, notification):
        """Validate, store and reply with the record; then recover."""
        record, created = self._store(notification)
        if created and intake.needs_recovery(record):
            self._dispatcher.submit(record['notification_uuid'])
        return record

    @v.checked()
    def process_notification(self, ctxt, notification):
        """Masakari's cast: store it if new, and recover."""
        try:
            record, created = self._store(notification)
        except (exception.Invalid, exception.NotFound,
                exception.Conflict) as exc:
            LOG.error('Rejected a notification cast: %s', exc.message)
            return
        if intake.needs_recovery(record):
            self._dispatcher.submit(record['notification_uuid'])

    def submit_notification(self, ctxt, notification_uuid):
        """A cast from hahealer-api: a notification it stored waits."""
        self._dispatcher.submit(notification_uuid)

    def _store(self, notification):
        return intake.store(self._db, notification)

    @messaging.expected_exceptions(*_EXPECTED)
    @v.checked(notification_uuid=v.uuid_text)
    def get_notification(self, ctxt, notification_uuid):
        return self._db.get_notification(notification_uuid)

    @messaging.expected_exceptions(*_EXPECTED)
    @v.checked(limit=v.integer(1, 1000), marker=v.optional_uuid)
    def list_notifications(self, ctxt, filters=None, limit=100,
                           marker=None):
        filters = _FILTERS(filters or {}, 'filters')
        return self._db.list_notifications(limit=limit, marker=marker,
                                           **filters)

    @messaging.expected_exceptions(*_EXPECTED)
    @v.checked(notification_uuid=v.uuid_text)
    def get_notification_recovery_workflow_details(self, ctxt,
                                                   notification_uuid):
        record = self._db.get_notification(notification_uuid)
        record['recovery_workflow_details'] = self._db.workflow_details(
            notification_uuid)
        return record

    @messaging.expected_exceptions(*_EXPECTED)
    @v.checked(notification_uuid=v.uuid_text)
    def list_vmoves(self, ctxt, notification_uuid):
        self._db.get_notification(notification_uuid)
        return self._db.list_vmoves(notification_uuid)

    @messaging.expected_exceptions(*_EXPECTED)
    @v.checked(notification_uuid=v.uuid_text, force=v.boolean)
    def retry_notification(self, ctxt, notification_uuid, force=False):
        _check_rpc_management()
        record = self._db.retry_notification(notification_uuid, force=force)
        LOG.warning('Notification %s released for retry%s by an operator',
                    notification_uuid, ' (forced)' if force else '')
        self._dispatcher.submit(notification_uuid)
        return record

    # --- segments -----------------------------------------------------------

    @messaging.expected_exceptions(*_EXPECTED)
    @v.checked(name=v.NAME, recovery_method=_RECOVERY_METHOD,
               description=v.DESCRIPTION, enabled=v.boolean)
    def create_segment(self, ctxt, name, recovery_method, description=None,
                       enabled=True):
        _check_rpc_management()
        return self._manage.create_segment(name, recovery_method,
                                           description, enabled)

    @messaging.expected_exceptions(*_EXPECTED)
    @v.checked(segment=v.NAME)
    def get_segment(self, ctxt, segment):
        return self._manage.get_segment(segment)

    @messaging.expected_exceptions(*_EXPECTED)
    @v.checked()
    def list_segments(self, ctxt):
        return self._manage.list_segments()

    @messaging.expected_exceptions(*_EXPECTED)
    @v.checked(segment=v.NAME, values=_SEGMENT_VALUES)
    def update_segment(self, ctxt, segment, values):
        _check_rpc_management()
        return self._manage.update_segment(segment, values)

    @messaging.expected_exceptions(*_EXPECTED)
    @v.checked(segment=v.NAME)
    def delete_segment(self, ctxt, segment):
        _check_rpc_management()
        self._manage.delete_segment(segment)

    # --- hosts --------------------------------------------------------------

    @messaging.expected_exceptions(*_EXPECTED)
    @v.checked(name=v.NAME, segment=v.NAME, reserved=v.boolean,
               on_maintenance=v.boolean, fencing_driver=v.OPTIONAL_NAME,
               fencing_params=v.fencing_params, nova_check=v.boolean)
    def create_host(self, ctxt, name, segment, reserved=False,
                    on_maintenance=False, fencing_driver=None,
                    fencing_params=None, nova_check=True):
        _check_rpc_management()
        return self._manage.create_host(
            name, segment, reserved=reserved, on_maintenance=on_maintenance,
            fencing_driver=fencing_driver, fencing_params=fencing_params,
            nova_check=nova_check)

    @messaging.expected_exceptions(*_EXPECTED)
    @v.checked(host=v.NAME)
    def get_host(self, ctxt, host):
        return self._manage.get_host(host)

    @messaging.expected_exceptions(*_EXPECTED)
    @v.checked(segment=v.OPTIONAL_NAME)
    def list_hosts(self, ctxt, segment=None):
        return self._manage.list_hosts(segment)

    @messaging.expected_exceptions(*_EXPECTED)
    @v.checked(host=v.NAME, values=_HOST_VALUES)
    def update_host(self, ctxt, host, values):
        """Update a host; fencing parameters given for the same driver are
        merged into the stored ones (a new password alone rotates it)."""
        _check_rpc_management()
        return self._manage.update_host(host, values)

    @messaging.expected_exceptions(*_EXPECTED)
    @v.checked(host=v.NAME)
    def delete_host(self, ctxt, host):
        _check_rpc_management()
        self._manage.delete_host(host)


def _check_rpc_management():
    if not CONF.rpc_management:
        raise exception.Forbidden(
            reason='changes to segments, hosts and notifications over RPC '
                   'are turned off (rpc_management = false): use '
                   'hahealer-api')
