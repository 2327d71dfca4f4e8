"""``hahealer-demo``: hahealer recovering an emulated cloud, in one process.

``cloud`` runs the Nova emulator and simulated BMCs, ``engine`` runs the
engine with an in-process transport, ``story`` kills a host, an instance
and a process and shows each recovery as it happens.
"""
