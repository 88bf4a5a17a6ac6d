"""One module per ``berth`` command, each with ``run(args, client) -> exit status``.

A module is imported only when its command runs (see ``berth.cli.main``).
"""
