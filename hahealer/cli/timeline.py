"""A recovery on one time axis: ``hahealer notification show --timeline``.

Above, the host steps (fence, force down, disable) from the tasks'
progress messages; below, one bar per instance the recovery moved, from
its vmove and its own messages: locked, evacuating, active, unlocked.
An operator sees at a glance where the minutes went.
"""

import dataclasses

from hahealer.cli.render import parse_time as parse

#: fill of a bar per phase, and a mark for what happens at one moment
FILL = {'host step': '█', 'locked': '░', 'evacuating': '▒', 'active': '▓'}
INSTANT = '▼'
UNLOCKED = '|'
#: (name, words of the message that begins it, words of one that ends
#: it); the words are the tasks' own (hahealer.tasks.fencing and host)
HOST_STEPS = (
    ('fence', ("Fencing host '",),
     ("Fenced host '", "' is powered off", 'No power-off took place')),
    ('force down', ("Forced the compute service of host '",), ()),
    ('disable', ('Disabling compute service on host',),
     ('Disabled compute service on host',)),
)
LABEL_WIDTH = 24
#: the narrowest axis drawn, whatever the terminal
MIN_AXIS = 20


@dataclasses.dataclass
class Row:
    """One line of the picture: spans of (phase, start, end) and marks of
    (character, time)."""
    label: str
    spans: list = dataclasses.field(default_factory=list)
    marks: list = dataclasses.field(default_factory=list)

    def times(self):
        return ([t for _, start, end in self.spans for t in (start, end)]
                + [t for _, t in self.marks])


def _entries(record):
    """Every progress message of the recovery: (time, message)."""
    return [(parse(entry['timestamp']), entry['message'])
            for task in record['recovery_workflow_details']
            for entry in task['progress_details']]


def host_rows(record):
    """The host steps that took place, in the order they started."""
    entries = _entries(record)
    rows = []
    for name, first, last in HOST_STEPS:
        starts = [t for t, message in entries if _says(message, first)]
        ends = [t for t, message in entries if _says(message, last)]
        if starts and ends:
            rows.append(Row(name, spans=[('host step', min(starts),
                                          max(ends))]))
        elif starts or ends:
            rows.append(Row(name, marks=[(INSTANT, min(starts + ends))]))
    return sorted(rows, key=lambda row: min(row.times()))


def _says(message, words):
    return any(word in message for word in words)


def instance_rows(record, vmoves, now):
    """One row per vmove, in the order the instances were locked. An
    instance still on its way ends at ``now``."""
    entries = _entries(record)
    rows = []
    for vmove in sorted(vmoves, key=lambda v: v['start_time']):
        uuid = vmove['instance_uuid']
        evacuating = [t for t, message in entries if message.startswith(
            f"Evacuation of instance started: '{uuid}'")]
        active = [t for t, message in entries if message.startswith(
            f"Instance '{uuid}' is on host")]
        unlocked = (parse(vmove['end_time'])
                    if vmove['phase'] == 'unlocked' and vmove['end_time']
                    else None)
        # Each phase lasts until the next one that took place began.
        starts = [('locked', parse(vmove['start_time'])),
                  ('evacuating', min(evacuating, default=None)),
                  ('active', max(active, default=None))]
        starts = [(phase, t) for phase, t in starts if t is not None]
        ends = [t for _, t in starts[1:]] + [unlocked or now]
        row = Row(_label(vmove), spans=[
            (phase, start, end)
            for (phase, start), end in zip(starts, ends, strict=True)])
        if unlocked is not None:
            row.marks.append((UNLOCKED, unlocked))
        rows.append(row)
    return rows


def _label(vmove):
    uuid = vmove['instance_uuid']
    name = vmove['instance_name']
    label = f'{name} ({uuid[:8]})' if name else uuid
    if len(label) <= LABEL_WIDTH:
        return label
    return label[:LABEL_WIDTH - 1] + '…'


def draw(record, vmoves, columns):
    """The picture as lines of at most ``columns`` characters (or the
    narrowest readable picture on a narrower terminal)."""
    end = record['finished_at'] or record['updated_at']
    now = parse(end) if end else None
    rows = host_rows(record) + instance_rows(record, vmoves, now)
    title = (f"Notification {record['notification_uuid']}: "
             f"{record['type']} on host {record['hostname']}, "
             f"{record['status']}")
    times = [t for row in rows for t in row.times() if t is not None]
    if not times:
        return [title, '(nothing to draw: no host step or instance move '
                       'was recorded)']
    first, last = min(times), max(times)
    label_width = max(len(row.label) for row in rows)
    width = max(columns - label_width - 3, MIN_AXIS)
    span = (last - first).total_seconds()

    def column(moment):
        if not span:
            return 0
        return round((moment - first).total_seconds() / span * (width - 1))

    lines = [title]
    for row in rows:
        cells = [' '] * width
        for phase, start, stop in row.spans:
            for i in range(column(start), column(stop or last) + 1):
                cells[i] = FILL[phase]
        for mark, moment in row.marks:
            cells[column(moment)] = mark
        lines.append(f"{row.label:<{label_width}} │{''.join(cells)}".rstrip())
    start_text = first.strftime('%H:%M:%S')
    end_text = f'+{span:.1f} s'
    gap = max(width - len(start_text) - len(end_text), 1)
    lines.append(f"{'':<{label_width}} └{start_text}{'─' * gap}{end_text}")
    lines.append('  '.join(
        [f'{fill} {phase}' for phase, fill in FILL.items()]
        + [f'{INSTANT} host step at one moment', f'{UNLOCKED} unlocked']))
    return lines
