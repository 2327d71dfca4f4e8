"""Where a process's time went, from py-spy's collapsed stacks.

Each sample is put in the first category whose marker appears in any
frame of its stack, so the order of INTAKE matters: the engine's own
steps first, then oslo.messaging's.
"""

import collections

#: (category, marker in a frame), for the engine's intake
INTAKE = (
    ('validation', 'hahealer/notifications.py'),
    ('logging', 'logging/__init__.py'),
    ('database', 'create_notification (hahealer/db/'),
    ('rest of create_notification', 'hahealer/engine/manager.py'),
    ('reply', 'AMQPIncomingMessage.reply'),
    ('receive, acknowledge', 'oslo_messaging/_drivers/'),
    ('dispatch, executor', 'oslo_messaging/'),
    ('other threads', ''),
)


def shares(path, categories=INTAKE):
    """{category: fraction of the samples}, in the order of categories."""
    counts = collections.Counter()
    with open(path) as source:
        for line in source:
            stack, _, samples = line.rstrip().rpartition(' ')
            for category, marker in categories:
                if marker in stack:
                    counts[category] += int(samples)
                    break
    total = sum(counts.values()) or 1
    return {category: counts[category] / total
            for category, _ in categories}
