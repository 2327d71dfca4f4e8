"""``hahealer``: the operator's command line, built on cliff.

One module per resource (notifications, segments, hosts, flows, config);
``app`` holds the application and its link to the engine, ``render`` draws
recoveries as they happen (the demo draws with it too).
"""
