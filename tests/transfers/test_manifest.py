"""Manifests: every kind's columns, in CSV, TSV and JSON Lines; each bad row named by its line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cavatica_async import CopyItem, DrsImportItem, ExportRequest, ImportRequest
from cavatica_async.transfers.manifest import ManifestError, read_manifest
from cavatica_async.transfers.requests import source_of

FILE = "567890abc9b0307bc0414164"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        (
            "export",
            f"file,volume,location,overwrite\n{FILE},o/v,out/a.vcf,yes\n",
            ExportRequest(FILE, "o/v", "out/a.vcf", overwrite=True),
        ),
        (
            "import",
            "volume,location,project,autorename\no/v,reads/a.fq,o/p,true\n",
            ImportRequest("o/v", "reads/a.fq", project="o/p", autorename=True),
        ),
        (
            "drs_import",
            "drs_uri,parent,name\ndrs://x.org/1,5bd7c1a2e4b0fb2fcd1d8a45,one.bam\n",
            DrsImportItem("drs://x.org/1", parent="5bd7c1a2e4b0fb2fcd1d8a45", name="one.bam"),
        ),
        ("copy", f"file,project\n{FILE},o/p\n", CopyItem(FILE, project="o/p")),
        (
            "move",
            f"file,project,name\n{FILE},o/p,b.vcf\n",
            CopyItem(FILE, project="o/p", name="b.vcf"),
        ),
        ("delete", f"file\n{FILE}\n", FILE),
    ],
)
def test_each_kind_reads_its_columns(
    tmp_path: Path, kind: str, text: str, expected: object
) -> None:
    manifest = read_manifest(write(tmp_path, "m.csv", text), kind)
    assert manifest.problems == ()
    assert manifest.items == ((2, expected),)


def test_tsv_and_json_lines(tmp_path: Path) -> None:
    tsv = read_manifest(write(tmp_path, "m.tsv", f"file\tproject\n{FILE}\to/p\n"), "copy")
    rows = [{"file": FILE, "project": "o/p"}, {"file": "1" * 24, "parent": "2" * 24}]
    jsonl = read_manifest(
        write(tmp_path, "m.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n\n"), "copy"
    )
    assert tsv.items == ((2, CopyItem(FILE, project="o/p")),)
    assert [item for _, item in jsonl.items] == [
        CopyItem(FILE, project="o/p"),
        CopyItem("1" * 24, parent="2" * 24),
    ]


def test_every_bad_row_is_named_by_its_line(tmp_path: Path) -> None:
    text = (
        "file,volume,location,overwite\n"  # a typo in the header: every row has an unknown column
        f"{FILE},o/v,a.vcf,true\n"
    )
    typo = read_manifest(write(tmp_path, "typo.csv", text), "export")
    assert [str(p) for p in typo.problems] == [
        "line 2: columns the export items do not take: overwite"
    ]
    text = (
        "file,volume,location,overwrite\n"
        f"{FILE},o/v,a.vcf,maybe\n"  # 2: not a flag
        f"{FILE},o/v\n"  # 3: fewer fields
        "bad/id,o/v,b.vcf,false\n"  # 4: not an id
        f"{FILE},o/v,c.vcf,,extra\n"  # 5: more fields
        f"{FILE},o/v,d.vcf,no\n"  # 6: fine
        f"{FILE},o/v,e.vcf,no\n"  # 7: the same file again
    )
    manifest = read_manifest(write(tmp_path, "m.csv", text), "export")
    assert [p.line for p in manifest.problems] == [2, 3, 4, 5, 7]
    assert "overwrite must be true or false" in manifest.problems[0].message
    assert "listed twice (first on line 6)" in manifest.problems[4].message
    assert [line for line, _ in manifest.items] == [6]


def test_json_lines_problems(tmp_path: Path) -> None:
    text = (
        '{"drs_uri": "drs://x/1", "project": "o/p"}\n'
        "[1, 2]\n"
        "{not json\n"
        '{"drs_uri": 5, "project": "o/p"}\n'
    )
    manifest = read_manifest(write(tmp_path, "m.ndjson", text), "drs_import")
    assert [(p.line, p.message[:20]) for p in manifest.problems] == [
        (2, "not a JSON object"),
        (3, "not JSON: Expecting "),
        (4, "drs_uri must be text"),
    ]
    assert len(manifest.items) == 1


def test_unknown_kinds_and_formats_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown transfer kind"):
        read_manifest(write(tmp_path, "m.csv", "file\n"), "upload")
    with pytest.raises(ValueError, match="a manifest is"):
        read_manifest(write(tmp_path, "m.xlsx", "file\n"), "delete")


def test_sources_name_what_each_item_moves() -> None:
    assert source_of("import", ImportRequest("o/v", "a/b", project="o/p")) == "o/v:a/b"
    assert source_of("drs_import", DrsImportItem("drs://x/1", project="o/p")) == "drs://x/1"
    assert source_of("delete", FILE) == FILE
    assert source_of("copy", CopyItem(FILE, project="o/p")) == FILE


def test_a_manifest_with_bad_rows_plans_nothing_unless_they_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("file\n0123456789abcdef01234567\n\n../x\n0123456789abcdef01234568\n")
    manifest = read_manifest(path, "delete")
    with pytest.raises(ManifestError, match="1 bad rows: line 4") as error:
        manifest.requests()
    assert [problem.line for problem in error.value.problems] == [4]
    assert manifest.requests(skip_bad=True) == [
        "0123456789abcdef01234567",
        "0123456789abcdef01234568",
    ]


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("m.csv", b"file\n\xff\xfe\n", "not UTF-8 text"),
        ("m.jsonl", b'{"file": "\xc3"}\n', "not UTF-8 text"),
        ("m.csv", b"file\n" + b"a" * 200_000 + b"\n", "line 2 is over 65,536 characters"),
        ("m.csv", b"file\nx\n\xff\n", "line 3 is not UTF-8"),
        ("m.csv", b"file,volume,file\nx,y,z\n", "the header names 'file' more than once"),
    ],
)
def test_a_file_that_cannot_be_read_to_its_end_is_refused(
    tmp_path: Path, name: str, content: bytes, problem: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValueError, match=problem):
        read_manifest(path, "delete")


def test_a_folder_is_not_a_manifest(tmp_path: Path) -> None:
    folder = tmp_path / "m.csv"
    folder.mkdir()
    with pytest.raises(ValueError, match=r"m\.csv cannot be read"):
        read_manifest(folder, "delete")


def test_a_byte_order_mark_is_no_part_of_the_header(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_bytes("\ufefffile\n".encode() + FILE.encode() + b"\n")
    assert read_manifest(path, "delete").requests() == [FILE]


def test_json_lines_too_long_or_too_deep_are_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    good = json.dumps({"file": FILE})
    with path.open("w") as handle:
        handle.write("[" * 50_000 + "\n")
        handle.write('{"file": "' + "a" * 300_000 + '"}\n')
        handle.write(good + "\n")
    manifest = read_manifest(path, "delete")
    assert [(p.line, p.message) for p in manifest.problems] == [
        (1, "not JSON: nested too deeply"),
        (2, "over 65,536 characters"),
    ]
    assert manifest.items == ((3, FILE),)


def test_lines_end_at_a_carriage_return_too(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    good = json.dumps({"file": FILE}).encode()
    long = b'{"file": "' + b"a" * 200_000 + b'"}'
    path.write_bytes(b"\r".join([long, good, good.replace(b"567", b"568")]) + b"\r")
    manifest = read_manifest(path, "delete")
    assert [(p.line, p.message) for p in manifest.problems] == [(1, "over 65,536 characters")]
    assert [line for line, _ in manifest.items] == [2, 3]


def test_a_line_of_exactly_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    row = json.dumps({"file": FILE})
    padded = row[:-1] + " " * (65_536 - len(row)) + "}"  # JSON allows the spaces
    path.write_text(padded + "\n")
    assert len(padded) == 65_536
    manifest = read_manifest(path, "delete")
    assert (manifest.problems, len(manifest.items)) == ((), 1)


def test_an_item_that_could_not_be_sent_is_a_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    bad = '{"drs_uri": "drs://h/\\ud800", "project": "o/p"}'
    path.write_text(json.dumps({"drs_uri": "drs://h/1", "project": "o/p"}) + "\n" + bad + "\n")
    manifest = read_manifest(path, "drs_import")
    assert [p.line for p in manifest.problems] == [2]
    assert "cannot be sent as JSON" in manifest.problems[0].message
