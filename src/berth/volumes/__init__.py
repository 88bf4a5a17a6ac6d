"""Volumes: data that outlives containers, as dockerd's ``local`` driver keeps it.

- ``names``: dockerd's name rules and the 64-hex names of anonymous volumes;
- ``local``: the local driver's options (``type``, ``o``, ``device``) and the host
  mount they describe;
- ``store``: the volumes themselves, rows in the metadata database and directories
  under ``Paths.volumes`` (``<name>/_data``), and who holds a driver mount;
- ``filters``: ``volume ls`` and ``volume prune`` filters.

Which container uses which volume is the daemon's to know (its records); this
package never looks at containers.
"""
