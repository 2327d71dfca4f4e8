"""Copying failover segments and hosts from Masakari.

The source is Masakari's database (its ``failover_segments`` and ``hosts``
tables, rows not soft-deleted; read here) or a running Masakari v1 API
(hahealer.masakari_api). Either gives the same records, which
:func:`copy` creates in one transaction: all of them or, on any error,
none. uuids are kept, so clients and scripts that name them keep working.
A segment or host whose name hahealer already has is left as it is and
reported, so the import can run again. Notifications are not copied: they
are history, and Masakari's engine owns the open ones. Masakari has no
fencing, so no host comes with a fencing driver.
"""

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from hahealer import exception


def read(url):
    """(segments, hosts) of the Masakari database at ``url``, as dicts."""
    try:
        engine = sa.create_engine(url)
    except sa_exc.ArgumentError:
        # Never quote the URL: it may hold the database password.
        raise exception.Invalid(
            reason='the Masakari database URL is not a SQLAlchemy URL '
                   '(e.g. mysql+pymysql://masakari:...@db/masakari)') \
            from None
    except ImportError as exc:
        raise exception.Invalid(
            reason=f'the Masakari database URL needs a driver that is not '
                   f'installed: {exc.name}') from None
    try:
        with engine.connect() as connection:
            segments = [dict(row._mapping) for row in connection.execute(
                sa.text('SELECT uuid, name, service_type, enabled, '
                        'description, recovery_method FROM '
                        'failover_segments WHERE deleted = 0 ORDER BY id'))]
            hosts = [dict(row._mapping) for row in connection.execute(
                sa.text('SELECT uuid, name, reserved, type, '
                        'control_attributes, on_maintenance, '
                        'failover_segment_id FROM hosts WHERE deleted = 0 '
                        'ORDER BY id'))]
    except sa_exc.SQLAlchemyError as exc:
        raise exception.Invalid(
            reason=f'cannot read a Masakari database there: '
                   f'{exc.orig if hasattr(exc, "orig") else exc}') from None
    finally:
        engine.dispose()
    return segments, hosts


class _DryRun(Exception):
    """Ends a dry run's transaction with a rollback."""


def copy(database, segments, hosts, dry_run=False):
    """Create what hahealer does not have yet, in one transaction; the
    lines of a report. ``dry_run`` reports the same and writes nothing."""
    run = _Copy(database)
    try:
        with database.session() as session:
            # Source segment uuid -> hahealer's row its hosts go to (None:
            # the segment was not copied, nor are its hosts).
            targets = {segment['uuid']: run.segment(session, segment)
                       for segment in segments}
            for host in hosts:
                run.host(session, host, targets)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    run.report.append(
        f"{'Would copy' if dry_run else 'Copied'} {run.segments} of "
        f"{len(segments)} segment(s) and {run.hosts} of {len(hosts)} "
        f"host(s){'; dry run, nothing written' if dry_run else ''}.")
    return run.report


class _Copy:
    """One import's report lines and counts."""

    def __init__(self, database):
        self._db = database
        self.report = []
        self.segments = self.hosts = 0

    def segment(self, session, segment):
        """The row the segment's hosts go to, or None."""
        name = segment['name']
        named, identified = self._db.segment_rows(session, name,
                                                  segment['uuid'])
        if named is not None:
            self.report.append(f'segment {name}: exists, left as it is')
            return named
        if identified is not None:
            self.report.append(
                f"segment {name}: not copied, its uuid {segment['uuid']} "
                f"is segment {identified.name}'s here")
            return None
        try:
            row = self._db.add_segment(
                session, name, segment['recovery_method'],
                segment['description'], bool(segment['enabled']),
                segment['service_type'], uuid_=segment['uuid'])
        except exception.Invalid as exc:
            raise exception.Invalid(
                reason=f"segment {name}: {exc.kwargs['reason']}") from None
        self.report.append(f'segment {name}: copied')
        self.segments += 1
        return row

    def host(self, session, host, targets):
        name = host['name']
        if host['failover_segment_id'] not in targets:
            self.report.append(
                f"host {name}: not copied, its segment "
                f"{host['failover_segment_id']} is not in the source")
            return
        segment = targets[host['failover_segment_id']]
        if segment is None:
            self.report.append(f'host {name}: not copied, its segment was '
                               f'not')
            return
        named, identified = self._db.host_rows(session, name, host['uuid'])
        if named is not None:
            self.report.append(f'host {name}: exists, left as it is')
            return
        if identified is not None:
            self.report.append(
                f"host {name}: not copied, its uuid {host['uuid']} is host "
                f"{identified.name}'s here")
            return
        self._db.add_host(
            session, name, segment, reserved=bool(host['reserved']),
            on_maintenance=bool(host['on_maintenance']), type=host['type'],
            control_attributes=host['control_attributes'],
            uuid_=host['uuid'])
        self.report.append(
            f"host {name}: copied, no fencing driver yet (hahealer host "
            f"update {name} --fencing-driver ...)")
        self.hosts += 1
