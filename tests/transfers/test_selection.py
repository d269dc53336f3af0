"""Items from a selection: a project's files to exports, a prefix's objects to imports, a
project's top level to copies, each found through the discovery calls on the simulator."""

from __future__ import annotations

import pytest

from cavatica_async import CavaticaClient
from cavatica_async.transfers.selection import copies_of, exports_of, imports_of

from tests.helpers_watch import simulator

pytestmark = pytest.mark.anyio

P1, P2 = "rfranklin/project-1", "rfranklin/project-2"


async def test_exports_keep_folder_paths_by_default() -> None:
    sim = simulator(files_per_project=50)
    folder = sim.world.add_file(P1, None, "selected", 0.0, folder=True)
    inner = sim.world.add_file(P1, folder.id, "a.vcf", 0.0)
    async with CavaticaClient(sim.token, sim.base_url, transport=sim.transport()) as client:
        kept = await exports_of(client, "rfranklin/output", "out/", project=P1)
        flat = await exports_of(client, "rfranklin/output", "", project=P1, keep_paths=False)
    files = [f for f in sim.world.files.values() if f.project == P1 and f.type == "file"]
    assert len(kept) == len(flat) == len(files)
    assert {r.file for r in kept} == {f.id for f in files}
    [ours] = [r for r in kept if r.file == inner.id]
    assert ours.location == "out/selected/a.vcf"
    assert [r.location for r in flat if r.file == inner.id] == ["a.vcf"]


async def test_imports_of_every_object_under_a_prefix_side_by_side() -> None:
    sim = simulator()
    objects = [o for o in sim.world.volumes["rfranklin/input"].objects if o.startswith("reads/")]
    async with CavaticaClient(sim.token, sim.base_url, transport=sim.transport()) as client:
        planned = await imports_of(client, "rfranklin/input", "reads/", project=P2)
        flat = await imports_of(client, "rfranklin/input", "", project=P2, keep_structure=False)
    assert sorted(r.location for r in planned) == sorted(objects)
    assert all(r.project == P2 for r in planned)  # nothing below the prefix: no folders
    assert {r.project for r in flat} == {P2}


async def test_imports_keep_the_folders_below_the_prefix() -> None:
    sim = simulator()
    objects = sim.world.volumes["rfranklin/input"].objects
    objects.update({"runs/a/b/x.bam": 1, "runs/a/y.bam": 2, "runs/z.bam": 3})
    existing = sim.world.add_file(P1, None, "a", 0.0, folder=True)  # already there: reused
    async with CavaticaClient(sim.token, sim.base_url, transport=sim.transport()) as client:
        planned = await imports_of(client, "rfranklin/input", "runs/", project=P1)
        again = await imports_of(client, "rfranklin/input", "runs/", project=P1)
    by_location = {r.location: r for r in planned}
    assert by_location["runs/z.bam"].project == P1
    assert by_location["runs/a/y.bam"].parent == existing.id
    folder_b = sim.world.named(P1, existing.id, "b")
    assert folder_b is not None
    assert folder_b.type == "folder"
    assert by_location["runs/a/b/x.bam"].parent == folder_b.id
    assert again == planned  # the folders are found, not made twice
    assert sum(1 for f in sim.world.files.values() if f.name == "b") == 1


async def test_a_file_where_a_folder_goes_is_refused() -> None:
    sim = simulator()
    sim.world.volumes["rfranklin/input"].objects["runs/taken/x.bam"] = 1
    sim.world.add_file(P1, None, "taken", 0.0)
    async with CavaticaClient(sim.token, sim.base_url, transport=sim.transport()) as client:
        with pytest.raises(ValueError, match="a file named 'taken'"):
            await imports_of(client, "rfranklin/input", "runs/", project=P1)


async def test_copies_of_a_projects_top_level() -> None:
    sim = simulator(files_per_project=30)
    folder = sim.world.add_file(P2, None, "tree", 0.0, folder=True)
    sim.world.add_file(P2, folder.id, "leaf.txt", 0.0)
    async with CavaticaClient(sim.token, sim.base_url, transport=sim.transport()) as client:
        planned = await copies_of(client, source_project=P2, project=P1)
    top = [f.id for f in sim.world.children(P2, None)]
    assert sorted(c.file for c in planned) == sorted(top)
    assert folder.id in {c.file for c in planned}
