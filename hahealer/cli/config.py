"""``hahealer config validate``: the engine's start-up checks, offline.

The checks (and the database and flow modules they use) are imported only
when the command runs: cliff imports every command module at start-up.
"""

import logging

from cliff import command

from hahealer import exception


class _Collect(logging.Handler):
    """Keeps the messages of warnings logged while it is attached."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


class ValidateConfig(command.Command):
    """Check a configuration as the engine does before it starts.

    Recovery flows (unknown tasks, a task whose inputs nothing provides),
    the database schema, and fencing where [host_failure]
    quick_evacuate_level needs it. Prints each error and warning; exits 1
    when there is an error (the engine would refuse to start), 0
    otherwise. Starts nothing and sends nothing.
    """

    def take_action(self, args):
        from hahealer.engine import checks

        conf = self.app.load_config()
        # check_startup logs each warning once but returns them only when
        # there is no error: read them from its log, printed below instead
        # of on the console.
        warnings = _Collect()
        checks.LOG.addHandler(warnings)
        checks.LOG.propagate = False
        try:
            checks.check_startup(conf)
            errors = []
        except exception.ConfigurationError as exc:
            errors = [exc.kwargs['reason']]
        finally:
            checks.LOG.removeHandler(warnings)
            checks.LOG.propagate = True
        out = self.app.stdout
        for message in warnings.messages:
            out.write(f'warning: {message}\n')
        for message in errors:
            out.write(f'error: {message}\n')
        if errors:
            out.write('The configuration has errors: the engine would not '
                      'start.\n')
            return 1
        out.write(f'The configuration is valid '
                  f'({len(warnings.messages)} warning(s)).\n')
        return 0
