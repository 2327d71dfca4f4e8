"""An emulator of Nova's compute API over HTTP, for tests, demos and
benchmarks: python-novaclient talks to it as it talks to Nova.

``server.start()`` runs one in-process; ``hahealer-nova-sim`` runs one
as a program. See docs/emulator.md.
"""
