"""Recovery from the failure of a key process on a compute host."""

from hahealer.conf import CONF
from hahealer.tasks import base
from hahealer.tasks import services


class DisableComputeNodeTask(base.HealerTask):
    """Keep new instances off a host whose key process failed."""

    def execute(self, process_name, host_name):
        self.update_details(
            f"Disabling compute service on host: '{host_name}'")
        if services.request_disable(
                self, host_name, CONF.process_failure.service_disable_reason):
            self.update_details(
                f"Disabled compute service on host: '{host_name}'", 1.0)
        else:
            self.update_details(
                f'Skipping recovery for process {process_name} as it is '
                f'already disabled', 1.0)


class ConfirmComputeNodeDisabledTask(base.HealerTask):
    """Fail the recovery unless Nova shows the service disabled."""

    def execute(self, process_name, host_name):
        self.update_details(
            f"Confirming compute service is disabled on host: "
            f"'{host_name}'")
        self.wait_until(
            lambda: self.nova.get_compute_service(host_name).disabled,
            CONF.wait_period_after_service_update,
            f'nova-compute of host {host_name} to be disabled',
            failure=f'Failed to disable service {process_name} on host '
                    f'{host_name}')
        self.update_details(
            f"Confirmed compute service is disabled on host: "
            f"'{host_name}'", 1.0)
