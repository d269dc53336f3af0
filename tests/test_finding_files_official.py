"""sevenbridges-python and our client, against the same seeded world over HTTP, find the same
files: a project's root in the offset and continuation forms, a folder's contents, and a
volume's objects under a prefix."""

from __future__ import annotations

import anyio
import pytest
import sevenbridges as sbg

from cavatica_async import CavaticaClient, VolumeObject
from cavatica_async.simulator import Simulator

from tests import canary

pytestmark = pytest.mark.anyio

PROJECT = "rfranklin/project-1"
PREFIX = "runs/run_2/lane_1/"


def official(base_url: str, token: str, folder_id: str) -> dict[str, set[str]]:
    """What sevenbridges-python lists, each listing's ids (or locations)."""
    # It refuses http URLs unless debug is on; advance_access for the token form.
    api = sbg.Api(url=base_url, token=token, debug=True, advance_access=True)
    folder = api.files.get(folder_id)
    volume = api.volumes.get("rfranklin/archive")
    return {
        "offset": {f.id for f in api.files.query(project=PROJECT, limit=100).all()},
        "scroll": {
            f.id for f in api.files.query(project=PROJECT, limit=100, cont_token="init").all()
        },
        "folder": {f.id for f in folder.list_files(limit=100).all()},
        "folder scroll": {f.id for f in folder.list_files(limit=100, cont_token="init").all()},
        "volume": {o.location for o in volume.list(prefix=PREFIX, limit=10).all()},
    }


@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # the official client is synchronous
async def test_both_clients_find_the_same_files(anyio_backend: str) -> None:
    sim = Simulator(token=canary.CANARY, seed=3, files_per_project=250, volume_objects=300)
    results = sim.world.named(PROJECT, None, "results")
    assert results is not None
    async with (
        sim.serve() as base_url,
        CavaticaClient(sim.token, base_url, allow_insecure_http=True) as client,
    ):
        theirs = await anyio.to_thread.run_sync(official, base_url, sim.token, results.id)
        ours = {
            "offset": {f.id async for f in client.files.list(project=PROJECT)},
            "scroll": {f.id async for f in client.files.list(project=PROJECT, scroll=True)},
            "folder": {f.id async for f in client.files.list_folder(results.id)},
            "folder scroll": {
                f.id async for f in client.files.list_folder(results.id, scroll=True)
            },
            "volume": {
                e.location
                async for e in client.volumes.list_objects("rfranklin/archive", prefix=PREFIX)
                if isinstance(e, VolumeObject)
            },
        }
    assert ours == theirs
    # Not vacuous: each listing holds what the world has there.
    assert len(ours["offset"]) == 226  # 225 of the 250 files, and the results folder
    assert len(ours["folder"]) == 25
    assert len(ours["volume"]) == 25
    assert not [key for key in sim.request_counts() if key[2] >= 400]
