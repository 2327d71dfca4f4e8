"""``hahealer config validate``: the engine's start-up checks, offline.

The checks (and the database and flow modules they use) are imported only
when the command runs: cliff imports every command module at start-up.
"""

from cliff import command


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

        report = checks.run(self.app.load_config())
        out = self.app.stdout
        for message in report.warnings:
            out.write(f'warning: {message}\n')
        for message in report.errors:
            out.write(f'error: {message}\n')
        if report.errors:
            out.write('The configuration has errors: the engine would not '
                      'start.\n')
            return 1
        out.write(f'The configuration is valid '
                  f'({len(report.warnings)} warning(s)).\n')
        return 0
