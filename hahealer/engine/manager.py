"""The engine's RPC endpoint: what monitors and operators can ask.

Accepting a notification is synchronous and durable: the reply carries the
stored record, sent only after the row is committed. Processing then goes
on in the background. Invalid input is answered with an error naming the
field and the reason, and nothing is stored.
"""

import logging

import oslo_messaging as messaging

from hahealer import exception
from hahealer import fencing
from hahealer import metrics
from hahealer import notifications
from hahealer.conf import CONF
from hahealer.db import api as db

LOG = logging.getLogger(__name__)

_EXPECTED = (exception.Invalid, exception.NotFound, exception.Conflict)


class EngineManager:
    """RPC API version history:

    1.0 - notifications (create, process, get, list, workflow details,
          retry), failover segments and hosts
    """

    target = messaging.Target(version='1.0')

    def __init__(self, database, dispatcher):
        self._db = database
        self._dispatcher = dispatcher

    # --- notifications ----------------------------------------------------

    @messaging.expected_exceptions(*_EXPECTED)
    def create_notification(self, ctxt, notification):
        """Validate, store and reply with the record; then recover."""
        record, created = self._store(notification)
        if created and record['status'] == db.NEW:
            self._dispatcher.submit(record['notification_uuid'])
        return record

    def process_notification(self, ctxt, notification):
        """Masakari's cast: store it if new, and recover."""
        try:
            record, created = self._store(notification)
        except (exception.Invalid, exception.NotFound,
                exception.Conflict) as exc:
            LOG.error('Rejected a notification cast: %s', exc.message)
            return
        if record['status'] == db.NEW:
            self._dispatcher.submit(record['notification_uuid'])

    def _store(self, notification):
        values = notifications.validate(notification)
        reason = notifications.ignore_reason(
            values, act_on_host_start=CONF.host_failure.unfence_on_start)
        if reason:
            values.update(status=db.IGNORED, reason=reason)
        try:
            record, created = self._db.create_notification(
                values, CONF.duplicate_notification_detection_interval)
        except exception.NotFound:
            raise exception.InvalidNotification(
                reason=f"hostname: host {values['hostname']} is in no "
                       f"failover segment; add it with 'hahealer host "
                       f"create'") from None
        if created:
            LOG.info('Stored notification %s: %s on host %s (%s)',
                     record['notification_uuid'], record['type'],
                     record['hostname'], record['status'])
            if record['status'] == db.IGNORED:
                metrics.NOTIFICATIONS.labels(record['type'],
                                             db.IGNORED).inc()
        else:
            LOG.info('Notification for %s on host %s is a duplicate of %s',
                     record['type'], record['hostname'],
                     record['notification_uuid'])
        return record, created

    @messaging.expected_exceptions(*_EXPECTED)
    def get_notification(self, ctxt, notification_uuid):
        return self._db.get_notification(notification_uuid)

    @messaging.expected_exceptions(*_EXPECTED)
    def list_notifications(self, ctxt, filters=None, limit=100,
                           marker=None):
        filters = dict(filters or {})
        allowed = {'status', 'type', 'hostname', 'since'}
        unknown = sorted(set(filters) - allowed)
        if unknown:
            raise exception.Invalid(
                reason=f"unknown filter {', '.join(unknown)}; filters: "
                       f"{', '.join(sorted(allowed))}")
        if filters.get('since'):
            filters['since'] = notifications.parse_time(
                filters['since'], 'since')
        return self._db.list_notifications(limit=limit, marker=marker,
                                           **filters)

    @messaging.expected_exceptions(*_EXPECTED)
    def get_notification_recovery_workflow_details(self, ctxt,
                                                   notification_uuid):
        record = self._db.get_notification(notification_uuid)
        record['recovery_workflow_details'] = self._db.workflow_details(
            notification_uuid)
        return record

    @messaging.expected_exceptions(*_EXPECTED)
    def retry_notification(self, ctxt, notification_uuid, force=False):
        record = self._db.retry_notification(notification_uuid, force=force)
        LOG.warning('Notification %s released for retry%s by an operator',
                    notification_uuid, ' (forced)' if force else '')
        self._dispatcher.submit(notification_uuid)
        return record

    # --- segments -----------------------------------------------------------

    @messaging.expected_exceptions(*_EXPECTED)
    def create_segment(self, ctxt, name, recovery_method, description=None,
                       enabled=True):
        return self._db.create_segment(name, recovery_method, description,
                                       enabled)

    @messaging.expected_exceptions(*_EXPECTED)
    def get_segment(self, ctxt, segment):
        return self._db.get_segment(segment)

    @messaging.expected_exceptions(*_EXPECTED)
    def list_segments(self, ctxt):
        return self._db.list_segments()

    @messaging.expected_exceptions(*_EXPECTED)
    def update_segment(self, ctxt, segment, values):
        return self._db.update_segment(segment, **values)

    @messaging.expected_exceptions(*_EXPECTED)
    def delete_segment(self, ctxt, segment):
        self._db.delete_segment(segment)

    # --- hosts --------------------------------------------------------------

    @messaging.expected_exceptions(*_EXPECTED)
    def create_host(self, ctxt, name, segment, reserved=False,
                    on_maintenance=False, fencing_driver=None,
                    fencing_params=None):
        _check_fencing(fencing_driver, fencing_params or {})
        return self._db.create_host(
            name, segment, reserved=reserved, on_maintenance=on_maintenance,
            fencing_driver=fencing_driver, fencing_params=fencing_params,
            mask=fencing.mask_params)

    @messaging.expected_exceptions(*_EXPECTED)
    def get_host(self, ctxt, host):
        return self._db.show_host(host, mask=fencing.mask_params)

    @messaging.expected_exceptions(*_EXPECTED)
    def list_hosts(self, ctxt, segment=None):
        return self._db.list_hosts(segment, mask=fencing.mask_params)

    @messaging.expected_exceptions(*_EXPECTED)
    def update_host(self, ctxt, host, values):
        """Update a host; fencing parameters given for the same driver are
        merged into the stored ones (a new password alone rotates it)."""
        if 'fencing_driver' in values or 'fencing_params' in values:
            row = self._db.get_host(host)
            driver = values.get('fencing_driver', row.fencing_driver)
            if 'fencing_params' in values and driver == row.fencing_driver:
                values['fencing_params'] = {**row.fencing_params,
                                            **values['fencing_params']}
            _check_fencing(driver,
                           values.get('fencing_params', row.fencing_params))
        return self._db.update_host(host, mask=fencing.mask_params, **values)

    @messaging.expected_exceptions(*_EXPECTED)
    def delete_host(self, ctxt, host):
        self._db.delete_host(host)


def _check_fencing(driver_name, params):
    if not driver_name:
        if params:
            raise exception.Invalid(
                reason='fencing parameters need a fencing driver')
        return
    fencing.driver_class(driver_name).validate_params(params)
