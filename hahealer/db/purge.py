"""Purging old notifications with everything recorded about them."""

import sqlalchemy as sa

from hahealer.db import models
from hahealer.db import queue

N = models.Notification
# Rows that belong to one notification, by its uuid.
_OWNED = (models.WorkflowTask, models.ProgressEntry, models.Vmove,
          models.NotificationKey)


class PurgeQueries:
    def purge_notifications(self, before, batch=500):
        """Delete the notifications that ended (finished, ignored or
        failed) before ``before``, with their workflow log, instance
        moves and duplicate keys; return their uuids. One transaction per
        ``batch`` notifications, so a large purge holds no long lock."""
        purged = []
        while True:
            with self.session() as session:
                uuids = list(session.scalars(
                    sa.select(N.uuid)
                    .filter(N.status.in_(queue.TERMINAL),
                            sa.func.coalesce(N.finished_at, N.updated_at)
                            < before)
                    .order_by(N.id).limit(batch)))
                if not uuids:
                    return purged
                for model in _OWNED:
                    session.execute(sa.delete(model).where(
                        model.notification_uuid.in_(uuids)))
                session.execute(sa.delete(N).where(N.uuid.in_(uuids)))
            purged.extend(uuids)
