"""What every resource of the compute API shares: the caller, policy,
query parameters and paging."""

import re
import urllib.parse
import uuid

from hahealer.sim import errors
from hahealer.sim import model
from hahealer.sim import views

ADMIN_PROJECT = 'admin'
MEMBER_TOKEN_PREFIX = 'member:'
PREFIX = '/v2.1'


def context_for(token, request_id):
    """The caller a token stands for (see the package docstring)."""
    if token and token.startswith(MEMBER_TOKEN_PREFIX):
        project = token[len(MEMBER_TOKEN_PREFIX):] or 'member'
        return model.Context(project, project + '-user', False, request_id)
    return model.Context(ADMIN_PROJECT, 'admin', True, request_id)


def require_admin(req, policy):
    if not req.context.is_admin:
        raise errors.policy_refused(policy)


def only_params(req, allowed):
    """Nova's strict query schemas: refuse parameters they do not know."""
    unexpected = sorted(set(req.query) - set(allowed))
    if unexpected:
        names = ', '.join(repr(name) for name in unexpected)
        verb = 'was' if len(unexpected) == 1 else 'were'
        raise errors.BadRequest(
            'Additional properties are not allowed (%s %s unexpected)'
            % (names, verb))


def flag(req, name):
    """A boolean query parameter as Nova's bool_from_string reads it."""
    value = req.param(name)
    if value is None:
        return None
    lowered = value.strip().lower()
    if lowered in ('', '1', 't', 'true', 'on', 'y', 'yes'):
        return True
    if lowered in ('0', 'f', 'false', 'off', 'n', 'no'):
        return False
    raise errors.BadRequest(
        "Invalid input received: Unrecognized value '%s', acceptable "
        "values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', "
        "'true', 'y', 'yes'" % value)


def id_from_href(href):
    return urllib.parse.urlsplit(str(href)).path.split('/')[-1]


def is_uuid(text):
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


class Resource:
    """One resource of the API over a ``state.Cloud``."""

    def __init__(self, cloud, max_version, max_limit):
        self._cloud = cloud
        self._max_version = max_version
        self._max_limit = max_limit

    def routes(self):
        """(method, path template under PREFIX, handler) of each route."""
        raise NotImplementedError

    def _page(self, req, items, id_of, marker_message, collection):
        """Nova's limit/marker paging over an ordered list.

        Returns the page and its 'next' links (None when the page is not
        full, so there is nothing after it).
        """
        limit = req.param('limit')
        if limit is not None and not re.fullmatch(r'[0-9]+', limit):
            raise errors.BadRequest(
                "Invalid input for query parameters limit. Value: %s. "
                "'%s' does not match '^[0-9]*$'" % (limit, limit))
        size = min(int(limit or 0) or self._max_limit, self._max_limit)
        marker = req.param('marker')
        if marker is not None:
            ids = [id_of(item) for item in items]
            if marker not in ids:
                raise errors.BadRequest(marker_message % marker)
            items = items[ids.index(marker) + 1:]
        page = items[:size]
        return page, views.next_links(req, collection, page, size, id_of)
