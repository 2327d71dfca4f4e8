"""Notification intake: the one way a notification gets stored.

The RPC endpoint and the REST API both call :func:`store`, so validation,
the host check, duplicate rules and the ignore rules are the same whichever
way a notification arrives. Storing is durable: the record returned has
been committed.
"""

import logging

from hahealer import exception
from hahealer import metrics
from hahealer import notifications
from hahealer.conf import CONF
from hahealer.db import api as db

LOG = logging.getLogger(__name__)


def store(database, notification):
    """Validate and store ``notification``; return (record, created).

    ``created`` is False when it repeats one already stored (same id, or
    the same failure within the duplicate detection window): the record is
    then the earlier one.

    :raises InvalidNotification: bad input, or a host in no segment.
    :raises Conflict: the notification id names another notification.
    """
    values = notifications.validate(notification)
    reason = notifications.ignore_reason(
        values, act_on_host_start=CONF.host_failure.unfence_on_start)
    if reason:
        values.update(status=db.IGNORED, reason=reason)
    try:
        record, created = database.create_notification(
            values, CONF.duplicate_notification_detection_interval)
    except exception.NotFound:
        raise exception.InvalidNotification(
            reason=f"hostname: host {values['hostname']} is in no "
                   f"failover segment; add it with 'hahealer host "
                   f"create'") from None
    # A flood of events that call for no recovery, or of repeats, must
    # not cost a log line each: their rows tell the story.
    if created and record['status'] == db.NEW:
        LOG.info('Stored notification %s: %s on host %s',
                 record['notification_uuid'], record['type'],
                 record['hostname'])
    elif created:
        metrics.NOTIFICATIONS.labels(record['type'], db.IGNORED).inc()
        LOG.debug('Stored notification %s: %s on host %s (%s)',
                  record['notification_uuid'], record['type'],
                  record['hostname'], record['status'])
    else:
        LOG.debug('Notification for %s on host %s is a duplicate of %s',
                  record['type'], record['hostname'],
                  record['notification_uuid'])
    return record, created


def needs_recovery(record):
    """Whether a stored record waits for an engine to recover it."""
    return record['status'] == db.NEW
