"""The compute API boundary: the one module that talks to Nova.

One ``NovaAPI`` serves a whole engine: one keystoneauth session (with a
connection pool sized for parallel evacuations), one novaclient client per
microversion in use, every request bounded by the session timeout. Nova's
errors come out as hahealer's ``Compute*`` exceptions naming the action;
calls that are safe to repeat are retried with backoff when Nova is
unreachable or answers 5xx.
"""

import logging
import threading
import time

import requests
import tenacity
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import session as ks_session
from novaclient import api_versions
from novaclient import client as nova_client
from novaclient import exceptions as nova_exc

from hahealer import exception
from hahealer import metrics
from hahealer.compute import bounded_http
from hahealer.compute import records

# The records are part of this module's interface: callers name them here.
from hahealer.compute.records import MIGRATION_FAILED  # noqa: F401
from hahealer.compute.records import Aggregate
from hahealer.compute.records import ComputeService  # noqa: F401
from hahealer.compute.records import Migration  # noqa: F401
from hahealer.compute.records import Server  # noqa: F401

LOG = logging.getLogger(__name__)

COMPUTE_BINARY = 'nova-compute'

# Microversions with behaviour hahealer depends on.
LOCK_REASON_VERSION = api_versions.APIVersion('2.73')
EVACUATE_KEEPS_STOPPED_VERSION = api_versions.APIVersion('2.95')
# Below 2.95 an evacuated instance ends running on its new host.
EVACUATE_BOOTS_VERSION = api_versions.APIVersion('2.94')

def _translate(action, exc, timeout=None):
    """Turn a novaclient or keystoneauth error into a hahealer one."""
    if isinstance(exc, nova_exc.NotFound):
        return exception.ComputeNotFound(action=action, reason=exc.message)
    if isinstance(exc, nova_exc.BadRequest):
        return exception.ComputeBadRequest(action=action,
                                           reason=exc.message)
    if isinstance(exc, nova_exc.Conflict):
        return exception.ComputeConflict(action=action, reason=exc.message)
    if isinstance(exc, nova_exc.ClientException):
        if exc.code is not None and int(exc.code) >= 500:
            return exception.ComputeUnavailable(
                action=action, reason=f'HTTP {exc.code}: {exc.message}')
        error = exception.ComputeError(
            action=action, reason=f'HTTP {exc.code}: {exc.message}')
        error.code = int(exc.code or 502)
        return error
    if isinstance(exc, ks_exc.ConnectTimeout) and timeout:
        return exception.ComputeUnavailable(
            action=action, reason=f'no answer within {timeout:g} s')
    if isinstance(exc, requests.RequestException):
        # An answer cut off while its body was read, past keystoneauth.
        return exception.ComputeUnavailable(
            action=action, reason=f'the answer was cut off '
                                  f'({type(exc).__name__})')
    if isinstance(exc, ks_exc.Unauthorized):
        # Most often Keystone refusing a wrong password: say where to look.
        return exception.ComputeUnavailable(
            action=action, reason='Unauthorized: the [nova] credentials '
                                  'were refused')
    if isinstance(exc, ks_exc.ConnectionError | ks_exc.HttpError):
        return exception.ComputeUnavailable(action=action,
                                            reason=type(exc).__name__)
    if isinstance(exc, ks_exc.ClientException):
        # Authentication and catalog errors: the name says enough, and
        # keystoneauth messages never carry credentials.
        return exception.ComputeError(action=action, reason=str(exc))
    return None


class NovaAPI:
    """Everything hahealer asks of Nova, in hahealer's terms."""

    def __init__(self, session, *, region_name=None, interface='internal',
                 endpoint_override=None, min_version='2.53',
                 max_version='2.96', retries=3, retry_max_delay=5.0):
        self._session = session
        self._client_kwargs = dict(region_name=region_name,
                                   endpoint_type=interface,
                                   endpoint_override=endpoint_override)
        self._min_version = api_versions.APIVersion(min_version)
        self._max_version = api_versions.APIVersion(max_version)
        self._retries = retries
        self._retry_max_delay = retry_max_delay
        self._version = None
        self._clients = {}
        self._lock = threading.Lock()

    @classmethod
    def from_conf(cls, conf):
        group = conf.nova
        auth = ks_loading.load_auth_from_conf_options(conf, 'nova')
        session = ks_loading.load_session_from_conf_options(
            conf, 'nova', auth=auth,
            session=bounded_http.session(group.timeout))
        return cls(session, region_name=group.region_name,
                   interface=group.interface,
                   endpoint_override=group.endpoint_override,
                   min_version=group.min_api_microversion,
                   max_version=group.max_api_microversion,
                   retries=group.api_retries,
                   retry_max_delay=group.api_retry_max_delay)

    @classmethod
    def for_endpoint(cls, endpoint, token='hahealer', timeout=30, **kwargs):
        """A client for a lab endpoint that needs no keystone."""
        from keystoneauth1 import token_endpoint
        session = ks_session.Session(
            auth=token_endpoint.Token(endpoint, token), timeout=timeout,
            session=bounded_http.session(timeout))
        return cls(session, endpoint_override=endpoint, **kwargs)

    # --- microversions ----------------------------------------------------

    @property
    def api_version(self):
        """The negotiated microversion (asks Nova on first use)."""
        with self._lock:
            if self._version is None:
                self._version = self._negotiate()
            return self._version

    def probe(self):
        """Ask Nova for its versions now (authenticating first): the
        microversion both sides support. ComputeError says why not.

        The answer is kept: a probe at start-up spares the first
        recovery a request on its way to the first evacuation.
        """
        version = self._negotiate()
        with self._lock:
            self._version = version
        return version

    def _negotiate(self):
        probe = self._new_client(api_versions.APIVersion('2.1'))
        try:
            best = self._call('version negotiation',
                              api_versions.discover_version, probe,
                              api_versions.APIVersion('2.latest'))
        except nova_exc.UnsupportedVersion as exc:
            raise exception.ComputeError(action='version negotiation',
                                         reason=str(exc)) from None
        version = min(best, self._max_version)
        if version < self._min_version:
            raise exception.ComputeError(
                action='version negotiation',
                reason=(f'Nova supports up to microversion '
                        f'{best.get_string()}; hahealer needs at least '
                        f'{self._min_version.get_string()}'))
        LOG.info('Using compute API microversion %s', version.get_string())
        return version

    def _new_client(self, version):
        return nova_client.Client(version, session=self._session,
                                  **self._client_kwargs)

    def _client(self, version=None):
        version = version or self.api_version
        key = version.get_string()
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._clients[key] = self._new_client(version)
            return client

    # --- calling ----------------------------------------------------------

    def _call(self, action, func, *args, safe=True, **kwargs):
        """Run one novaclient call, translating and retrying errors.

        ``safe`` calls (reads, and writes that set a state) are retried
        when Nova was unreachable or failed internally.
        """
        def attempt():
            try:
                return func(*args, **kwargs)
            except exception.HahealerException:
                raise
            except Exception as exc:
                error = _translate(action, exc, self._session.timeout)
                if error is None:
                    raise
                # Not chained: the recovery's stored failure must hold
                # only what can be written down (a timeout's cause holds
                # the connection), and the message names the cause.
                raise error from None

        call = func.__qualname__
        started = time.monotonic()
        outcome = 'ok'
        try:
            return self._attempts(attempt, action, safe)
        except Exception as exc:
            outcome = type(exc).__name__
            raise
        finally:
            metrics.NOVA_REQUESTS.labels(call, outcome).inc()
            metrics.NOVA_LATENCY.labels(call).observe(
                time.monotonic() - started)

    def _attempts(self, attempt, action, safe):
        if not safe or self._retries == 0:
            return attempt()
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(
                exception.ComputeUnavailable),
            stop=tenacity.stop_after_attempt(self._retries + 1),
            wait=tenacity.wait_exponential(multiplier=0.2,
                                           max=self._retry_max_delay),
            before_sleep=lambda state: LOG.warning(
                'Retrying %s: %s', action, state.outcome.exception()),
            reraise=True)
        return retrying(attempt)

    # --- services ---------------------------------------------------------

    def get_compute_service(self, host: str) -> ComputeService:
        action = f'looking up the nova-compute service of host {host}'
        services = self._call(action, self._client().services.list,
                              host=host, binary=COMPUTE_BINARY)
        if not services:
            raise exception.ComputeNotFound(
                action=action,
                reason=f'no nova-compute service is registered for host '
                       f'{host}')
        return records.to_service(services[0])

    def disable_service(self, host: str, reason: str,
                        retry: bool = True) -> None:
        """Disable ``host``'s nova-compute with ``reason``.

        ``retry`` False sends the request once: Nova answers the disabling
        of a dead host it still believes up only after its RPC timeout, and
        each resend would tie up one more API worker the same way.
        """
        service = self.get_compute_service(host)
        self._call(f'disabling nova-compute on host {host}',
                   self._client().services.disable_log_reason,
                   service.id, reason, safe=retry)

    def enable_service(self, host: str) -> None:
        service = self.get_compute_service(host)
        self._call(f'enabling nova-compute on host {host}',
                   self._client().services.enable, service.id)

    def force_down_service(self, host: str, down: bool = True) -> None:
        service = self.get_compute_service(host)
        verb = 'forcing down' if down else 'lifting force-down of'
        self._call(f'{verb} nova-compute on host {host}',
                   self._client().services.force_down, service.id, down)

    def take_out_of_service(self, service: ComputeService,
                            reason: str) -> None:
        """Force ``service`` down and disable it, in one request.

        Nova sets forced_down before it looks at the status, so it disables
        a dead host without calling it; one request instead of two keeps
        the way to the first evacuation short.
        """
        body: dict[str, bool | str] = {'forced_down': True}
        if not service.disabled:
            body.update(status='disabled', disabled_reason=reason)
        # novaclient has no call for both at once; its own _update sends
        # the PUT /os-services/{id} its force_down and disable send.
        self._call(f'forcing down and disabling nova-compute on host '
                   f'{service.host}', self._client().services._update,
                   f'/os-services/{service.id}', body, 'service')

    # --- servers ----------------------------------------------------------

    def list_servers(self, host: str) -> list[Server]:
        """Every instance Nova places on ``host``, across all projects."""
        raws = self._call(f'listing the instances of host {host}',
                          self._client().servers.list,
                          search_opts={'all_tenants': True, 'host': host},
                          limit=-1)
        return [records.to_server(raw) for raw in raws]

    def get_server(self, server_id: str) -> Server:
        raw = self._call(f'looking up instance {server_id}',
                         self._client().servers.get, server_id)
        return records.to_server(raw)

    def stop_server(self, server_id: str) -> None:
        self._call(f'stopping instance {server_id}',
                   self._client().servers.stop, server_id, safe=False)

    def start_server(self, server_id: str) -> None:
        self._call(f'starting instance {server_id}',
                   self._client().servers.start, server_id, safe=False)

    def lock_server(self, server_id: str, reason: str) -> None:
        client = self._client()
        kwargs = {}
        if client.api_version >= LOCK_REASON_VERSION:
            kwargs['reason'] = reason
        # Not retried: a lock whose answer was lost may still land, so the
        # caller reads the instance instead of asking twice.
        self._call(f'locking instance {server_id}', client.servers.lock,
                   server_id, safe=False, **kwargs)

    def unlock_server(self, server_id: str) -> None:
        self._call(f'unlocking instance {server_id}',
                   self._client().servers.unlock, server_id)

    def reset_server_state(self, server_id: str, state: str = 'error',
                           retry: bool = True) -> None:
        """``retry`` False sends it once: before an evacuation, a reset
        whose answer was lost may still land later and must be waited
        for, not sent again."""
        self._call(f'resetting the state of instance {server_id} to {state}',
                   self._client().servers.reset_state, server_id, state,
                   safe=retry)

    @property
    def evacuate_keeps_stopped(self) -> bool:
        """Whether Nova hands an evacuated instance back stopped (2.95+)."""
        return self.api_version >= EVACUATE_KEEPS_STOPPED_VERSION

    def evacuate_server(self, server_id: str, target_host: str | None = None,
                        boot: bool = True) -> None:
        """Ask Nova to rebuild ``server_id`` on another host.

        With ``boot`` false the instance arrives stopped where Nova supports
        it (2.95+); the caller checks ``evacuate_keeps_stopped`` and stops it
        afterwards otherwise. Never retried: a lost answer may hide an
        evacuation that did start.
        """
        version = self.api_version
        if boot:
            version = min(version, EVACUATE_BOOTS_VERSION)
        target = f' to host {target_host}' if target_host else ''
        self._call(f'evacuating instance {server_id}{target}',
                   self._client(version).servers.evacuate, server_id,
                   host=target_host, safe=False)

    def evacuations(self, source_host: str,
                    instance_uuid: str | None = None) -> list[Migration]:
        """Nova's evacuation records from ``source_host``, oldest first."""
        what = (f'instance {instance_uuid}' if instance_uuid
                else f'the instances of host {source_host}')
        raws = self._call(
            f'listing the evacuations of {what}',
            self._client().migrations.list, source_compute=source_host,
            instance_uuid=instance_uuid, migration_type='evacuation')
        return sorted((records.to_migration(raw) for raw in raws),
                      key=lambda record: record.id)

    # --- aggregates -------------------------------------------------------

    def list_aggregates(self) -> list[Aggregate]:
        raws = self._call('listing host aggregates',
                          self._client().aggregates.list)
        return [Aggregate(id=raw.id, name=raw.name,
                          hosts=tuple(raw.hosts or ())) for raw in raws]

    def add_host_to_aggregate(self, aggregate: Aggregate, host: str) -> None:
        self._call(f'adding host {host} to aggregate {aggregate.name}',
                   self._client().aggregates.add_host, aggregate.id, host)
