"""Fences a host through its BMC over IPMI-over-LAN, with ipmitool.

ipmitool is the client that fence_ipmilan and masakari-monitors run, and
the one that logs in to real BMCs and to hahealer's simulated BMC alike
(see docs/fencing.md). The password reaches it through the IPMI_PASSWORD
environment variable (``-E``), never its command line, which any local
user can read.
"""

import logging
import os
import re
import subprocess

from hahealer import exception
from hahealer.fencing import base

LOG = logging.getLogger(__name__)

IPMITOOL = 'ipmitool'
DEFAULT_PORT = 623
DEFAULT_INTERFACE = 'lanplus'
INTERFACES = ('lanplus', 'lan')
# IPMI 2.0 (lanplus) passwords hold 20 bytes, IPMI 1.5 (lan) ones 16.
MAX_PASSWORD_BYTES = {'lanplus': 20, 'lan': 16}
PRIVILEGE_LEVELS = ('CALLBACK', 'USER', 'OPERATOR', 'ADMINISTRATOR')

_POWER_STATUS = re.compile(r'^Chassis Power is (on|off)$', re.MULTILINE)


class IPMIDriver(base.FencingDriver):
    """Chassis power control through ipmitool."""

    required_params = frozenset({'address', 'username', 'password'})
    optional_params = frozenset(
        {'port', 'interface', 'privilege_level', 'cipher_suite'})
    secret_params = frozenset({'password'})

    @classmethod
    def value_problems(cls, params):
        problems = []
        if 'address' in params and not _is_host(str(params['address'])):
            problems.append("address must be a host name or an IP address")
        if 'port' in params and _as_int(params['port'], 1, 65535) is None:
            problems.append("port must be an integer from 1 to 65535")
        if params.get('interface', DEFAULT_INTERFACE) not in INTERFACES:
            problems.append(
                f"interface must be one of {', '.join(INTERFACES)}")
        level = str(params.get('privilege_level', 'ADMINISTRATOR')).upper()
        if level not in PRIVILEGE_LEVELS:
            problems.append(f"privilege_level must be one of "
                            f"{', '.join(PRIVILEGE_LEVELS)}")
        if ('cipher_suite' in params
                and _as_int(params['cipher_suite'], 0, 255) is None):
            problems.append("cipher_suite must be an integer from 0 to 255")
        interface = params.get('interface', DEFAULT_INTERFACE)
        limit = MAX_PASSWORD_BYTES.get(interface)
        if limit and len(str(params.get('password', '')).encode()) > limit:
            # Said here, at host create, not at 3 a.m. when fencing fails.
            problems.append(f"password must be at most {limit} bytes with "
                            f"interface {interface}")
        return problems

    @property
    def _bmc(self):
        return f"{self.params['address']}:{self._port}"

    @property
    def _port(self):
        return int(self.params.get('port') or DEFAULT_PORT)

    def command(self, *ipmi_command: str) -> list[str]:
        """The ipmitool argv for one IPMI command; it holds no password."""
        argv = [
            IPMITOOL,
            '-I', self.params.get('interface') or DEFAULT_INTERFACE,
            '-H', str(self.params['address']),
            '-p', str(self._port),
            '-U', str(self.params['username']),
            '-E',
            '-N', '1',
            '-R', str(ipmitool_retries(self.timeout)),
        ]
        if self.params.get('privilege_level'):
            argv += ['-L', str(self.params['privilege_level']).upper()]
        if self.params.get('cipher_suite') not in (None, ''):
            argv += ['-C', str(int(self.params['cipher_suite']))]
        return argv + list(ipmi_command)

    def environment(self) -> dict[str, str]:
        """The ipmitool process environment: the password and little else.

        LC_ALL=C keeps its messages in the English this module parses.
        """
        return {'PATH': os.environ.get('PATH', os.defpath),
                'LC_ALL': 'C',
                'IPMI_PASSWORD': str(self.params['password'])}

    def get_power_state(self) -> str:
        output = self._run('chassis', 'power', 'status')
        match = _POWER_STATUS.search(output)
        if match is None:
            raise exception.FencingFailed(
                host=self.host_name,
                reason=f"unexpected answer from BMC {self._bmc} to chassis "
                       f"power status: {self.redact(output.strip())!r}")
        return base.POWER_ON if match.group(1) == 'on' else base.POWER_OFF

    def power_off(self) -> None:
        LOG.info("Powering off host %s through IPMI at %s", self.host_name,
                 self._bmc)
        self._run('chassis', 'power', 'off')

    def _run(self, *ipmi_command: str) -> str:
        argv = self.command(*ipmi_command)
        action = ' '.join(ipmi_command)
        LOG.debug("Running %s for host %s", argv, self.host_name)
        try:
            result = subprocess.run(
                argv, env=self.environment(), stdin=subprocess.DEVNULL,
                capture_output=True, text=True, timeout=self.timeout,
                check=False)
        except FileNotFoundError:
            raise exception.FencingFailed(
                host=self.host_name,
                reason=f"{IPMITOOL} is not installed (install the "
                       f"'ipmitool' package)") from None
        except subprocess.TimeoutExpired:
            raise exception.FencingFailed(
                host=self.host_name,
                reason=f"BMC {self._bmc} did not complete {action} within "
                       f"{self.timeout:g} s") from None
        if result.returncode != 0:
            message = (result.stderr or result.stdout).strip()
            raise exception.FencingFailed(
                host=self.host_name,
                reason=f"{action} at BMC {self._bmc} failed: "
                       f"{self.redact(message)}")
        return result.stdout


def ipmitool_retries(timeout: float) -> int:
    """How many times ipmitool may retry a request within timeout seconds.

    With ``-N 1 -R R``, ipmitool 1.8 gives up on a silent BMC after about
    R * (R + 1) seconds (measured: its wait grows with each retry).
    Retries ride out lost UDP packets; taking the most that fit lets
    ipmitool report its own error before the hard timeout kills it.
    """
    retries = 1
    while (retries + 1) * (retries + 2) <= timeout:
        retries += 1
    return retries


def _is_host(address):
    # No real address has blanks or starts with '-'; refusing those keeps
    # anything that looks like an option off ipmitool's command line.
    return not address.startswith('-') and not any(
        char.isspace() for char in address)


def _as_int(value, lowest, highest):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if lowest <= number <= highest else None
