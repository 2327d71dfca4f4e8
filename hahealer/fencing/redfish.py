"""Fences a host through its BMC's Redfish API, with sushy.

Credentials go in HTTP basic authentication on each request: a fencing
call is a handful of requests, and basic authentication leaves no Redfish
session behind to fill the BMC's few session slots.
"""

import logging
import urllib.parse

import sushy
from sushy import auth as sushy_auth
from sushy import exceptions as sushy_exceptions

from hahealer import exception
from hahealer.fencing import base

LOG = logging.getLogger(__name__)

SYSTEMS_PATH = '/redfish/v1/Systems/'

_TRUE = frozenset({'true', 'yes', 'on', '1'})
_FALSE = frozenset({'false', 'no', 'off', '0'})


class RedfishDriver(base.FencingDriver):
    """System power control through a Redfish service."""

    required_params = frozenset({'address', 'username', 'password'})
    optional_params = frozenset({'system_id', 'verify_ca'})
    secret_params = frozenset({'password'})

    def __init__(self, host_name, params, timeout):
        super().__init__(host_name, params, timeout)
        self._system = None

    @classmethod
    def value_problems(cls, params):
        problems = []
        if 'address' in params:
            url = urllib.parse.urlsplit(str(params['address']))
            if url.scheme not in ('http', 'https') or not url.hostname:
                problems.append(
                    "address must be an http:// or https:// URL")
            elif url.username is not None or url.password is not None:
                problems.append("address must not hold credentials: use "
                                "the username and password parameters")
        return problems

    def get_power_state(self) -> str:
        system = self._call('power state read', self._fresh_system)
        if system.power_state is None:
            raise exception.FencingFailed(
                host=self.host_name,
                reason=f"Redfish system {system.path} at "
                       f"{self.params['address']} reports no power state")
        # Anything but Off (PoweringOff, Paused, ...) may still run guests.
        if system.power_state == sushy.PowerState.OFF:
            return base.POWER_OFF
        return base.POWER_ON

    def power_off(self) -> None:
        LOG.info("Powering off host %s through Redfish at %s",
                 self.host_name, self.params['address'])
        self._call('power off', self._reset, sushy.ResetType.FORCE_OFF)

    def _call(self, action, function, *args):
        try:
            return function(*args)
        except sushy_exceptions.SushyError as error:
            raise exception.FencingFailed(
                host=self.host_name,
                reason=f"Redfish {action} at {self.params['address']} "
                       f"failed: {self.redact(str(error))}") from None

    def _reset(self, reset_type):
        self._connected_system().reset_system(reset_type)

    def _fresh_system(self):
        system = self._connected_system()
        system.refresh()
        return system

    def _connected_system(self):
        """The sushy System, fetched on first use and kept for later calls.

        Keeping it makes each later call a single HTTP request.
        """
        if self._system is None:
            root = sushy.Sushy(
                self.params['address'],
                auth=sushy_auth.BasicAuth(self.params['username'],
                                          self.params['password']),
                verify=parse_verify_ca(self.params.get('verify_ca', True)),
                connect_timeout=self.timeout,
                read_timeout=self.timeout,
                # The fewest retries sushy takes (0 means its default of
                # 3): one attempt on a transport error or timeout, one
                # immediate retry of a GET answered 5xx. The caller retries
                # on its own schedule; sushy's would outlast the timeout.
                server_side_retries=1,
                server_side_retries_delay=0)
            system_path = self._system_path()
            if system_path is None:
                try:
                    self._system = root.get_system()
                except sushy_exceptions.UnknownDefaultError:
                    raise exception.FencingFailed(
                        host=self.host_name,
                        reason=f"the Redfish service at "
                               f"{self.params['address']} has more or fewer "
                               f"than one system: set system_id") from None
            else:
                self._system = root.get_system(system_path)
        return self._system

    def _system_path(self):
        system_id = self.params.get('system_id')
        if not system_id:
            return None
        if system_id.startswith('/'):
            return system_id
        return SYSTEMS_PATH + system_id


def parse_verify_ca(value):
    """verify_ca as sushy takes it: True, False or a CA bundle path."""
    if isinstance(value, bool):
        return value
    text = str(value).strip()
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    return text
