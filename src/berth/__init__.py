"""berth: a Docker-compatible container engine.

Kept free of imports: the container init runs code from this package after
``pivot_root`` and must not load anything lazily.
"""

__version__ = "0.1.0"
