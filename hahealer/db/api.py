"""hahealer's database: the one place that reads and writes it.

Three repositories by job share one connection: the notification queue
(hahealer.db.queue), the inventory of segments and hosts
(hahealer.db.inventory) and the workflow log (hahealer.db.workflow).
Records leave as plain dicts, what RPC replies carry.
"""

from hahealer.db import connection
from hahealer.db import inventory
from hahealer.db import queue
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

fingerprint = queue.fingerprint
notification_to_dict = queue.notification_to_dict
host_to_dict = inventory.host_to_dict
ensure_sqlite_directory = connection.ensure_sqlite_directory


class Database(connection.Connection, queue.QueueQueries,
               inventory.InventoryQueries, workflow.WorkflowQueries):
    """hahealer's database, shared by every engine."""
