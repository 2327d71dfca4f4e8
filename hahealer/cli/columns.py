"""How record fields look: readable in tables, unchanged in json and yaml.

cliff's table formatter shows ``human_readable()``; the json, yaml and csv
formatters take ``machine_readable()``, so scripts get the engine's data
as it is.
"""

from cliff import columns

from hahealer.cli import render


class DictColumn(columns.FormattableColumn):
    """``key=value``, one per line."""

    def human_readable(self):
        return '\n'.join(f'{key}={value}'
                         for key, value in sorted((self._value or {}).items()))


class ListColumn(columns.FormattableColumn):
    def human_readable(self):
        return ', '.join(self._value or ())


class WorkflowColumn(columns.FormattableColumn):
    """A recovery's tasks in execution order, each with its messages."""

    def human_readable(self):
        return '\n'.join(render.workflow_lines(self._value or []))


def showable(record, formatters=None):
    """(columns, values) of a record for a ShowOne command.

    ``formatters`` maps a field to its FormattableColumn class.
    """
    formatters = formatters or {}
    names = tuple(record)
    return names, tuple(formatters.get(name, _plain)(record[name])
                        for name in names)


def listable(records, names, formatters=None):
    """(columns, rows) of records for a Lister command."""
    formatters = formatters or {}
    return names, [tuple(formatters.get(name, _plain)(record[name])
                         for name in names) for record in records]


def _plain(value):
    return value
