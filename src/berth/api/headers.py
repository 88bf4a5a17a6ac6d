"""The headers dockerd puts on every answer (the docker CLI reads ``Api-Version``)."""

import berth
from berth.daemon.system import API_VERSION

COMMON_HEADERS = {
    "Api-Version": API_VERSION,
    "Docker-Experimental": "false",
    "Ostype": "linux",
    "Server": f"Docker/{berth.__version__} (linux) berth/{berth.__version__}",
}
