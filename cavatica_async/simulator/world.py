"""The simulated user's world: projects, files and folders, and cloud volumes with objects."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any, overload

import attrs


def iso(at: float) -> str:
    """A timestamp as the platform writes it (`2016-06-15T19:17:39.123Z`)."""
    moment = datetime.fromtimestamp(at, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@attrs.define
class SimFile:
    """A file or folder in a project; `storage` is set when it is an alias of a volume object."""

    id: str
    name: str
    project: str
    parent: str | None  # None: the project root
    type: str  # "file" or "folder"
    size: int
    created_on: float
    modified_on: float
    storage: dict[str, str] | None = None
    tags: list[str] = attrs.Factory(list)
    metadata: dict[str, Any] = attrs.Factory(dict)
    origin_task: str | None = None


@attrs.define
class Volume:
    """A cloud bucket attached to the platform, `RW` or `RO`, holding objects by location."""

    id: str  # owner/name
    access_mode: str
    objects: dict[str, int] = attrs.Factory(dict)  # location -> size
    reserved: set[str] = attrs.Factory(set)  # locations that pending exports will write

    def listing(self, prefix: str) -> list[tuple[str, bool]]:
        """One level under `prefix`, as a bucket lists with delimiter `/`: each object directly
        under it and each deeper common start ending in `/` (True), in key order."""
        found: dict[str, bool] = {}
        for location in self.objects:
            if not location.startswith(prefix):
                continue
            rest = location[len(prefix) :]
            cut = rest.find("/")
            if cut < 0:
                found[location] = False
            else:
                found[prefix + rest[: cut + 1]] = True
        return sorted(found.items())


@attrs.define
class Project:
    """A project (`owner/slug`)."""

    id: str
    name: str


class Children(Sequence[SimFile]):
    """The files of a project root or folder by name, looked up only as they are read (a page of
    a listing of 100,000 files reads 100 of them)."""

    def __init__(self, names: list[str], ids: dict[str, str], files: dict[str, SimFile]) -> None:
        self._names, self._ids, self._files = names, ids, files

    def __len__(self) -> int:
        return len(self._names)

    @overload
    def __getitem__(self, index: int) -> SimFile: ...

    @overload
    def __getitem__(self, index: slice) -> list[SimFile]: ...

    def __getitem__(self, index: int | slice) -> SimFile | list[SimFile]:
        if isinstance(index, slice):
            return [self._files[self._ids[name]] for name in self._names[index]]
        return self._files[self._ids[self._names[index]]]


class World:
    """All objects of the simulated user, created from a seed."""

    def __init__(
        self,
        rng: random.Random,
        now: float,
        *,
        username: str,
        projects: int,
        files_per_project: int,
        volume_objects: int,
    ) -> None:
        self.rng = rng
        self.username = username
        self.projects: dict[str, Project] = {}
        self.files: dict[str, SimFile] = {}
        # (project, parent) -> name -> file id: name lookups stay O(1) with 100k files.
        self._folders: dict[tuple[str, str | None], dict[str, str]] = {}
        # Each folder's children by name, sorted once until something changes: every page of a
        # listing of 100,000 files would sort them all again.
        self._sorted: dict[tuple[str, str | None], list[str]] = {}
        self.volumes: dict[str, Volume] = {}
        for index in range(projects):
            project = Project(id=f"{username}/project-{index + 1}", name=f"Project {index + 1}")
            self.projects[project.id] = project
            folder = self.add_file(project.id, None, "results", now, folder=True)
            for number in range(files_per_project):
                # Most files sit in the root, every tenth in the results folder.
                parent = folder.id if number % 10 == 9 else None
                self.add_file(project.id, parent, f"sample_{number:05d}.vcf.gz", now)
        self.volumes[f"{username}/output"] = Volume(f"{username}/output", "RW")
        archive = Volume(f"{username}/archive", "RO")
        for number in range(volume_objects):
            # Nested prefixes for listings that descend; sizes drawn without the seeded source,
            # so the rest of the world stays as it was.
            location = f"runs/run_{number % 4}/lane_{number % 3}/sample_{number:05d}.bam"
            archive.objects[location] = 10**6 + number
        self.volumes[archive.id] = archive
        inputs = Volume(f"{username}/input", "RW")
        for number in range(volume_objects):
            inputs.objects[f"reads/sample_{number:05d}.fastq.gz"] = rng.randint(10**6, 10**9)
        self.volumes[inputs.id] = inputs
        # A few occupied locations on the output volume, so exports can collide (code 9107).
        for number in range(0, files_per_project, 50):
            self.volumes[f"{username}/output"].objects[f"exports/sample_{number:05d}.vcf.gz"] = 1

    def grow_project(
        self, project_id: str, name: str, now: float, *, files: int, folders: int, fanout: int = 6
    ) -> Project:
        """A project of `files` files over `folders` nested folders, `fanout` to a folder
        (200 folders at 6 go three levels deep), files dealt in turn to the root and each
        folder."""
        project = Project(id=project_id, name=name)
        self.projects[project_id] = project
        made: list[str] = []
        for index in range(folders):
            parent = None if index < fanout else made[index // fanout - 1]
            made.append(self.add_file(project_id, parent, f"dir_{index:04d}", now, folder=True).id)
        homes: list[str | None] = [None, *made]
        for number in range(files):
            home = homes[number % len(homes)]
            self.add_file(project_id, home, f"sample_{number:06d}.vcf.gz", now, size=1000 + number)
        return project

    def paths(self, project: str, parent: str | None = None, prefix: str = "") -> dict[str, str]:
        """Every file (not folder) under a project root or folder: its path from there -> id."""
        found: dict[str, str] = {}
        for child in self.children(project, parent):
            if child.type == "folder":
                found.update(self.paths(project, child.id, f"{prefix}{child.name}/"))
            else:
                found[prefix + child.name] = child.id
        return found

    def new_file_id(self) -> str:
        """A fresh 24-hex file id, like the platform's."""
        while True:
            file_id = f"{self.rng.getrandbits(96):024x}"
            if file_id not in self.files:
                return file_id

    def add_file(
        self,
        project: str,
        parent: str | None,
        name: str,
        now: float,
        *,
        folder: bool = False,
        file_id: str | None = None,
        size: int | None = None,
        storage: dict[str, str] | None = None,
    ) -> SimFile:
        """Create a file (or folder) and return it."""
        created = SimFile(
            id=file_id or self.new_file_id(),
            name=name,
            project=project,
            parent=parent,
            type="folder" if folder else "file",
            size=0 if folder else (size if size is not None else self.rng.randint(10**3, 10**9)),
            created_on=now,
            modified_on=now,
            storage=storage,
        )
        self.files[created.id] = created
        self._folders.setdefault((project, parent), {})[name] = created.id
        self._sorted.clear()
        return created

    def remove_file(self, sim_file: SimFile) -> None:
        """Delete a file, or a folder and everything below it."""
        for gone in self.subtree(sim_file):
            self.files.pop(gone.id, None)
            self._folders.get((gone.project, gone.parent), {}).pop(gone.name, None)
        self._sorted.clear()

    def move_file(self, sim_file: SimFile, project: str, parent: str | None, name: str) -> None:
        """Put a file under another project root or folder, with a (new) name."""
        old_project, tree = sim_file.project, self.subtree(sim_file)
        self._folders.get((old_project, sim_file.parent), {}).pop(sim_file.name, None)
        for below in tree[1:]:
            self._folders.get((old_project, below.parent), {}).pop(below.name, None)
            below.project = project
            self._folders.setdefault((project, below.parent), {})[below.name] = below.id
        sim_file.project, sim_file.parent, sim_file.name = project, parent, name
        self._folders.setdefault((project, parent), {})[name] = sim_file.id
        self._sorted.clear()

    def children(self, project: str, parent: str | None) -> Children:
        """The files directly in a project root or folder, by name."""
        key = (project, parent)
        names = self._folders.get(key, {})
        if key not in self._sorted:
            self._sorted[key] = sorted(names)
        return Children(self._sorted[key], names, self.files)

    def named(self, project: str, parent: str | None, name: str) -> SimFile | None:
        """The file of that name in a project root or folder, if any."""
        file_id = self._folders.get((project, parent), {}).get(name)
        return self.files.get(file_id) if file_id else None

    def free_name(self, project: str, parent: str | None, name: str) -> str:
        """`name`, or `_N_name` with the smallest N free, the platform's autorename."""
        taken = self._folders.get((project, parent), {})
        if name not in taken:
            return name
        number = 1
        while f"_{number}_{name}" in taken:
            number += 1
        return f"_{number}_{name}"

    def subtree(self, root: SimFile) -> list[SimFile]:
        """A file, or a folder with everything below it."""
        found = [root]
        if root.type == "folder":
            for child in self.children(root.project, root.id):
                found.extend(self.subtree(child))
        return found

    def file_json(self, sim_file: SimFile, root: str) -> dict[str, Any]:
        """A file as the API renders it."""
        body: dict[str, Any] = {
            "href": f"{root}/files/{sim_file.id}",
            "id": sim_file.id,
            "name": sim_file.name,
            "type": sim_file.type,
            "size": sim_file.size,
            "project": sim_file.project,
            "parent": sim_file.parent,
            "created_on": iso(sim_file.created_on),
            "modified_on": iso(sim_file.modified_on),
            "origin": {"task": sim_file.origin_task} if sim_file.origin_task else {},
            "tags": list(sim_file.tags),
            "metadata": dict(sim_file.metadata),
        }
        if sim_file.storage is not None:
            body["storage"] = dict(sim_file.storage)
        else:
            body["storage"] = {"type": "PLATFORM"}
        return body

    def project_json(self, project: Project, root: str) -> dict[str, Any]:
        """A project as the API renders it."""
        owner = project.id.split("/", 1)[0]
        return {
            "href": f"{root}/projects/{project.id}",
            "id": project.id,
            "name": project.name,
            "type": "v2",
            "created_by": owner,
            "category": "PRIVATE",
            "tags": [],
        }

    def volume_json(self, volume: Volume, root: str) -> dict[str, Any]:
        """A volume as the API renders it."""
        owner, name = volume.id.split("/", 1)
        return {
            "href": f"{root}/storage/volumes/{volume.id}",
            "id": volume.id,
            "name": name,
            "access_mode": volume.access_mode,
            "service": {"type": "s3", "bucket": f"{owner}-{name}", "prefix": ""},
            "active": True,
        }
