"""Small helpers for simulator tests."""

from __future__ import annotations

from cavatica_async.simulator import Simulator


def project_files(sim: Simulator, project: str = "rfranklin/project-1") -> list[str]:
    """Ids of the plain files in a project's root."""
    return [f.id for f in sim.world.children(project, None) if f.type == "file"]


def folder_id(sim: Simulator, project: str = "rfranklin/project-1") -> str:
    """The id of the project's `results` folder."""
    found = sim.world.named(project, None, "results")
    assert found is not None
    return found.id
