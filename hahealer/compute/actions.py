"""The compute API calls that change something in Nova.

An engine makes them only while it holds the notification it works on
(hahealer.tasks.base.GuardedCompute); reads need no such check.
"""

ACTIONS = frozenset({
    'disable_service', 'enable_service', 'force_down_service',
    'take_out_of_service',
    'stop_server', 'start_server', 'lock_server', 'unlock_server',
    'reset_server_state', 'evacuate_server', 'add_host_to_aggregate',
})
