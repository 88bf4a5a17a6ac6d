"""Networks: IPv4 address management (``ipam``), the bridge driver's devices
(``bridge``), the network records and their life (``store``), ls/prune filters."""
