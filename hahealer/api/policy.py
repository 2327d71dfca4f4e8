"""Who may do what through hahealer-api: oslo.policy, defaults in code.

Rule names are Masakari's, so an operator's policy file carries over.
Defaults: an admin manages segments and hosts; a monitor (the ``service``
role, as Masakari's monitors use) may create notifications and nothing
else; a reader may list and show. Keystone's implied roles make every
admin a member and every member a reader.
"""

from oslo_policy import policy

ADMIN = 'role:admin'
READER = 'role:reader or role:admin'
MONITOR = 'role:service or role:admin'

_PREFIX = 'os_masakari_api'


def _rule(name, check_str, description, operations):
    return policy.DocumentedRuleDefault(
        name=f'{_PREFIX}:{name}', check_str=check_str,
        description=description,
        operations=[{'method': method, 'path': path}
                    for method, path in operations])


RULES = [
    _rule('segments:index', READER, 'List failover segments.',
          [('GET', '/segments')]),
    _rule('segments:detail', READER, 'Show a failover segment.',
          [('GET', '/segments/{segment_id}')]),
    _rule('segments:create', ADMIN, 'Create a failover segment.',
          [('POST', '/segments')]),
    _rule('segments:update', ADMIN, 'Update a failover segment.',
          [('PUT', '/segments/{segment_id}')]),
    _rule('segments:delete', ADMIN, 'Delete a failover segment.',
          [('DELETE', '/segments/{segment_id}')]),
    _rule('os-hosts:index', READER, 'List the hosts of a segment.',
          [('GET', '/segments/{segment_id}/hosts')]),
    _rule('os-hosts:detail', READER, 'Show a host.',
          [('GET', '/segments/{segment_id}/hosts/{host_id}')]),
    _rule('os-hosts:create', ADMIN, 'Add a host to a segment.',
          [('POST', '/segments/{segment_id}/hosts')]),
    _rule('os-hosts:update', ADMIN, 'Update a host.',
          [('PUT', '/segments/{segment_id}/hosts/{host_id}')]),
    _rule('os-hosts:delete', ADMIN, 'Delete a host.',
          [('DELETE', '/segments/{segment_id}/hosts/{host_id}')]),
    _rule('notifications:index', READER, 'List notifications.',
          [('GET', '/notifications')]),
    _rule('notifications:detail', READER,
          'Show a notification and its recovery.',
          [('GET', '/notifications/{notification_id}')]),
    _rule('notifications:create', MONITOR,
          'Send a notification (what monitors do).',
          [('POST', '/notifications')]),
    _rule('vmoves:index', READER,
          'List the instance moves of a host recovery.',
          [('GET', '/notifications/{notification_id}/vmoves')]),
    _rule('vmoves:detail', READER, 'Show an instance move.',
          [('GET', '/notifications/{notification_id}/vmoves/{vmove_id}')]),
]


def list_rules():
    """The defaults, for oslopolicy-sample-generator (entry point
    oslo.policy.policies)."""
    return RULES


def enforcer(conf):
    """An enforcer with the defaults registered; [oslo_policy] policy_file
    overrides them."""
    checker = policy.Enforcer(conf)
    checker.register_defaults(RULES)
    return checker


def get_enforcer():
    """For oslopolicy-checker and friends (entry point
    oslo.policy.enforcer)."""
    from hahealer.conf import CONF
    return enforcer(CONF)
