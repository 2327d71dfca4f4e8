"""Fixtures shared by the engine's service tests."""

import pytest

from hahealer import rpc


@pytest.fixture
def engine_client():
    """engine_client(config_path): an RPC client on the config's topic."""
    clients = []

    def make(config_path, timeout=20):
        client = rpc.EngineClient.from_config_files([str(config_path)],
                                                    timeout=timeout)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
