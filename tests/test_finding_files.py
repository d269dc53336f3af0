"""Finding files against the simulator: listings, walks, paths and volume objects match the
seeded world, and a walk costs exactly the pages it needs."""

from __future__ import annotations

import math

import anyio
import pytest

from cavatica_async import CavaticaClient, ConflictError, File, VolumeObject, VolumePrefix
from cavatica_async.simulator import Simulator

from tests import canary

pytestmark = pytest.mark.anyio

PROJECT = "rfranklin/project-1"
BIG = "rfranklin/big"


@pytest.fixture
def sim() -> Simulator:
    """A small world, plus a project of 2,000 files in 30 nested folders."""
    simulator = Simulator(token=canary.CANARY, seed=11, files_per_project=150)
    simulator.world.grow_project(BIG, "Big", 0.0, files=2_000, folders=30)
    return simulator


def client_of(sim: Simulator) -> CavaticaClient:
    """Our client, in-process against `sim`."""
    return CavaticaClient(sim.token, sim.base_url, transport=sim.transport())


def pages_needed(sim: Simulator, project: str) -> int:
    """The pages a walk must read: each listing (the root and every folder) needs one page per
    100 entries, and one even when empty."""
    world = sim.world
    folders = [f.id for f in world.files.values() if f.project == project and f.type == "folder"]
    return sum(
        max(1, math.ceil(len(world.children(project, parent)) / 100)) for parent in [None, *folders]
    )


async def test_who_and_which_projects(sim: Simulator) -> None:
    async with client_of(sim) as client:
        user = await client.user.get()
        projects = [p.id async for p in client.projects.list()]
        one = await client.projects.get(BIG)
    assert user.username == "rfranklin"
    assert projects == ["rfranklin/project-1", "rfranklin/project-2", BIG]
    assert one.name == "Big"


@pytest.mark.parametrize("scroll", [False, True])
async def test_listings_match_the_world(sim: Simulator, scroll: bool) -> None:
    results = sim.world.named(PROJECT, None, "results")
    assert results is not None
    async with client_of(sim) as client:
        root = [f async for f in client.files.list(project=PROJECT, scroll=scroll)]
        folder = [f async for f in client.files.list_folder(results.id, scroll=scroll)]
        by_parent = [f.id async for f in client.files.list(parent=results.id, scroll=scroll)]
    assert [f.id for f in root] == [f.id for f in sim.world.children(PROJECT, None)]
    assert (
        [f.id for f in folder]
        == by_parent
        == [f.id for f in sim.world.children(PROJECT, results.id)]
    )
    # fields=_all: every item knows what it is and how big.
    assert all(f.type in ("file", "folder") and f.size is not None for f in root)


async def test_bulk_get_keeps_order_and_marks_unknown_ids(sim: Simulator) -> None:
    known = [f.id for f in sim.world.children(PROJECT, None)][:140]
    asked = [*known[:70], "0" * 24, *known[70:]]
    async with client_of(sim) as client:
        items = await client.files.bulk_get(asked)
    assert [i.resource.id if i.resource else None for i in items] == [
        *known[:70],
        None,
        *known[70:],
    ]
    assert items[70].error is not None
    assert items[70].error.code == 5002


@pytest.mark.parametrize("scroll", [False, True])
async def test_walk_finds_every_file_once(sim: Simulator, scroll: bool) -> None:
    async with client_of(sim) as client:
        walked = {path: f.id async for path, f in client.files.walk(project=BIG, scroll=scroll)}
        top = [path async for path, _ in client.files.walk(project=BIG, recursive=False)]
        with_folders = [(path, f) async for path, f in client.files.walk(project=BIG, folders=True)]
    assert walked == sim.world.paths(BIG)
    assert len(walked) == 2_000
    assert top == [p for p in sim.world.paths(BIG) if "/" not in p]
    folders = [path for path, f in with_folders if f.type == "folder"]
    assert len(folders) == 30
    assert folders.index("dir_0000") < folders.index("dir_0000/dir_0006")  # breadth-first


async def test_walk_of_a_folder_gives_paths_from_it(sim: Simulator) -> None:
    folder = sim.world.named(BIG, None, "dir_0000")
    assert folder is not None
    async with client_of(sim) as client:
        walked = {path: f.id async for path, f in client.files.walk(parent=folder.id)}
    assert walked == sim.world.paths(BIG, folder.id)


async def test_walk_costs_the_pages_it_needs_and_no_more(sim: Simulator) -> None:
    sim.world.grow_project("rfranklin/huge", "Huge", 0.0, files=20_000, folders=200)
    async with client_of(sim) as client:
        count = sum([1 async for _ in client.files.walk(project="rfranklin/huge")])
        sent = client.stats.requests
    assert count == 20_000
    assert sent == pages_needed(sim, "rfranklin/huge")
    assert not [key for key in sim.request_counts() if key[2] == 429]


async def test_leaving_a_walk_early_leaves_nothing_running(sim: Simulator) -> None:
    async with client_of(sim) as client:
        walk = client.files.walk(project=BIG, concurrency=8)
        async for _ in walk:
            break
        before = client.stats.requests
        async for _ in client.files.walk(project=PROJECT, recursive=False):
            pass
        assert client.stats.requests == before + 2  # 151 entries: two pages, nothing else


async def test_find_resolves_paths(sim: Simulator) -> None:
    truth = sim.world.paths(BIG)
    deep = max(truth, key=lambda p: p.count("/"))
    async with client_of(sim) as client:
        found = await client.files.find(BIG, deep)
        folder = await client.files.find(BIG, "dir_0000/")
        missing = await client.files.find(BIG, "dir_0000/nothing.vcf")
    assert isinstance(found, File)
    assert found.id == truth[deep]
    assert folder is not None
    assert folder.type == "folder"
    assert missing is None


async def test_volume_objects_under_a_prefix(sim: Simulator) -> None:
    objects = sim.world.volumes["rfranklin/archive"].objects
    async with client_of(sim) as client:
        one_level = [
            e async for e in client.volumes.list_objects("rfranklin/archive", prefix="runs/")
        ]
        everything = [
            e.location
            async for e in client.volumes.list_objects(
                "rfranklin/archive", prefix="runs/run_1/", recursive=True
            )
            if isinstance(e, VolumeObject)
        ]
        volume = await client.volumes.get("rfranklin/archive")
    assert all(isinstance(e, VolumePrefix) for e in one_level)
    assert [e.prefix for e in one_level if isinstance(e, VolumePrefix)] == [
        f"runs/run_{n}/" for n in range(4)
    ]
    assert sorted(everything) == sorted(k for k in objects if k.startswith("runs/run_1/"))
    assert volume.access_mode == "RO"


async def test_a_walk_keeps_inside_the_rate_budget() -> None:
    # A window of 40 requests a second (time compressed 300x): the walk's 60-odd pages need two
    # or three windows, and the budget spreads them so that no answer is a 429.
    sim = Simulator(
        token=canary.CANARY,
        seed=5,
        files_per_project=10,
        speed=300,
        rate_limit=40,
        reset_in_ms=True,
    )
    sim.world.grow_project(BIG, "Big", 0.0, files=3_000, folders=59)
    async with client_of(sim) as client:
        with anyio.fail_after(60):
            walked = {path async for path, _ in client.files.walk(project=BIG)}
        stats = client.stats
    assert len(walked) == 3_000
    assert stats.requests == pages_needed(sim, BIG) > 40
    assert stats.rate_limited == 0
    assert not [key for key in sim.request_counts() if key[2] == 429]


async def test_create_folder_makes_one_and_refuses_a_taken_name() -> None:
    sim = Simulator(token=canary.CANARY, seed=3, files_per_project=20)
    async with CavaticaClient(sim.token, sim.base_url, transport=sim.transport()) as client:
        top = await client.files.create_folder("made", project="rfranklin/project-1")
        inner = await client.files.create_folder("inner", parent=top.id)
        with pytest.raises(ConflictError):
            await client.files.create_folder("made", project="rfranklin/project-1")
        with pytest.raises(ValueError, match="exactly one"):
            await client.files.create_folder("x")
        with pytest.raises(ValueError, match="folder name"):
            await client.files.create_folder("a/b", project="rfranklin/project-1")
    assert sim.world.files[inner.id].parent == top.id
    assert sim.world.files[top.id].type == "folder"
