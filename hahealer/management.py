"""Managing failover segments and their hosts: the one place the rules live.

The RPC endpoint and the REST API both manage through :class:`Management`:
fencing parameters are checked against their driver, a new host must be a
compute host Nova knows, and a segment whose hosts are being recovered
(a notification new or running) is not changed under them.
Answers never carry a fencing secret.
"""

import logging

from hahealer import exception
from hahealer import fencing

LOG = logging.getLogger(__name__)


class Management:
    """Segments and hosts over ``database``; ``nova`` (a NovaAPI), when
    given, is asked whether each new host is a compute host."""

    def __init__(self, database, nova=None):
        self._db = database
        self._nova = nova

    # --- segments -----------------------------------------------------------

    def create_segment(self, name, recovery_method, description=None,
                       enabled=True, service_type='COMPUTE', uuid_=None):
        return self._db.create_segment(name, recovery_method, description,
                                       enabled, service_type, uuid_)

    def get_segment(self, segment):
        return self._db.get_segment(segment)

    def list_segments(self, **query):
        return self._db.list_segments(**query)

    def update_segment(self, segment, values):
        self._check_not_in_recovery(segment, 'update')
        return self._db.update_segment(segment, **values)

    def delete_segment(self, segment):
        self._check_not_in_recovery(segment, 'delete')
        self._db.delete_segment(segment)
        LOG.info('Deleted failover segment %s', segment)

    # --- hosts --------------------------------------------------------------

    def create_host(self, name, segment, reserved=False,
                    on_maintenance=False, fencing_driver=None,
                    fencing_params=None, type='COMPUTE',
                    control_attributes='', uuid_=None, nova_check=True):
        """``nova_check`` False adds a host Nova does not know (yet), e.g.
        one being installed, or while Nova is down."""
        _check_fencing(fencing_driver, fencing_params or {})
        self._db.get_segment(segment)
        if nova_check:
            self._check_in_nova(name)
        return self._db.create_host(
            name, segment, reserved=reserved, on_maintenance=on_maintenance,
            fencing_driver=fencing_driver, fencing_params=fencing_params,
            mask=fencing.mask_params, type=type,
            control_attributes=control_attributes, uuid_=uuid_)

    def get_host(self, host, segment=None):
        return self._db.show_host(host, mask=fencing.mask_params,
                                  segment=segment)

    def list_hosts(self, segment=None, **query):
        return self._db.list_hosts(segment, mask=fencing.mask_params,
                                   **query)

    def update_host(self, host, values, segment=None):
        """Update a host; fencing parameters given for the same driver are
        merged into the stored ones (a new password alone rotates it)."""
        current = self.get_host(host, segment)
        self._check_not_in_recovery(current['segment'], 'update host '
                                    f"{current['name']} of")
        if values.get('fencing_driver', '') is None:
            values.setdefault('fencing_params', {})
        if 'fencing_driver' in values or 'fencing_params' in values:
            row = self._db.get_host(host)
            driver = values.get('fencing_driver', row.fencing_driver)
            if 'fencing_params' in values and driver == row.fencing_driver:
                values['fencing_params'] = {**row.fencing_params,
                                            **values['fencing_params']}
            try:
                _check_fencing(driver, values.get('fencing_params',
                                                  row.fencing_params))
            except exception.Invalid as exc:
                if ('fencing_params' in values
                        or driver == row.fencing_driver):
                    raise
                raise exception.Invalid(reason=(
                    f"{exc.kwargs['reason']}. The parameters stored for "
                    f"driver {row.fencing_driver} do not suit {driver}: "
                    f"give {driver}'s parameters in the same command, "
                    f"e.g. hahealer host update {row.name} "
                    f"--fencing-driver {driver} --fencing-param KEY=VALUE "
                    f"(repeated)")) from None
        if values.get('name', current['name']) != current['name']:
            self._check_in_nova(values['name'])
        return self._db.update_host(host, mask=fencing.mask_params, **values)

    def delete_host(self, host, segment=None):
        current = self.get_host(host, segment)
        self._check_not_in_recovery(current['segment'], 'delete host '
                                    f"{current['name']} of")
        self._db.delete_host(host)
        LOG.info('Deleted host %s', current['name'])

    # --- rules --------------------------------------------------------------

    def _check_in_nova(self, name):
        if self._nova is None:
            return
        try:
            self._nova.get_compute_service(name)
        except exception.ComputeNotFound:
            raise exception.Invalid(
                reason=f'host {name} is not a compute host: Nova has no '
                       f'nova-compute service on a host of that name') \
                from None

    def _check_not_in_recovery(self, segment, action):
        busy = self._db.hosts_in_recovery(segment)
        if busy:
            raise exception.Conflict(
                reason=f"cannot {action} segment {segment}: host "
                       f"{', '.join(busy)} has a notification new or "
                       f"running")


def _check_fencing(driver_name, params):
    if not driver_name:
        if params:
            raise exception.Invalid(
                reason='fencing parameters need a fencing driver')
        return
    fencing.driver_class(driver_name).validate_params(params)
