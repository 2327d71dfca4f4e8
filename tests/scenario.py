"""Building a cloud's state through python-novaclient, for tests that run
against the emulator and against real Nova alike."""

import time

ACTIVE_WAIT = 60.0


def wait_for(probe, timeout=30.0, what='a condition', interval=0.05):
    """Poll ``probe`` until it returns something true; return that."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f'timed out after {timeout:g} s waiting '
                                 f'for {what}; last value: {value!r}')
        time.sleep(interval)


def attr(server, name):
    return getattr(server, name, None)


def host_of(server):
    return attr(server, 'OS-EXT-SRV-ATTR:host')


def vm_state(server):
    return attr(server, 'OS-EXT-STS:vm_state')


def settled(client, server_id, state):
    server = client.servers.get(server_id)
    if vm_state(server) == state and attr(server,
                                          'OS-EXT-STS:task_state') is None:
        return server
    return None


def boot(client, name, host, image, flavor, metadata=None, state='active',
         locked=False):
    """Boot a server on ``host`` and bring it to ``state``."""
    server = client.servers.create(name, image, flavor, host=host,
                                   meta=metadata or {}, nics='none')
    wait_for(lambda: settled(client, server.id, 'active'), ACTIVE_WAIT,
             what=f'server {name} to become ACTIVE')
    if state == 'stopped':
        client.servers.stop(server.id)
        wait_for(lambda: settled(client, server.id, 'stopped'), ACTIVE_WAIT,
                 what=f'server {name} to stop')
    elif state == 'error':
        client.servers.reset_state(server.id, 'error')
    if locked:
        client.servers.lock(server.id, reason='the user locked it')
    return client.servers.get(server.id)


def compute_service(client, host):
    return client.services.list(host=host, binary='nova-compute')[0]
