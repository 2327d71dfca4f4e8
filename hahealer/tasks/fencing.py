"""Fencing: power a failed host off, and confirm it, before evacuating.

Fail closed: when the power-off cannot be confirmed the host may still be
running its instances, and evacuating them would run each one twice on the
same disks. So a fencing failure ends the recovery in error, with the
host's nova-compute service disabled but nothing evacuated.
"""

from hahealer import exception
from hahealer import fencing
from hahealer import metrics
from hahealer.conf import CONF
from hahealer.tasks import base
from hahealer.tasks import keys
from hahealer.tasks import services


def fence_host(task, host_name):
    """Power ``host_name`` off through its BMC and wait until it is off.

    On failure, disable the host's compute service (so nothing new lands
    on a host that may be alive) and raise FencingFailed.
    """
    record = task.resources.database.get_host(host_name)
    driver = record.fencing_driver or 'none'
    _check_nova(task, host_name)
    try:
        _power_off(task, record)
        metrics.FENCING.labels(driver, 'succeeded').inc()
    except Exception as exc:
        # Whatever a driver raises (a BMC answering garbage included), the
        # power-off is not confirmed: fail closed.
        metrics.FENCING.labels(driver, 'failed').inc()
        cause = getattr(exc, 'message', None) or _describe(exc)
        error = exc if isinstance(exc, exception.FencingFailed) else (
            exception.FencingFailed(
                host=host_name,
                reason=_without_secrets(record, f'{driver} driver: {cause}')))
        task.update_details(
            f'{error.message.rstrip(".")}. Nothing will be evacuated from it; '
            f'disabling its compute service', 1.0)
        services.request_disable(task, host_name,
                                 CONF.host_failure.service_disable_reason)
        raise error from exc


def _without_secrets(record, text):
    """An unexpected driver error may quote its parameters: mask them."""
    params = record.fencing_params or {}
    masked = fencing.mask_params(record.fencing_driver, params)
    for key, value in params.items():
        if masked[key] != value and value:
            text = text.replace(str(value), masked[key])
    return text


def _describe(exc):
    return f'{type(exc).__name__}: {exc}' if str(exc) else type(exc).__name__


def _check_nova(task, host_name):
    """Power nothing off unless Nova can then take the instances over."""
    try:
        task.nova.get_compute_service(host_name)
    except exception.ComputeError as exc:
        message = (f'Not fencing host {host_name}: Nova cannot be used to '
                   f'recover it ({exc.message}); nothing was powered off')
        task.update_details(message, 1.0)
        raise exception.RecoveryFailed(reason=message) from None


def _power_off(task, record):
    host_name = record.name
    if not record.fencing_driver:
        raise exception.FencingFailed(
            host=host_name,
            reason="no fencing driver is set for it (set one with "
                   "'hahealer host update --fencing-driver', or choose "
                   "[host_failure] quick_evacuate_level 1 or 3)")
    driver = fencing.load_driver(record.fencing_driver, host_name,
                                 record.fencing_params,
                                 CONF.fencing.request_timeout)
    task.update_details(f"Fencing host '{host_name}' through its "
                        f"{record.fencing_driver} BMC", 0.1)
    if not driver.fences:
        task.update_details(
            f"No power-off took place for host '{host_name}': its fencing "
            f"driver is {record.fencing_driver}, which powers nothing off; "
            f"its instances may run twice if it is still alive", 0.5)
        return
    if driver.get_power_state() != 'off':
        task.context.lease.check()
        driver.power_off()
        task.update_details(f"Power-off requested for host '{host_name}'",
                            0.3)
    task.wait_until(lambda: driver.get_power_state() == 'off',
                    CONF.fencing.power_off_timeout,
                    f'the BMC of host {host_name} to report power off')
    task.update_details(f"Host '{host_name}' is powered off", 0.5)


class FenceHostTask(base.HealerTask):
    """Power the failed host off and confirm it before anything else."""

    default_provides = keys.HOST_FENCED

    def execute(self, host_name):
        fence_host(self, host_name)
        self.update_details(f"Fenced host '{host_name}'", 1.0)
        return True
