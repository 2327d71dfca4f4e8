"""The notification queue at a glance, for the engine's gauges."""

import dataclasses

import sqlalchemy as sa

from hahealer.db import models
from hahealer.db import queue

N = models.Notification


@dataclasses.dataclass(frozen=True)
class QueueStats:
    by_status: dict
    held: int
    oldest_running_seconds: float


class StatsQueries:
    def queue_stats(self):
        """Notifications by status, those held by storm protection, and
        the age of the oldest running one (0 when none runs)."""
        with self.session() as session:
            counts = {status: count for status, count in session.execute(
                sa.select(N.status, sa.func.count()).group_by(N.status))}
            held = session.scalar(
                sa.select(sa.func.count()).select_from(N)
                .filter(N.held.is_(True), N.status.in_((queue.NEW,
                                                       queue.RUNNING))))
            oldest = session.scalar(
                sa.select(sa.func.min(N.started_at))
                .filter(N.status == queue.RUNNING))
            now = self.now(session)
        return QueueStats(
            by_status={status: counts.get(status, 0)
                       for status in queue.STATUSES},
            held=held,
            oldest_running_seconds=max(
                0.0, (now - oldest).total_seconds()) if oldest else 0.0)
