"""Notifications and their vmoves over REST.

A notification is stored by hahealer.intake, the same code the RPC intake
runs (validation, host check, duplicate and ignore rules); then an engine
is told over RPC so it starts at once. Should that message be lost, the
engines' sweep picks the notification up: storing is what makes it
durable, and the answer leaves only after the commit.
"""

import logging

from hahealer import exception
from hahealer import intake
from hahealer import notifications
from hahealer import validation
from hahealer.api import views
from hahealer.api import wire

LOG = logging.getLogger(__name__)


class Notifications:
    def __init__(self, database, manage, engine=None):
        self._db = database
        self._manage = manage
        #: an rpc.EngineClient, or None to leave the start to the sweep
        self._engine = engine

    def routes(self):
        return [
            ('GET', '/notifications', self.list, (1, 0)),
            ('POST', '/notifications', self.create, (1, 0)),
            ('GET', '/notifications/{notification_id}', self.show, (1, 0)),
            ('GET', '/notifications/{notification_id}/vmoves',
             self.list_vmoves, (1, 3)),
            ('GET', '/notifications/{notification_id}/vmoves/{vmove_id}',
             self.show_vmove, (1, 3)),
        ]

    def create(self, call):
        call.authorize('notifications:create')
        try:
            record, created = intake.store(self._db,
                                           call.body('notification'))
        except exception.InvalidNotification as exc:
            raise wire.Fault(400, exc.message) from None
        if not created:
            raise wire.Fault(
                409, f"Notification received from host {record['hostname']}"
                     f" of type {record['type']} is a duplicate of "
                     f"notification {record['notification_uuid']} "
                     f"({record['status']})")
        if intake.needs_recovery(record):
            self._wake_engine(record['notification_uuid'])
        return 202, {'notification': views.notification(
            record, self._host_uuids())}

    def _wake_engine(self, notification_uuid):
        if self._engine is None:
            return
        try:
            self._engine.submit_notification(None, notification_uuid)
        except Exception as exc:
            LOG.warning('Stored notification %s; no engine could be told '
                        '(%s): the periodic sweep will pick it up',
                        notification_uuid, exc)

    def list(self, call):
        call.authorize('notifications:index')
        query = call.params('status', 'type')
        page = call.page()
        since = (call.request.params.get('generated-since')
                 or call.request.params.get('generated_since'))
        if since:
            try:
                query['generated_since'] = validation.time(
                    since, 'generated-since')
            except exception.Invalid as exc:
                raise wire.Fault(400, exc.message) from None
        host_uuids = self._host_uuids()
        if 'source_host_uuid' in call.request.params:
            wanted = call.request.params['source_host_uuid']
            names = [name for name, uuid in host_uuids.items()
                     if uuid == wanted]
            if not names:
                return 200, {'notifications': []}
            query['hostname'] = names[0]
        records = self._db.list_notifications(**query, **page)
        return 200, {'notifications': [views.notification(record,
                                                          host_uuids)
                                       for record in records]}

    def show(self, call, notification_id):
        call.authorize('notifications:detail')
        record = self._db.get_notification(notification_id)
        workflow = (self._db.workflow_details(notification_id)
                    if call.version >= (1, 1) else None)
        return 200, {'notification': views.notification(
            record, self._host_uuids(), workflow)}

    def list_vmoves(self, call, notification_id):
        call.authorize('vmoves:index')
        self._host_failure(notification_id)
        records = self._db.list_vmoves(
            notification_id, filters=call.params('type', 'status'),
            **call.page())
        return 200, {'vmoves': [views.vmove(record) for record in records]}

    def show_vmove(self, call, notification_id, vmove_id):
        call.authorize('vmoves:detail')
        self._host_failure(notification_id)
        return 200, {'vmove': views.vmove(
            self._db.get_vmove(notification_id, vmove_id))}

    def _host_failure(self, notification_id):
        record = self._db.get_notification(notification_id)
        if record['type'] != notifications.COMPUTE_HOST:
            raise wire.Fault(400, f'Notification {notification_id} is a '
                                  f"{record['type']} notification: only "
                                  f'host failures move instances')

    def _host_uuids(self):
        return {host['name']: host['uuid']
                for host in self._manage.list_hosts()}
