"""Start-up checks: what must hold before an engine takes work.

The engine runs them before it starts, and ``hahealer config validate``
runs them without starting anything. Errors stop the engine; warnings are
logged.
"""

import dataclasses
import logging

from hahealer import exception
from hahealer import fencing
from hahealer.conf import audit
from hahealer.db import api as db_api
from hahealer.db import migration
from hahealer.engine import coordination
from hahealer.engine import flows

LOG = logging.getLogger(__name__)

LEVEL_1_RISK = (
    '[host_failure] quick_evacuate_level is 1: failed hosts are forced down '
    'without fencing. If a host is in fact still running, an instance may '
    'run twice and two copies may write to the same disk.')


@dataclasses.dataclass
class Report:
    errors: list
    warnings: list


def run(conf, database=None):
    """Every check; a Report of the errors and the warnings."""
    report = Report(errors=audit.bad_values(conf), warnings=[])
    if report.errors:
        return report  # the checks below would read those values
    findings = audit.audit(conf)
    report.errors.extend(findings.errors)
    report.warnings.extend(findings.warnings)
    try:
        flows.validate_all()
    except exception.ConfigurationError as exc:
        report.errors.append(exc.kwargs['reason'])
    if conf.host_failure.quick_evacuate_level == 1:
        report.warnings.append(LEVEL_1_RISK)
    own_database = database is None
    if own_database:
        database = db_api.Database(conf.database.connection)
    try:
        migration.check_current(database.engine)
        report.warnings.extend(_fencing_warnings(conf, database))
        if (database.networked
                and conf.coordination.backend_url.startswith('file://')):
            coordination.check_shared(conf.coordination.backend_url, True)
    except exception.ConfigurationError as exc:
        report.errors.append(exc.kwargs['reason'])
    finally:
        if own_database:
            database.dispose()
    return report


def check_startup(conf, database=None):
    """Log the warnings; raise ConfigurationError listing every error."""
    report = run(conf, database)
    for warning in report.warnings:
        LOG.warning('%s', warning)
    if report.errors:
        raise exception.ConfigurationError(reason='; '.join(report.errors))
    return report.warnings


def _fencing_warnings(conf, database):
    """Hosts that level 2 could not fence, and unknown fencing drivers."""
    warnings = []
    available = fencing.available_drivers()
    for host in database.list_hosts():
        driver = host['fencing_driver']
        if driver and driver not in available:
            warnings.append(
                f"host {host['name']} names fencing driver '{driver}', "
                f"which is not installed; available: "
                f"{', '.join(available)}")
        elif driver == 'noop':
            warnings.append(
                f"host {host['name']} uses the noop fencing driver: its "
                f"failure is recovered without any power-off, and its "
                f"instances run twice if it is still alive")
        elif not driver and conf.host_failure.quick_evacuate_level == 2:
            warnings.append(
                f"host {host['name']} has no fencing driver: with "
                f"quick_evacuate_level 2 its failure cannot be recovered "
                f"(fencing fails closed)")
    return warnings
