"""hahealer's database: the one place that reads and writes it.

Repositories by job share one connection: intake (hahealer.db.intake),
the notification queue (hahealer.db.queue), the inventory of segments and
hosts (hahealer.db.inventory), the workflow log (hahealer.db.workflow),
the purge of old notifications (hahealer.db.purge) and the queue's gauges
(hahealer.db.stats).
Records leave as plain dicts, what RPC replies carry.
"""

from hahealer.db import connection
from hahealer.db import group_commit
from hahealer.db import intake
from hahealer.db import inventory
from hahealer.db import purge
from hahealer.db import queue
from hahealer.db import stats
from hahealer.db import workflow

NEW = queue.NEW
RUNNING = queue.RUNNING
FINISHED = queue.FINISHED
IGNORED = queue.IGNORED
ERROR = queue.ERROR
FAILED = queue.FAILED
STATUSES = queue.STATUSES
TERMINAL = queue.TERMINAL
RECOVERY_METHODS = inventory.RECOVERY_METHODS
MASK = inventory.MASK

fingerprint = intake.fingerprint
notification_to_dict = queue.notification_to_dict
host_to_dict = inventory.host_to_dict
ensure_sqlite_directory = connection.ensure_sqlite_directory


class Database(connection.Connection, intake.IntakeQueries,
               queue.QueueQueries, inventory.InventoryQueries,
               workflow.WorkflowQueries, purge.PurgeQueries,
               stats.StatsQueries):
    """hahealer's database, shared by every engine."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._intake = group_commit.GroupCommit(self.store_notifications)
