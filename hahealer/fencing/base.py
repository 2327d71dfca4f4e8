"""What a fencing driver is, and how one is found by name.

A fencing driver powers one host off through its out-of-band controller
(BMC) and reads the host's power state back. Each call is one bounded
protocol exchange: waiting until the host is really off is the caller's
job, so that the wait can be interrupted.

Drivers are found through the entry point namespace ``NAMESPACE``, so a
deployer can ship a driver for other hardware in a package of their own.
"""

import abc
import importlib.metadata

from stevedore import driver as stevedore_driver
from stevedore import exception as stevedore_exception

from hahealer import exception

NAMESPACE = 'hahealer.fencing_drivers'

POWER_ON = 'on'
POWER_OFF = 'off'

#: What a secret value is replaced with wherever parameters are shown.
MASK = '***'


class FencingDriver(abc.ABC):
    """Powers one host off and reports its power state."""

    #: parameter names this driver needs / accepts / must never show
    required_params: frozenset[str] = frozenset()
    optional_params: frozenset[str] = frozenset()
    secret_params: frozenset[str] = frozenset()
    #: False for a driver that powers nothing off (noop): the recovery
    #: then says so instead of recording a power-off
    fences: bool = True

    def __init__(self, host_name: str, params: dict, timeout: float):
        """Check the parameters; talk to nothing yet.

        :param timeout: seconds one protocol exchange may take, so that a
            BMC that never answers cannot hang a recovery.
        """
        self.validate_params(params)
        if timeout <= 0:
            raise exception.Invalid(
                reason=f"fencing timeout must be positive, got {timeout}")
        self.host_name = host_name
        self.params = dict(params)
        self.timeout = float(timeout)

    @classmethod
    def validate_params(cls, params: dict) -> None:
        """Raise Invalid naming every missing, unknown or malformed key.

        Messages name keys and rules, never values: a value may be a
        password typed under the wrong key.
        """
        accepted = cls.required_params | cls.optional_params
        missing = sorted(
            key for key in cls.required_params if _is_empty(params.get(key)))
        unknown = sorted(set(params) - accepted)
        problems = []
        if missing:
            problems.append(f"missing {', '.join(missing)}")
        if unknown:
            problems.append(
                f"unknown {', '.join(unknown)} "
                f"(accepted: {', '.join(sorted(accepted))})")
        present = {key: value for key, value in params.items()
                   if key in accepted and not _is_empty(value)}
        problems.extend(cls.value_problems(present))
        if problems:
            raise exception.Invalid(
                reason=f"fencing parameters for {cls.__name__}: "
                       f"{'; '.join(problems)}")

    @classmethod
    def value_problems(cls, params: dict) -> list[str]:
        """Describe each malformed value among the given (present) keys.

        Drivers override this; each description names the key and the
        rule, never the value.
        """
        return []

    def redact(self, text: str) -> str:
        """Return text with every secret parameter value masked.

        Used on messages that come from a BMC or a client tool before they
        reach an error or a log line.
        """
        for key in self.secret_params:
            value = self.params.get(key)
            if not _is_empty(value):
                text = text.replace(str(value), MASK)
        return text

    @abc.abstractmethod
    def get_power_state(self) -> str:
        """Return POWER_ON or POWER_OFF.

        :raises FencingFailed: the BMC refused or did not answer in time.
        """

    @abc.abstractmethod
    def power_off(self) -> None:
        """Cut the host's power at once (not a graceful shutdown).

        :raises FencingFailed: the BMC refused or did not answer in time.
        """


def mask_params(driver_cls_or_name, params: dict) -> dict:
    """Return a copy of params with the driver's secret values masked.

    When a driver name cannot be resolved, every value is masked: showing
    too little is better than showing a password.
    """
    driver_cls = driver_cls_or_name
    if not driver_cls_or_name:
        return {key: MASK for key in params}
    if isinstance(driver_cls_or_name, str):
        try:
            driver_cls = driver_class(driver_cls_or_name)
        except exception.Invalid:
            return {key: MASK for key in params}
    return {key: MASK if key in driver_cls.secret_params else value
            for key, value in params.items()}


def available_drivers() -> list[str]:
    """Names of the installed fencing drivers, sorted."""
    entry_points = importlib.metadata.entry_points(group=NAMESPACE)
    return sorted({entry_point.name for entry_point in entry_points})


def driver_class(name: str) -> type[FencingDriver]:
    """Return the driver class installed under this name.

    :raises Invalid: no driver has this name (the message lists the
        available ones), or the driver cannot be imported.
    """
    try:
        manager = stevedore_driver.DriverManager(
            NAMESPACE, name, invoke_on_load=False,
            on_load_failure_callback=_raise_load_failure)
    except stevedore_exception.NoMatches:
        choices = ', '.join(available_drivers()) or 'none installed'
        raise exception.Invalid(
            reason=f"unknown fencing driver {name!r}; "
                   f"available: {choices}") from None
    except stevedore_exception.MultipleMatches:
        raise exception.Invalid(
            reason=f"more than one installed package provides fencing "
                   f"driver {name!r}") from None
    found = manager.driver
    if not (isinstance(found, type) and issubclass(found, FencingDriver)):
        raise exception.Invalid(
            reason=f"fencing driver {name!r} is not a FencingDriver")
    return found


def _raise_load_failure(manager, entry_point, error):
    raise exception.Invalid(
        reason=f"fencing driver {entry_point.name!r} cannot be loaded: "
               f"{error}") from error


def _is_empty(value) -> bool:
    return value is None or value == ''
