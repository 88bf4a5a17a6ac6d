"""berth.cli: the ``berth`` command, a thin client of the Engine API.

Imports only ``berth.client`` and the standard library, so it drives Docker's
dockerd as well as berthd.
"""
