"""course collect: LMS downloads (zips and folders) into submitted/, with the
submission times nbgrader reads, duplicates, re-collects and non-notebook files.
Real zips made here with chosen entry times; one slow test has nbgrader
autograde read the times and count a late submission."""
from __future__ import annotations

import os
import struct
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import nbformat
import pytest

from course.cli import main as cli_main
from course.errors import CourseError
from course.grading.collect import ARCHIVE, LATEST_WINS, collect
from grading_helpers import FIXTURE_NOTEBOOKS, scratch_layout

NAME = "00_fixture"
UTC = timezone.utc


def notebook_bytes(marker: str) -> bytes:
    """A small notebook, the same bytes for the same marker."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell(f"# {marker}", id="only-cell"))
    return nbformat.writes(notebook).encode()


def member(name: str, when: datetime, utc_field: bool = False) -> zipfile.ZipInfo:
    """A zip member dated `when` (its DOS time in `when`'s own zone, to 2 s; with
    utc_field also the extended timestamp, a UTC Unix time)."""
    info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
    if utc_field:
        info.extra = struct.pack("<HHBi", 0x5455, 5, 1, int(when.timestamp()))
    return info


def make_zip(path: Path, members: dict) -> Path:
    """members: ZipInfo or name -> bytes."""
    with zipfile.ZipFile(path, "w") as zf:
        for info, data in members.items():
            zf.writestr(info, data)
    return path


def submitted_time(layout, student) -> datetime:
    """The submission time as nbgrader reads it (naive UTC)."""
    from nbgrader.coursedir import CourseDirectory

    return CourseDirectory().get_existing_timestamp(str(layout.course_dir / "submitted" / student / NAME))


def by_student(result):
    return {s.student: s for s in result.students}


@pytest.fixture
def layout(tmp_path):
    return scratch_layout(tmp_path, FIXTURE_NOTEBOOKS)


def test_times_come_from_the_zip_entries(layout, tmp_path):
    carol = datetime(2026, 11, 30, 14, 5, 8)
    dave = datetime(2026, 11, 29, 23, 59, 58, tzinfo=UTC)
    download = make_zip(tmp_path / "download.zip", {
        member("carol_1234_5678_homework.ipynb", carol): notebook_bytes("carol"),
        # an extended timestamp is UTC whatever the zone of the DOS times
        member("dave_4321_8765_hw.ipynb", dave, utc_field=True): notebook_bytes("dave"),
    })
    result = collect(NAME, download, layout=layout, timezone="Europe/Berlin")
    # carol's DOS time is Berlin time: 14:05:08 CET is 13:05:08 UTC
    assert submitted_time(layout, "carol-1234") == datetime(2026, 11, 30, 13, 5, 8)
    assert submitted_time(layout, "dave-4321") == datetime(2026, 11, 29, 23, 59, 58)
    assert (layout.course_dir / "submitted" / "carol-1234" / NAME / f"{NAME}.ipynb").read_bytes() == notebook_bytes("carol")
    assert {s.student: s.status for s in result.students} == {"carol-1234": "new", "dave-4321": "new"}
    assert by_student(result)["carol-1234"].notes == ["renamed from carol_1234_5678_homework.ipynb"]


def test_two_students_of_one_name_stay_two_students(layout, tmp_path):
    """Moodle's folders and Canvas's files name the student, then the LMS's number: the
    number keeps namesakes apart, and Canvas's late marker does not split one student."""
    when = datetime(2026, 11, 30, 9, 0, 0)
    download = make_zip(tmp_path / "d.zip", {
        member(f"Jane Smith_101_assignsubmission_file_/{NAME}.ipynb", when): notebook_bytes("jane 101"),
        member(f"Jane Smith_202_assignsubmission_file_/{NAME}.ipynb", when): notebook_bytes("jane 202"),
        member("smithjane_303_1_hw.ipynb", when): notebook_bytes("first"),
        member("smithjane_late_303_2_hw.ipynb", when + timedelta(hours=1)): notebook_bytes("second"),
    })
    result = collect(NAME, download, layout=layout, timezone="UTC")
    assert sorted(s.student for s in result.students) == ["Jane-Smith-101", "Jane-Smith-202", "smithjane-303"]
    submitted = layout.course_dir / "submitted"
    for student, content in (("Jane-Smith-101", "jane 101"), ("Jane-Smith-202", "jane 202"),
                             ("smithjane-303", "second")):
        assert (submitted / student / NAME / f"{NAME}.ipynb").read_bytes() == notebook_bytes(content), student
    assert [d.name for d in by_student(result)["smithjane-303"].duplicates] == ["smithjane_303_1_hw.ipynb"]


def test_the_extended_timestamp_wins_over_the_dos_time(layout, tmp_path):
    info = member("erin_1_2_hw.ipynb", datetime(2026, 11, 28, 9, 0, 0, tzinfo=UTC), utc_field=True)
    info.date_time = (1999, 1, 1, 0, 0, 0)
    collect(NAME, make_zip(tmp_path / "d.zip", {info: notebook_bytes("erin")}), layout=layout, timezone="UTC")
    assert submitted_time(layout, "erin-1") == datetime(2026, 11, 28, 9, 0, 0)


def test_a_folder_download_takes_the_file_times(layout, tmp_path):
    folder = tmp_path / "download"
    moodle = folder / "Frank Li_777_assignsubmission_file_"
    moodle.mkdir(parents=True)
    (moodle / f"{NAME}.ipynb").write_bytes(notebook_bytes("frank"))
    when = datetime(2026, 11, 30, 8, 30, 0, tzinfo=UTC)
    os.utime(moodle / f"{NAME}.ipynb", (when.timestamp(), when.timestamp()))
    result = collect(NAME, folder, layout=layout)
    assert [s.student for s in result.students] == ["Frank-Li-777"]
    assert submitted_time(layout, "Frank-Li-777") == datetime(2026, 11, 30, 8, 30, 0)


def test_a_students_own_zip_takes_the_time_of_its_entry_not_of_its_members(layout, tmp_path):
    inner = make_zip(tmp_path / "inner.zip", {
        member(f"work/{NAME}.ipynb", datetime(2020, 1, 1, 0, 0, 0)): notebook_bytes("gina"),
        member("work/helpers.py", datetime(2020, 1, 1, 0, 0, 0)): b"x = 1\n",
    })
    when = datetime(2026, 11, 30, 10, 0, 0)
    download = make_zip(tmp_path / "d.zip", {member("gina_5_6_upload.zip", when): inner.read_bytes()})
    result = collect(NAME, download, layout=layout, timezone="UTC")
    assert submitted_time(layout, "gina-5") == when
    gina = by_student(result)["gina-5"]
    assert gina.chosen.name == f"gina_5_6_upload.zip:work/{NAME}.ipynb"
    assert gina.other_files == ["gina_5_6_upload.zip:work/helpers.py (a .py)"]
    assert not (layout.course_dir / "submitted" / "gina-5" / NAME / "helpers.py").exists()


def test_duplicates_latest_submission_wins_and_are_reported(layout, tmp_path):
    early, late = datetime(2026, 11, 30, 9, 0, 0), datetime(2026, 11, 30, 11, 0, 0)
    download = make_zip(tmp_path / "d.zip", {
        # the later upload sorts first by name: the time decides, not the name
        member("hana_1_2_a-second-try.ipynb", late): notebook_bytes("late"),
        member("hana_1_3_b-first.ipynb", early): notebook_bytes("early"),
        member("hana_1_4_report.pdf", late): b"%PDF-1.4",
    })
    result = collect(NAME, download, layout=layout, timezone="UTC")
    hana = by_student(result)["hana-1"]
    assert hana.chosen.name == "hana_1_2_a-second-try.ipynb"
    assert [d.name for d in hana.duplicates] == ["hana_1_3_b-first.ipynb"]
    assert LATEST_WINS in hana.rule
    assert hana.other_files == ["hana_1_4_report.pdf (a .pdf)"]
    assert (layout.course_dir / "submitted" / "hana-1" / NAME / f"{NAME}.ipynb").read_bytes() == notebook_bytes("late")
    assert submitted_time(layout, "hana-1") == late
    report = "\n".join(result.report())
    assert "2 notebooks handed in, latest submission time wins" in report
    assert "hana_1_3_b-first.ipynb (2026-11-30 09:00:00.000000 UTC)" in report
    assert "not a notebook, not graded: hana_1_4_report.pdf (a .pdf)" in report


def test_in_one_upload_the_notebook_named_like_the_assignment_comes_first(layout, tmp_path):
    when = datetime(2026, 11, 30, 9, 0, 0)
    download = make_zip(tmp_path / "d.zip", {
        member(f"ivan_1_2_folder/{NAME}.ipynb", when): notebook_bytes("right"),
        member("ivan_1_2_folder/scratch.ipynb", when + timedelta(hours=1)): notebook_bytes("scratch"),
        member("jan_1_2_hw.ipynb", when): notebook_bytes("jan"),
    })
    ivan = by_student(collect(NAME, download, layout=layout, timezone="UTC"))["ivan-1"]
    assert ivan.chosen.name == f"ivan_1_2_folder/{NAME}.ipynb"
    assert [d.name for d in ivan.duplicates] == ["ivan_1_2_folder/scratch.ipynb"]


def test_a_student_without_a_notebook_gets_an_empty_folder(layout, tmp_path):
    download = make_zip(tmp_path / "d.zip", {member("jo_1_2_notes.txt", datetime(2026, 11, 30)): b"no"})
    jo = by_student(collect(NAME, download, layout=layout, timezone="UTC"))["jo-1"]
    assert jo.chosen is None and jo.other_files == ["jo_1_2_notes.txt (a .txt)"]
    folder = layout.course_dir / "submitted" / "jo-1" / NAME
    assert folder.is_dir() and list(folder.iterdir()) == []


def test_a_recollect_says_what_changed_and_keeps_the_earlier_copy(layout, tmp_path):
    first, second = datetime(2026, 11, 30, 9, 0, 0), datetime(2026, 11, 30, 12, 0, 0)
    collect(NAME, make_zip(tmp_path / "one.zip", {
        member("kim_1_1_hw.ipynb", first): notebook_bytes("kim v1"),
        member("lea_1_1_hw.ipynb", first): notebook_bytes("lea"),
        member("max_1_1_hw.ipynb", first): notebook_bytes("max"),
    }), layout=layout, timezone="UTC")
    submitted = layout.course_dir / "submitted"
    lea_before = (submitted / "lea-1" / NAME / f"{NAME}.ipynb").stat()

    result = collect(NAME, make_zip(tmp_path / "two.zip", {
        member("kim_1_2_hw.ipynb", second): notebook_bytes("kim v2"),
        member("lea_1_1_hw.ipynb", first): notebook_bytes("lea"),
        member("ned_1_1_hw.ipynb", second): notebook_bytes("ned"),
    }), layout=layout, timezone="UTC")
    assert {s.student: s.status for s in result.students} == {"kim-1": "changed", "lea-1": "unchanged", "ned-1": "new"}
    assert result.absent == ["max-1"]
    assert (result.count("new"), result.count("changed"), result.count("unchanged")) == (1, 1, 1)
    kim = by_student(result)["kim-1"]
    assert kim.archived == layout.course_dir / ARCHIVE / "kim-1" / NAME / "2026-11-30T090000.000000Z"
    assert (kim.archived / f"{NAME}.ipynb").read_bytes() == notebook_bytes("kim v1")
    assert (submitted / "kim-1" / NAME / f"{NAME}.ipynb").read_bytes() == notebook_bytes("kim v2")
    assert submitted_time(layout, "kim-1") == second
    assert (submitted / "lea-1" / NAME / f"{NAME}.ipynb").stat().st_mtime_ns == lea_before.st_mtime_ns
    assert (submitted / "max-1" / NAME / f"{NAME}.ipynb").read_bytes() == notebook_bytes("max")
    assert result.report()[-1].endswith("1 new, 1 changed, 1 unchanged")

    # a third version of kim at the same time keeps both earlier copies apart
    collect(NAME, make_zip(tmp_path / "three.zip", {member("kim_1_3_hw.ipynb", second): notebook_bytes("kim v3")}),
            layout=layout, timezone="UTC")
    archived = sorted(p.name for p in (layout.course_dir / ARCHIVE / "kim-1" / NAME).iterdir())
    assert archived == ["2026-11-30T090000.000000Z", "2026-11-30T120000.000000Z"]


def test_collect_rejects_what_it_cannot_read(layout, tmp_path):
    with pytest.raises(CourseError, match="no such file"):
        collect(NAME, tmp_path / "nowhere.zip", layout=layout)
    (tmp_path / "fake.zip").write_text("not a zip")
    with pytest.raises(CourseError, match="not a zip"):
        collect(NAME, tmp_path / "fake.zip", layout=layout)
    with pytest.raises(CourseError, match="unknown time zone 'Mars/Olympus'"):
        collect(NAME, make_zip(tmp_path / "d.zip", {}), layout=layout, timezone="Mars/Olympus")


def test_a_broken_nested_zip_is_named(layout, tmp_path):
    download = make_zip(tmp_path / "d.zip", {member("olga_1_2_hw.zip", datetime(2026, 11, 30)): b"not a zip"})
    olga = by_student(collect(NAME, download, layout=layout, timezone="UTC"))["olga-1"]
    assert olga.chosen is None
    assert olga.notes == ["olga_1_2_hw.zip is not a valid zip: nothing in it is graded"]


def test_course_collect_prints_the_report(layout, tmp_path, monkeypatch, capsys):
    root = layout.course_dir.parent
    (root / "notebooks").mkdir()
    (root / "notebooks" / f"{NAME}.ipynb").write_bytes((FIXTURE_NOTEBOOKS / f"{NAME}.ipynb").read_bytes())
    monkeypatch.setenv("COURSE_ROOT", str(root))
    download = make_zip(tmp_path / "d.zip", {member("pia_1_2_hw.ipynb", datetime(2026, 11, 30, 9)): notebook_bytes("p")})
    assert cli_main(["collect", NAME, str(download), "--timezone", "UTC"]) == 0
    out = capsys.readouterr().out
    assert "pia-1" in out and "new" in out and "submitted 2026-11-30 09:00:00.000000 UTC" in out
    assert "1 new, 0 changed, 0 unchanged" in out


@pytest.mark.slow
def test_nbgrader_autograde_records_the_collected_time_and_lateness(layout, tmp_path):
    from nbgrader.api import Gradebook

    from course.grading.autograde import gradebook_settings, grade
    from course.grading.release import release, release_path

    release([NAME], layout=layout)
    due = datetime(2026, 11, 30, 12, 0, 0)
    db_url, course_id = gradebook_settings(layout.course_dir)
    with Gradebook(db_url, course_id) as gb:
        gb.update_or_create_assignment(NAME, duedate=due)
    released = release_path(layout, NAME).read_bytes()
    download = make_zip(tmp_path / "d.zip", {
        member("ontime_1_2_hw.ipynb", due - timedelta(minutes=1)): released,
        member("late_1_2_hw.ipynb", due + timedelta(hours=2)): released,
    })
    collect(NAME, download, layout=layout, timezone="UTC")
    grade([NAME], layout=layout, export_csv=False)
    with Gradebook(db_url, course_id) as gb:
        late = gb.find_submission(NAME, "late-1")
        ontime = gb.find_submission(NAME, "ontime-1")
        assert late.timestamp == due + timedelta(hours=2)
        assert late.total_seconds_late == 7200
        assert ontime.timestamp == due - timedelta(minutes=1) and ontime.total_seconds_late == 0


def test_a_dot_dot_name_writes_nothing_outside_submitted(layout, tmp_path):
    when = datetime(2026, 11, 30, 12, 0, 0)
    download = make_zip(tmp_path / "download.zip", {
        member(".._1_x.ipynb", when): notebook_bytes("escape"),
        member("erin_2_x.ipynb", when): notebook_bytes("erin"),
    })
    result = collect(NAME, download, layout=layout)
    assert {s.student for s in result.students} == {"erin-2"}
    assert ".._1_x.ipynb" in result.skipped
    assert not (layout.course_dir / NAME).exists()
    assert sorted(p.name for p in (layout.course_dir / "submitted").iterdir()) == ["erin-2"]
