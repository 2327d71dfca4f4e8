"""Recovery from the failure of one instance: stop it, start it, confirm."""

from hahealer import exception
from hahealer.conf import CONF
from hahealer.tasks import base

# Nova's intermediate states on the way to stopped or active.
POWERING_OFF = 'powering-off'
POWERING_ON = 'powering-on'


def _vm_state_is(nova, instance_uuid, vm_state):
    server = nova.get_server(instance_uuid)
    return server.vm_state == vm_state and server.task_state is None


class StopInstanceTask(base.HealerTask):
    """Stop a failed HA-enabled instance so it can be started cleanly."""

    def execute(self, instance_uuid):
        server = self.nova.get_server(instance_uuid)
        key = CONF.instance_failure.ha_enabled_instance_metadata_key
        if not (CONF.instance_failure.process_all_instances
                or server.metadata_flag(key)):
            message = (f"Recovery of instance '{instance_uuid}' is ignored "
                       f"as it is not HA-enabled (metadata {key} is not "
                       f"true).")
            self.update_details(message, 1.0)
            raise exception.IgnoreRecovery(reason=message)

        if server.vm_state in ('paused', 'rescued'):
            message = (f"Recovery of instance '{instance_uuid}' is ignored "
                       f"as it is in '{server.vm_state}' state.")
            self.update_details(message, 1.0)
            raise exception.IgnoreRecovery(reason=message)

        if server.vm_state != 'stopped' and server.task_state != POWERING_OFF:
            if server.vm_state == 'resized':
                # Nova only stops an instance in a stable state.
                self.nova.reset_server_state(instance_uuid, 'active')
            self.update_details(f'Stopping instance: {instance_uuid}')
            self.nova.stop_server(instance_uuid)

        self.wait_until(
            lambda: _vm_state_is(self.nova, instance_uuid, 'stopped'),
            CONF.wait_period_after_power_off,
            f'instance {instance_uuid} to stop',
            failure=f'Failed to stop instance {instance_uuid}')
        self.update_details(f"Stopped instance: '{instance_uuid}'", 1.0)


class StartInstanceTask(base.HealerTask):
    """Start the stopped instance again."""

    def execute(self, instance_uuid):
        self.update_details(f"Starting instance: '{instance_uuid}'")
        server = self.nova.get_server(instance_uuid)
        if server.vm_state == 'stopped' and server.task_state is None:
            self.nova.start_server(instance_uuid)
            self.update_details(f"Instance started: '{instance_uuid}'", 1.0)
        elif server.vm_state == 'active' or server.task_state == POWERING_ON:
            # Run again after an engine restart: the start went out.
            self.update_details(
                f"Instance '{instance_uuid}' is already starting or "
                f"active", 1.0)
        else:
            message = (f"Invalid state for instance {instance_uuid}. "
                       f"Expected state: 'STOPPED', actual state: "
                       f"'{server.vm_state}'")
            self.update_details(message, 1.0)
            raise exception.RecoveryFailed(reason=message)


class ConfirmInstanceActiveTask(base.HealerTask):
    """Wait until Nova reports the instance ACTIVE."""

    def execute(self, instance_uuid):
        self.update_details(
            f"Confirming instance '{instance_uuid}' vm_state is ACTIVE")
        self.wait_until(
            lambda: _vm_state_is(self.nova, instance_uuid, 'active'),
            CONF.wait_period_after_power_on,
            f'instance {instance_uuid} to become ACTIVE',
            failure=f'Failed to start instance {instance_uuid}')
        self.update_details(
            f"Confirmed instance '{instance_uuid}' vm_state is ACTIVE", 1.0)
