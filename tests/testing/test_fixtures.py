"""The plugin's fixtures in this project's own suite: under anyio's plugin (asyncio and trio),
under pytest-asyncio, in virtual time, and over loopback."""

from __future__ import annotations

import anyio
import attrs
import pytest

from cavatica_async import CavaticaClient, ExportRequest, JobKind, JobWatcher, PollPolicy
from cavatica_async.simulator import Simulator, Timing
from cavatica_async.testing import SimulatorServer, virtual_time_backends

from tests import canary

# The canary token: a leak of the fixtures' token into any output fails the session.
pytestmark = pytest.mark.cavatica_sim(token=canary.CANARY, seed=3)
QUICK_STATES = Timing(median=0.1, sigma=0.2, failure=0.0)
QUICK_POLLS = PollPolicy(initial=0.02, maximum=0.2)


async def export_and_wait(sim: Simulator, client: CavaticaClient, policy: PollPolicy) -> str:
    file_id = sim.file_ids()[0]
    job = await client.exports.start(file_id, "rfranklin/output", "out/a.vcf.gz", copy_only=True)
    done = await client.exports.wait(job.id, policy=policy, deadline=None)
    assert sim.start_counts()["export", file_id] == 1
    return done.state.value


@pytest.mark.anyio
@pytest.mark.cavatica_sim(timing=QUICK_STATES)
async def test_start_and_wait_under_anyio(
    cavatica_sim: Simulator, cavatica_client: CavaticaClient
) -> None:
    assert await export_and_wait(cavatica_sim, cavatica_client, QUICK_POLLS) == "COMPLETED"


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.cavatica_sim(timing=QUICK_STATES)
async def test_start_and_wait_under_pytest_asyncio_in_a_module_loop(
    cavatica_sim: Simulator, cavatica_client: CavaticaClient
) -> None:
    # The loop outlives the test; the fixtures, made per test, do not care.
    assert not cavatica_client.closed
    state = await export_and_wait(cavatica_sim, cavatica_client, QUICK_POLLS)
    assert (state, cavatica_client.rate_limit is not None) == ("COMPLETED", True)


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", virtual_time_backends())
@pytest.mark.cavatica_sim(timing=Timing(median=3600, sigma=0.2, failure=0.0))
async def test_hour_long_states_in_virtual_time(
    cavatica_sim: Simulator, cavatica_client: CavaticaClient
) -> None:
    began, loop_began = cavatica_sim.clock.now(), anyio.current_time()
    # The default poll policy and default states: nothing made fast but the loop's time.
    assert await export_and_wait(cavatica_sim, cavatica_client, PollPolicy()) == "COMPLETED"
    platform_seconds = cavatica_sim.clock.now() - began
    assert platform_seconds > 1800  # two states of about an hour each went by
    assert anyio.current_time() - loop_began == pytest.approx(platform_seconds, abs=1)


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", virtual_time_backends())
@pytest.mark.cavatica_sim(timing=Timing(median=600, failure=0.0), external_usage=500)
async def test_faults_are_waited_out_in_virtual_time(
    cavatica_sim: Simulator, cavatica_client: CavaticaClient
) -> None:
    exports = [
        ExportRequest(file_id, "rfranklin/output", f"faults/{file_id}")
        for file_id in cavatica_sim.file_ids()[:150]
    ]
    started = await cavatica_client.exports.bulk_start(exports, copy_only=True)
    jobs = [(JobKind.EXPORT, item.resource.id) for item in started if item.resource]

    async def storms() -> None:
        await anyio.sleep(60)
        cavatica_sim.spend_window()  # another script spends the window at once: 429s
        await anyio.sleep(400)
        cavatica_sim.maintenance(900)  # a quarter of an hour of maintenance
        cavatica_sim.faults.error_rate = 0.2  # then one answer in five a 5xx

    async with anyio.create_task_group() as group, JobWatcher(cavatica_client) as watcher:
        group.start_soon(storms)
        watcher.add_many(jobs)
        ended = [event async for event in watcher if event.terminal]
    assert len(jobs) == len(ended) == 150
    assert cavatica_sim.start_counts().most_common(1)[0][1] == 1  # no export started twice
    counts = cavatica_sim.request_counts()
    assert sum(n for (_, _, status), n in counts.items() if status == 503) > 0  # maintenance
    assert sum(n for (_, _, status), n in counts.items() if status == 429) > 0  # spent windows


class TestMarkers:
    pytestmark = pytest.mark.cavatica_sim(seed=8, files_per_project=40)

    @pytest.mark.cavatica_sim(files_per_project=20)
    def test_the_nearest_marker_wins(self, cavatica_sim: Simulator) -> None:
        assert len(cavatica_sim.file_ids()) == 18
        assert cavatica_sim.token == canary.CANARY  # the module's marker still applies

    @pytest.mark.parametrize("cavatica_sim", [{"seed": 1}, {"seed": 2}], indirect=True)
    def test_indirect_parametrisation_wins_over_markers(self, cavatica_sim: Simulator) -> None:
        assert len(cavatica_sim.file_ids()) == 36
        assert cavatica_sim.file_ids() != Simulator(seed=8, files_per_project=40).file_ids()


@pytest.mark.anyio
async def test_the_server_is_found_through_its_environment(
    cavatica_server: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in cavatica_server.env().items():
        monkeypatch.setenv(name, value)
    assert cavatica_server.base_url.startswith("http://127.0.0.1:")
    assert canary.CANARY not in repr(cavatica_server)
    # Nor in the attribute diff pytest prints when two of them differ: only base_url compares.
    assert cavatica_server == attrs.evolve(cavatica_server, token="another")
    async with CavaticaClient(allow_insecure_http=True) as client:
        assert (await client.get_rate_limit()).limit == 1000
        assert cavatica_server.simulator.open_connections == 1
