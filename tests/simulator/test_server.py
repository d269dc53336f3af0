"""The simulator over real loopback HTTP: served, used, shut down with nothing left behind."""

from __future__ import annotations

import socket
import threading

import httpx
import pytest

from cavatica_async.simulator import Simulator

pytestmark = pytest.mark.anyio


async def test_serve_answers_and_shuts_down_cleanly() -> None:
    sim = Simulator(seed=1, files_per_project=5)
    async with sim.serve() as base_url:
        assert [t for t in threading.enumerate() if t.name == "cavatica-simulator"]
        assert base_url.startswith("http://127.0.0.1:")
        assert base_url.endswith("/v2")
        async with httpx.AsyncClient(
            base_url=base_url, headers={"X-SBG-Auth-Token": sim.token}
        ) as http:
            user = await http.get("/user")
            files = await http.get("/files", params={"project": "rfranklin/project-1"})
        assert user.json()["username"] == "rfranklin"
        assert files.json()["items"][0]["href"].startswith(base_url)
        port = int(base_url.rsplit(":", 1)[1].split("/")[0])
    # The server's thread has ended (the backends' idle worker threads are theirs to keep), and
    # its port is free again.
    assert not [t for t in threading.enumerate() if t.name == "cavatica-simulator"]
    probe = socket.socket()
    try:
        with pytest.raises(ConnectionRefusedError):
            probe.connect(("127.0.0.1", port))
    finally:
        probe.close()
    assert sim.request_counts()[("GET", "/user", 200)] == 1


async def test_faults_over_real_http() -> None:
    sim = Simulator(seed=2, files_per_project=5)
    async with (
        sim.serve() as base_url,
        httpx.AsyncClient(base_url=base_url, headers={"X-SBG-Auth-Token": sim.token}) as http,
    ):
        sim.faults.drop_rate = 1.0
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get("/user")
        sim.faults.drop_rate = 0.0
        sim.faults.spike_rate, sim.faults.spike_latency = 1.0, 0.3
        with pytest.raises(httpx.ReadTimeout):
            await http.get("/user", timeout=httpx.Timeout(2, read=0.05))
        sim.faults.spike_rate = 0.0
        assert (await http.get("/user")).status_code == 200


def test_served_from_synchronous_code_a_slow_answer_does_not_hold_the_stop() -> None:
    sim = Simulator(seed=3, files_per_project=5)
    sim.faults.latency = 600.0  # every answer takes ten minutes
    statuses: list[int] = []

    def ask(base_url: str) -> None:
        answer = httpx.get(f"{base_url}/user", headers={"X-SBG-Auth-Token": sim.token}, timeout=60)
        statuses.append(answer.status_code)

    with sim.serve_in_thread() as base_url:
        asker = threading.Thread(target=ask, args=(base_url,))
        asker.start()
        while not sim.open_connections:
            asker.join(0.01)
    # Stopped with the request in flight: cancelled after the graceful second (uvicorn answers
    # 500), not waited for, so the asker hears long before its own 60 s timeout.
    asker.join(30)
    assert not asker.is_alive()
    assert statuses == [500]
    assert not [t for t in threading.enumerate() if t.name == "cavatica-simulator"]
