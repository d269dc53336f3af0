"""The testing kit for code that uses the library: pytest fixtures on the bundled simulator
(`cavatica_sim`, `cavatica_client`, `cavatica_server`, registered as a pytest plugin when the
`simulator` extra is installed) and virtual time for anyio's pytest plugin.

Install with `pip install 'cavatica-async[testing]'`.
"""

from cavatica_async.testing.server import SimulatorServer
from cavatica_async.testing.virtual_time import virtual_time_backends

__all__ = ["SimulatorServer", "virtual_time_backends"]
