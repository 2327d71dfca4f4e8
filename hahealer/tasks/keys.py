"""Names of the values in a recovery flow's store.

Tasks bind their ``execute`` arguments to these names; the engine fills the
store from the notification. Third-party tasks may require any of them.
"""

#: the failed or affected compute host, as Nova names it
HOST_NAME = 'host_name'
#: PROCESS notifications: the process that failed (e.g. nova-compute)
PROCESS_NAME = 'process_name'
#: VM notifications: the failed instance
INSTANCE_UUID = 'instance_uuid'
#: host flows: ids of the instances to evacuate, in evacuation order
INSTANCE_LIST = 'instance_list'
#: host flows: {instance id: vm_state it must end in after evacuation}
TARGET_STATES = 'target_states'
#: reserved-host flows: the candidates, in order of preference
RESERVED_HOST_LIST = 'reserved_host_list'
#: reserved-host flows: the candidate being tried
RESERVED_HOST = 'reserved_host'
#: host flows: set once fence_host_task confirmed the power is off
HOST_FENCED = 'host_fenced'
#: the failover segment of the host, when it belongs to one
SEGMENT_NAME = 'segment_name'
