"""Drawing recoveries for people: progress bars, task messages, tables.

``hahealer notification show`` and ``watch`` draw with it, and so does the
demo. On a terminal, ``LiveView`` keeps one progress bar per task at the
bottom of the screen and redraws them in place while the tasks' messages
scroll above. Anywhere else (a pipe, a file) it writes plain lines, each
once, with no terminal control codes, so the output reads as a log.
"""

import datetime
import os
import shutil
import time

#: statuses after which a notification is not followed any more
ENDED = ('finished', 'ignored', 'error', 'failed')
#: the ones among them where the recovery did not succeed
UNSUCCESSFUL = ('error', 'failed')

BAR_WIDTH = 20
# taskflow states of a task that is still on its way.
_UNSETTLED_TASK_STATES = ('PENDING', 'RUNNING')
# ANSI: cursor to the start of the line n lines up; clear to the end.
_LINES_UP = '\x1b[{}F'
_CLEAR_BELOW = '\x1b[J'


def is_terminal(stream):
    """True when ``stream`` is a terminal that understands ANSI codes."""
    isatty = getattr(stream, 'isatty', None)
    return bool(isatty and isatty()) and os.environ.get('TERM') != 'dumb'


def progress_bar(fraction, width=BAR_WIDTH):
    """``[#########-----------]  45%``; out-of-range values are clamped."""
    fraction = min(max(float(fraction), 0.0), 1.0)
    filled = round(fraction * width)
    return f"[{'#' * filled}{'-' * (width - filled)}] {fraction:4.0%}"


def parse_time(timestamp):
    """An engine timestamp ('2026-11-21T03:00:01.120000Z') as aware UTC."""
    return datetime.datetime.fromisoformat(timestamp)


def clock(timestamp):
    """'2026-11-21T03:00:01.120000Z' -> '03:00:01.120' (UTC)."""
    return parse_time(timestamp).strftime('%H:%M:%S.%f')[:-3]


def duration(record):
    """Seconds from the start of a recovery to its end or last update."""
    start = record['started_at'] or record['created_at']
    end = record['finished_at'] or record['updated_at']
    if not (start and end):
        return None
    return (parse_time(end) - parse_time(start)).total_seconds()


def task_progress(task):
    """A task's progress: its last reported value, 1.0 once it succeeded."""
    if task['state'] == 'SUCCESS':
        return 1.0
    details = task['progress_details']
    return details[-1]['progress'] if details else 0.0


def workflow_lines(tasks):
    """A finished or running workflow: each task, then its messages."""
    if not tasks:
        return ['(no task has run yet)']
    lines = []
    for task in tasks:
        lines.append(f"{task['name']}  {task['state']}  "
                     f"{progress_bar(task_progress(task))}")
        lines.extend(f"  {clock(entry['timestamp'])}  "
                     f"{entry['progress']:4.0%}  {entry['message']}"
                     for entry in task['progress_details'])
    return lines


def outcome_line(record):
    """One sentence on how a notification ended."""
    uuid, status = record['notification_uuid'], record['status']
    took = duration(record)
    after = f' after {took:.1f} s' if took is not None else ''
    reason = f": {record['reason']}" if record['reason'] else ''
    return f'Notification {uuid} ended {status}{after}{reason}'


def table(headers, rows):
    """Rows of plain values as aligned text columns under a header."""
    cells = [[str(value) for value in row] for row in rows]
    widths = [max([len(header)] + [len(row[i]) for row in cells])
              for i, header in enumerate(headers)]

    def line(values):
        padded = (value.ljust(width)
                  for value, width in zip(values, widths, strict=True))
        return '  '.join(padded).rstrip()

    return '\n'.join([line(headers), line(['-' * w for w in widths])]
                     + [line(row) for row in cells])


class LiveView:
    """Draws one notification's recovery from successive snapshots.

    A snapshot is what ``get_notification_recovery_workflow_details``
    answers: the notification with its ``recovery_workflow_details``.
    """

    def __init__(self, stream, terminal):
        self._stream = stream
        self._terminal = terminal
        self._status = None
        self._name_width = 0
        self._messages_shown = {}    # task name -> messages written
        self._states_shown = {}      # task name -> state of its last bar
        self._block_height = 0       # lines of the bars being redrawn

    def update(self, record):
        """Write what is new since the last snapshot."""
        lines = self._header(record) + self._new_messages(record)
        if self._terminal:
            self._redraw(lines + self._status_change(record),
                         self._bars(record))
        else:
            self._write(lines + self._settled_bars(record)
                        + self._status_change(record))

    def finish(self, record):
        """Write the last snapshot and how the recovery ended."""
        lines = self._header(record) + self._new_messages(record)
        if self._terminal:
            self._redraw(lines + self._bars(record) + [outcome_line(record)],
                         [])
        else:
            self._write(lines + self._settled_bars(record)
                        + [outcome_line(record)])

    # --- what is new ------------------------------------------------------

    def _header(self, record):
        if self._status is not None:
            return []
        return [f"Notification {record['notification_uuid']}: "
                f"{record['type']} on host {record['hostname']}"]

    def _status_change(self, record):
        if record['status'] == self._status:
            return []
        self._status = record['status']
        return [f'  status: {self._status}']

    def _new_messages(self, record):
        tasks = record['recovery_workflow_details']
        # Grows only, so that columns stay where they were.
        self._name_width = max(self._name_width, _name_width(tasks))
        fresh = []
        for task in tasks:
            name, entries = task['name'], task['progress_details']
            shown = self._messages_shown.get(_key(task), 0)
            fresh.extend((entry['timestamp'], name, entry['message'])
                         for entry in entries[shown:])
            self._messages_shown[_key(task)] = len(entries)
        # Every task's new messages, in the order they were written.
        fresh.sort(key=lambda item: parse_time(item[0]))
        return [f'  {clock(timestamp)}  {name:<{self._name_width}}  '
                f'{message}' for timestamp, name, message in fresh]

    def _bars(self, record):
        """Terminal: every task's bar, redrawn at each snapshot."""
        tasks = record['recovery_workflow_details']
        if not tasks:
            return ['  waiting for the first task to start']
        return [_bar_line(task, self._name_width) for task in tasks]

    def _settled_bars(self, record):
        """Plain output: a task's bar once it settles in a new state."""
        bars = []
        for task in record['recovery_workflow_details']:
            state = task['state']
            if (state not in _UNSETTLED_TASK_STATES
                    and self._states_shown.get(_key(task)) != state):
                self._states_shown[_key(task)] = state
                bars.append(_bar_line(task, self._name_width))
        return bars

    # --- writing ----------------------------------------------------------

    def _redraw(self, lines, block):
        """Replace the bars on screen with ``lines``, then new bars."""
        text = ''
        if self._block_height:
            text = _LINES_UP.format(self._block_height) + _CLEAR_BELOW
        columns = shutil.get_terminal_size().columns
        # A bar line that wrapped would break the count of lines to redraw.
        block = [line[:columns - 1] for line in block]
        self._block_height = len(block)
        self._stream.write(text + ''.join(f'{line}\n'
                                          for line in lines + block))
        self._stream.flush()

    def _write(self, lines):
        if lines:
            self._stream.write(''.join(f'{line}\n' for line in lines))
            self._stream.flush()


def _key(task):
    # A host recovery may run the same task in two flows.
    return task.get('flow'), task['name']


def _name_width(tasks):
    return max((len(task['name']) for task in tasks), default=0)


def _bar_line(task, width):
    return (f"  {task['name']:<{width}}  {progress_bar(task_progress(task))}"
            f"  {task['state']}")


def follow(fetch, view, interval):
    """Draw ``fetch()`` snapshots on ``view`` until the notification ends.

    ``fetch`` returns the notification with its workflow details; it is
    called every ``interval`` seconds. Returns the last snapshot.
    """
    while True:
        record = fetch()
        if record['status'] in ENDED:
            view.finish(record)
            return record
        view.update(record)
        time.sleep(interval)
