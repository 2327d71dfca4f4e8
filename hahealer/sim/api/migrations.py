"""GET /os-migrations: Nova's filters over the migration records."""

import datetime

from hahealer.sim import errors
from hahealer.sim import views
from hahealer.sim import wire
from hahealer.sim.api import common

# Query parameters that must equal the record's field of the same name.
_EQUAL = ('status', 'instance_uuid', 'migration_type', 'source_compute')


def _timestamp(req, name):
    """A date-time query parameter as naive UTC, as Nova compares them."""
    value = req.param(name)
    if value is None:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise errors.BadRequest(
            "Invalid input for query parameters %s. Value: %s. '%s' is not "
            "a 'date-time'" % (name, value, value)) from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(datetime.UTC).replace(tzinfo=None)
    return parsed


def _matching(req, records):
    """The records the request's filters keep, in their order.

    ``changes-since`` exists from 2.59 and ``changes-before`` from 2.66;
    before, Nova drops them, as it drops every unknown parameter.
    """
    wanted = {name: req.param(name) for name in _EQUAL if req.param(name)}
    host = req.param('host')
    since = _timestamp(req, 'changes-since') if req.at_least(
        '2.59') else None
    before = _timestamp(req, 'changes-before') if req.at_least(
        '2.66') else None
    if since and before and before < since:
        raise errors.BadRequest('The value of changes-since must be less '
                                'than or equal to changes-before.')
    return [
        m for m in records
        if all(getattr(m, name) == value for name, value in wanted.items())
        and (not host or host in (m.source_compute, m.dest_compute))
        and (since is None or m.updated_at >= since)
        and (before is None or m.updated_at <= before)]


class Migrations(common.Resource):
    def routes(self):
        return [('GET', '/os-migrations', self._list)]

    def _list(self, req):
        common.require_admin(req, 'os_compute_api:os-migrations:index')
        with self._cloud.lock:
            found = _matching(req, self._cloud.migrations())
            body = {}
            if req.at_least('2.59'):
                found.sort(key=lambda m: (m.created_at, m.id), reverse=True)
                found, links = self._page(req, found, lambda m: m.uuid,
                                          'Marker %s could not be found.',
                                          'os-migrations')
                if links:
                    body['migrations_links'] = links
            body['migrations'] = [views.migration(req, m) for m in found]
            return wire.Response(200, body)
