"""Migration records: created by evacuations, cleaned up by the source.

Nova keeps an evacuation's record on its source host until that host's
compute service starts again; while a 'done' one remains, the host cannot
be forced up.
"""

import uuid

from hahealer.sim import errors
from hahealer.sim import model

# Evacuation migration statuses that a compute service cleans up (moves to
# 'completed') when it starts again on the source host.
_CLEANED_AT_START = ('accepted', 'pre-migrating', 'done')


class Migrations:
    def __init__(self, inventory):
        self._inventory = inventory
        self._records = []

    def all(self):
        with self._inventory.lock:
            return list(self._records)

    def new_evacuation(self, ctx, instance, source, dest_compute):
        """The 'accepted' record of an evacuation of ``instance``."""
        now = model.utcnow()
        migration = model.Migration(
            self._inventory.next_id('migration'), str(uuid.uuid4()),
            instance.uuid, source.name, source.name, 'accepted',
            ctx.user_id, ctx.project_id, instance.flavor.internal_id,
            now, now, dest_compute=dest_compute)
        self._records.append(migration)
        return migration

    def _evacuations_from(self, host_name, statuses):
        return [m for m in self._records
                if m.migration_type == 'evacuation'
                and m.source_compute == host_name and m.status in statuses]

    def complete_at_start(self, host_name):
        """What the source's compute service does with its evacuation
        records when it starts."""
        now = model.utcnow()
        for migration in self._evacuations_from(host_name,
                                                _CLEANED_AT_START):
            migration.status = 'completed'
            migration.updated_at = now

    def refuse_force_up(self, host_name):
        if self._evacuations_from(host_name, ('done',)):
            raise errors.BadRequest(
                'Unable to force up host %s as `done` evacuation migration '
                'records remain associated with the host. Ensure the '
                'compute service has been restarted, allowing these records '
                'to move to `completed` before retrying this request.'
                % host_name)
