"""berth's OCI distribution registry (``berth registry serve``/``gc``).

Modules: ``app`` (routes, auth and error middleware, serving), ``blobs``,
``uploads``, ``manifests`` (and referrers), ``tags`` (and the catalog),
``auth`` (htpasswd, bcrypt), ``errors`` (the spec's codes), ``storage`` (the
on-disk layout: see its docstring), ``gc``. Run as ``python -m
berth.registry.server``; importing this package imports nothing else.
"""
