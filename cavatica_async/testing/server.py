"""`SimulatorServer`: what the `cavatica_server` fixture gives a test: where the simulator
answers over loopback HTTP, and with which token."""

from __future__ import annotations

import attrs

from cavatica_async.simulator import Simulator


@attrs.frozen
class SimulatorServer:
    """The simulator served on 127.0.0.1: its API root and token, for code that builds its own
    client or runs a subprocess (`env()`), and the `simulator` itself to inspect."""

    base_url: str
    # Never in a repr, nor in the attribute diff pytest prints for a failed `==` of two.
    token: str = attrs.field(repr=False, eq=False)
    simulator: Simulator = attrs.field(repr=False, eq=False)

    def env(self) -> dict[str, str]:
        """The environment variables that point `CavaticaClient()` or the `cavatica-async`
        command at this server (`SB_API_ENDPOINT`, `SB_AUTH_TOKEN`)."""
        return {"SB_API_ENDPOINT": self.base_url, "SB_AUTH_TOKEN": self.token}
