"""Job inputs check themselves when built and render the documented JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cavatica_async import CavaticaClient, CopyItem, DrsImportItem, ExportRequest, ImportRequest

FILE = "567890abc9b0307bc0414164"


def test_export_body_matches_the_documented_example() -> None:
    # Start an export job (BDC page): source.file, destination.volume/location, overwrite.
    assert ExportRequest(FILE, "rfranklin/output", "output.vcf").body() == {
        "destination": {"volume": "rfranklin/output", "location": "output.vcf"},
        "source": {"file": FILE},
        "overwrite": False,
    }


def test_export_body_with_properties() -> None:
    body = ExportRequest(
        FILE, "v/o", "a.vcf", overwrite=True, properties={"sse_algorithm": "AES256"}
    ).body()
    assert body["overwrite"] is True
    assert body["properties"] == {"sse_algorithm": "AES256"}


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"file": "", "volume": "v/o", "location": "x"}, "invalid export source file id ''"),
        ({"file": "../f", "volume": "v/o", "location": "x"}, "invalid export source file id"),
        ({"file": FILE, "volume": "", "location": "x"}, "export volume must be a non-empty"),
        ({"file": FILE, "volume": "v/o", "location": " "}, "export location must be a non-empty"),
    ],
)
def test_bad_exports_are_refused(kwargs: dict[str, str], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        ExportRequest(**kwargs)


def test_import_body_to_a_project() -> None:
    body = ImportRequest(
        "rfranklin/input", "data/a.bam", project="rfranklin/p", name="a.bam"
    ).body()
    assert body == {
        "source": {"volume": "rfranklin/input", "location": "data/a.bam"},
        "destination": {"project": "rfranklin/p", "name": "a.bam"},
        "overwrite": False,
        "autorename": False,
    }


def test_import_body_to_a_folder_keeping_structure() -> None:
    body = ImportRequest(
        "v/in", "runs/", parent=FILE, autorename=True, preserve_folder_structure=True
    ).body()
    assert body["destination"] == {"parent": FILE}
    assert body["autorename"] is True
    assert body["preserve_folder_structure"] is True


@pytest.mark.parametrize(
    "destination", [{}, {"project": "o/p", "parent": FILE}], ids=["neither", "both"]
)
def test_import_needs_exactly_one_destination(destination: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="give exactly one of project or parent"):
        ImportRequest("v/in", "a.bam", **destination)


def test_drs_item_body() -> None:
    item = DrsImportItem(
        "drs://drs.example.org/abc", project="o/p", name="x.cram", metadata={"sample": "S1"}
    )
    assert item.body() == {
        "drs_uri": "drs://drs.example.org/abc",
        "project": "o/p",
        "name": "x.cram",
        "metadata": {"sample": "S1"},
    }
    with pytest.raises(ValueError, match="DRS URI must be a non-empty string"):
        DrsImportItem("", project="o/p")
    with pytest.raises(ValueError, match="DRS import of drs://a/b: give exactly one"):
        DrsImportItem("drs://a/b")


def test_copy_items_render_the_documented_request() -> None:
    documented = json.loads((Path(__file__).parent / "data" / "copy_request.json").read_text())
    items = [
        CopyItem(item["file"], project=item["project"], name=item["name"] or None)
        for item in documented["items"]
    ]
    # The page sends empty "parent" and "name" strings; we leave unset fields out.
    assert [item.body() for item in items] == [
        {key: value for key, value in item.items() if value} for item in documented["items"]
    ]


def test_copy_item_checks_its_file_id() -> None:
    with pytest.raises(ValueError, match="invalid file id 'a/b'"):
        CopyItem("a/b", project="o/p")


@pytest.mark.parametrize(
    ("build", "problem"),
    [
        (lambda: ExportRequest(FILE, "o/" + "v" * 1000, "a.vcf"), "export volume"),
        (lambda: ImportRequest("o/" + "v" * 1000, "a.vcf", project="o/p"), "import volume"),
        (lambda: ImportRequest("o/v", "a.vcf", project="o/" + "p" * 1000), "project"),
        (lambda: ImportRequest("o/v", "a" * 5000, project="o/p"), "import location"),
        (lambda: ImportRequest("o/v", "a.vcf", project="o/p", name="n" * 5000), "import name"),
        (lambda: CopyItem(FILE, project="o/p", name="n" * 5000), "copy name"),
        (lambda: DrsImportItem("drs://" + "h" * 5000, project="o/p"), "DRS URI"),
    ],
)
def test_texts_too_long_to_be_real_are_refused(build: object, problem: str) -> None:
    with pytest.raises(ValueError, match=f"{problem} .* characters, over"):
        build()  # type: ignore[operator]


def test_a_string_subclass_is_checked_as_the_string_it_holds() -> None:
    class Lying(str):
        def __len__(self) -> int:
            return 3

    with pytest.raises(ValueError, match="70,000 characters"):
        CopyItem(Lying("a" * 70_000), project="o/p")
    with pytest.raises(ValueError, match=r"export volume .* 5,000 characters"):
        ExportRequest(FILE, Lying("v" * 5000), "a.vcf")
    with pytest.raises(ValueError, match=r"project .* 5,000 characters"):
        ImportRequest("o/v", "a.vcf", project=Lying("p" * 5000))


@pytest.mark.anyio
async def test_a_list_filter_too_long_is_refused() -> None:
    async with CavaticaClient(token="l" * 32, base_url="https://api.test/v2") as client:
        with pytest.raises(ValueError, match="filter volume is over 1,000"):
            client.exports.list(volume="o/" + "v" * 1000)
        for state in ("S" * 5000, ["RUNNING", "S" * 5000]):
            with pytest.raises(ValueError, match="filter state is over 1,000"):
                client.imports.list(state=state)
