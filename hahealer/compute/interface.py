"""What hahealer asks of Nova: the one declaration of the compute boundary.

``hahealer.compute.nova.NovaAPI`` implements it against Nova; the unit
tests' fake Nova implements it in memory. mypy holds both to it (the pep8
environment), and a unit test compares their parameters, so a new Nova
call is declared here first, then added to both. Calls that change Nova
are also listed in ``hahealer.compute.actions``.
"""

from __future__ import annotations

import typing

if typing.TYPE_CHECKING:
    from hahealer.compute import nova


class Compute(typing.Protocol):
    @property
    def evacuate_keeps_stopped(self) -> bool:
        """Whether Nova hands an evacuated instance back stopped (2.95+)."""

    # --- services ---------------------------------------------------------

    def get_compute_service(self, host: str) -> nova.ComputeService:
        """The nova-compute service of ``host``; ComputeNotFound if none."""

    def disable_service(self, host: str, reason: str,
                        retry: bool = True) -> None:
        """Disable ``host``'s nova-compute; ``retry`` False sends it once."""

    def enable_service(self, host: str) -> None: ...

    def force_down_service(self, host: str, down: bool = True) -> None: ...

    def take_out_of_service(self, service: nova.ComputeService,
                            reason: str) -> None: ...

    # --- servers ----------------------------------------------------------

    def list_servers(self, host: str) -> list[nova.Server]:
        """Every instance Nova places on ``host``, across all projects."""

    def get_server(self, server_id: str) -> nova.Server: ...

    def stop_server(self, server_id: str) -> None: ...

    def start_server(self, server_id: str) -> None: ...

    def lock_server(self, server_id: str, reason: str) -> None: ...

    def unlock_server(self, server_id: str) -> None: ...

    def reset_server_state(self, server_id: str, state: str = 'error',
                           retry: bool = True) -> None: ...

    def evacuate_server(self, server_id: str, target_host: str | None = None,
                        boot: bool = True) -> None:
        """Rebuild ``server_id`` elsewhere; ``boot`` False keeps it stopped
        where Nova supports it (see ``evacuate_keeps_stopped``)."""

    def evacuations(self, source_host: str,
                    instance_uuid: str | None = None) -> list[nova.Migration]:
        """Nova's evacuation records from ``source_host``, oldest first."""

    # --- aggregates -------------------------------------------------------

    def list_aggregates(self) -> list[nova.Aggregate]: ...

    def add_host_to_aggregate(self, aggregate: nova.Aggregate,
                              host: str) -> None: ...


if typing.TYPE_CHECKING:
    # mypy holds the implementation to the interface here.
    _IMPLEMENTATION: type[Compute] = nova.NovaAPI
