"""Reading failover segments and hosts from a Masakari v1 API.

The other source of ``hahealer-manage import-masakari``: any server that
speaks Masakari's v1 API (Masakari's own, or another hahealer-api), reached
with OpenStack's usual options (hahealer.openstack_options). Records come
out in the shape :func:`hahealer.masakari_import.read` gives from a
database, checked field by field, so a server that answers something else
stops the import before anything is written. Errors name the endpoint,
never a token or a password. Masakari's API carries no fencing parameters
(Masakari has none).
"""

import re
from urllib import parse

from keystoneauth1 import exceptions as ks_exceptions

from hahealer import exception
from hahealer import openstack_options

# 1.2 is the first microversion with a segment's ``enabled``; a Masakari
# older than that refuses it (406), and is asked again without: its 1.0
# has every segment enabled.
MICROVERSION = '1.2'

_SEGMENT_FIELDS = {'uuid': str, 'name': str, 'service_type': str,
                   'description': (str, type(None)), 'recovery_method': str}
_HOST_FIELDS = {'uuid': str, 'name': str, 'reserved': bool, 'type': str,
                'control_attributes': str, 'on_maintenance': bool,
                'failover_segment_id': str}


def read(options):
    """(segments, hosts) served by the v1 API the options (an argparse
    namespace of OpenStack's --os-* options) name."""
    api = _Api(openstack_options.adapter(options))
    segments = [_segment(view, api.endpoint)
                for view in api.pages('/segments', 'segments')]
    hosts = []
    for segment in segments:
        path = f"/segments/{parse.quote(segment['uuid'])}/hosts"
        for view in api.pages(path, 'hosts'):
            hosts.append(_record(view, _HOST_FIELDS, 'host', api.endpoint))
    return segments, hosts


class _Api:
    """GETs on the API, its faults turned into one-line errors."""

    def __init__(self, client):
        self._client = client
        self.endpoint = self._find_endpoint()
        self._microversion = MICROVERSION

    def _find_endpoint(self):
        try:
            endpoint = self._client.get_endpoint()
        except ks_exceptions.Unauthorized:
            raise exception.Invalid(
                reason=f'Keystone at {_auth_url(self._client)} refused the '
                       f'credentials (401)') from None
        except ks_exceptions.ClientException as exc:
            raise exception.Invalid(
                reason=f'cannot find the instance-ha endpoint through '
                       f'Keystone at {_auth_url(self._client)}: '
                       f'{_reason(exc)}') from None
        if not endpoint:
            raise exception.Invalid(
                reason=f'the catalog of Keystone at '
                       f'{_auth_url(self._client)} has no instance-ha '
                       f'endpoint: give it with '
                       f'--os-instance-ha-endpoint-override')
        return endpoint.rstrip('/')

    def pages(self, path, key):
        """Every record of a list, page after page (Masakari's API pages
        at its osapi_max_limit; ``marker`` asks for the next)."""
        records, seen, marker = [], set(), None
        while True:
            page = self._get(path + (f'?marker={parse.quote(marker)}'
                                     if marker else ''), key)
            new = [view for view in page if view.get('uuid') not in seen]
            if not new:
                break
            seen.update(view.get('uuid') for view in new)
            records.extend(new)
            marker = new[-1].get('uuid')
            if not isinstance(marker, str):
                break
        return records

    def _get(self, path, key):
        response = self._send(path)
        if response.status_code == 406 and self._microversion:
            self._microversion = None
            response = self._send(path)
        if response.status_code in (401, 403):
            raise exception.Invalid(reason=(
                f'the Masakari API at {self.endpoint} refused '
                f'GET {path} ({response.status_code}): '
                + ('it takes no request without a valid Keystone token: '
                   'give credentials, e.g. --os-cloud'
                   if response.status_code == 401 else
                   'these credentials may not list segments and hosts '
                   'there')))
        if response.status_code >= 400:
            raise exception.Invalid(
                reason=f'the Masakari API at {self.endpoint} answered GET '
                       f'{path} with {response.status_code}: '
                       f'{_fault(response)}')
        try:
            page = response.json()[key]
        except (ValueError, KeyError, TypeError):
            page = None
        if not isinstance(page, list) or not all(
                isinstance(view, dict) for view in page):
            raise exception.Invalid(
                reason=f'the Masakari API at {self.endpoint} answered GET '
                       f'{path} without a list of {key}: is it a Masakari '
                       f'v1 endpoint?')
        return page


    def _send(self, path):
        try:
            return self._client.get(
                self.endpoint + path, raise_exc=False,
                microversion=self._microversion,
                headers={'Accept': 'application/json'})
        except ks_exceptions.ClientException as exc:
            raise exception.Invalid(
                reason=f'cannot reach the Masakari API at {self.endpoint}: '
                       f'{_reason(exc)}') from None


def _record(view, fields, kind, endpoint):
    """The fields of one record, each of the type Masakari gives."""
    for field, types in fields.items():
        if not isinstance(view.get(field), types):
            raise exception.Invalid(
                reason=f"the Masakari API at {endpoint} sent a {kind} "
                       f"({view.get('name') or view.get('uuid') or '?'}) "
                       f"whose {field} is {view.get(field)!r}")
    return {field: view[field] for field in fields}


def _segment(view, endpoint):
    segment = _record(view, _SEGMENT_FIELDS, 'segment', endpoint)
    segment['enabled'] = view.get('enabled', True)
    if not isinstance(segment['enabled'], bool):
        raise exception.Invalid(
            reason=f"the Masakari API at {endpoint} sent a segment "
                   f"({segment['name']}) whose enabled is "
                   f"{segment['enabled']!r}")
    return segment


def _auth_url(client):
    return getattr(client.session.auth, 'auth_url', None) or '(none)'


def _reason(exc):
    """keystoneauth's message made short; it names URLs, never a token."""
    if isinstance(exc, ks_exceptions.ConnectTimeout):
        return 'no answer in time'
    if isinstance(exc, ks_exceptions.ConnectFailure):
        # The operating system's reason, under urllib3's wrapping.
        found = re.search(r"\[Errno -?\d+\] [^\"')]+", str(exc))
        return found.group(0) if found else 'cannot connect'
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _fault(response):
    try:
        [fault] = response.json().values()
        return str(fault['message'])[:200]
    except (ValueError, AttributeError, KeyError, TypeError):
        return response.text[:200] or response.reason
