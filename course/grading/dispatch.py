"""Serial, --jobs, or a Dask cluster: which submissions, where.

Which: `select` keeps the submissions that are new or changed since their last
grading (incremental.py), or all of them (`force`), or the students named.

Where: every submission is one `nbgrader autograde` process (grade_one), so
parallel grading on one machine is a pool of threads that each wait on one
such process, and on a cluster each submission is one Dask task. The
gradebook stays correct this way:

- serial (`jobs=1`), and PostgreSQL with any `jobs`: nbgrader writes the
  instructor's gradebook itself, in the course directory (PostgreSQL is the
  database nbgrader supports for concurrent writers);
- SQLite with `jobs > 1`, and every Dask task: nbgrader calls concurrent SQLite
  writers unsafe, and a cluster worker may not reach the database at all, so
  each submission is graded in a scratch course directory of its own (the
  config, source/NAME/, the submission) against a private SQLite copy of the
  gradebook (gradebook_copy.seed, made once per assignment, so late penalties
  and earlier grades are decided as on the real one). The task returns the
  outcome, the graded notebook files and the submission's results as data;
  the coordinator, the one writer, copies them into the gradebook
  (gradebook_copy.apply) and into autograded/ one submission at a time.

After each submission, in the coordinator: the integrity check of the files
that decide grading (integrity.py; on a Dask worker its own scratch copy and
installed package are checked too, and the result is sent back), then manual
reviews of unchanged answers are kept and the state is recorded. An integrity
failure stops grading (work not yet started is cancelled); any other failure
of one submission, the worker's included, is reported in its line and the
others go on. With several submissions running at once, a change found after
one of them may come from another graded at the same time: the message names
them all. Students are entered in the gradebook in sorted order before any is
graded, so the gradebook, the grade table and grades.csv do not depend on the
order in which submissions finish.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import as_completed as threads_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from course.errors import CourseError
from course.grading import gradebook_copy, incremental, integrity
from course.grading.autograde import GradeOutcome, gradebook_settings, grade_one, students_of
from course.grading.sandbox import require_sandbox

# The grader's settings that change grades, sent to every worker with its task.
GRADING_VARIABLES = ("COURSE_CELL_TIMEOUT", "COURSE_MEMORY_LIMIT", "COURSE_PROCESS_LIMIT",
                     "COURSE_FILE_LIMIT", "COURSE_SCRATCH_LIMIT", "COURSE_SEED", "COURSE_DATASET")
SCHEDULER_TIMEOUT = "20s"


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


@dataclass
class Where:
    """Where submissions are graded: `jobs` at once on this machine, or as
    tasks of the Dask cluster `client` is connected to."""

    jobs: int = 1
    client: object = None


@contextmanager
def grading_on(jobs: int | None = None, scheduler: str | None = None):
    """Where to grade: a Dask client for `scheduler` (tcp://HOST:8786), closed
    afterwards, else `jobs` local processes at once (default: every core)."""
    if jobs is not None and jobs < 1:
        raise CourseError(f"--jobs {jobs}: give 1 (serial) or more submissions at once")
    if not scheduler:
        yield Where(jobs or default_jobs())
        return
    from distributed import Client

    try:
        client = Client(scheduler, timeout=SCHEDULER_TIMEOUT)
    except OSError as err:
        raise CourseError(f"no Dask scheduler answers at {scheduler} ({err}): start one "
                          f"(`dask scheduler`, then `dask worker {scheduler}` on each grading "
                          "machine) or check the address") from err
    try:
        yield Where(0, client)
    finally:
        client.close()


def select(course_dir: Path, name: str, students=None, force=False) -> tuple[list[str], list[str]]:
    """(to grade, unchanged) among the submitted students of `name`: the named
    students (all to grade); else everyone when force; else those new or
    changed since their last grading, or missing from the gradebook."""
    if students:
        return sorted(set(students)), []
    everyone = students_of(Path(course_dir) / "submitted", name)
    if force:
        return everyone, []
    state = incremental.GradingState(course_dir)
    in_gradebook = _students_graded(course_dir, name)
    unchanged = [s for s in everyone if s in in_gradebook and state.is_current(name, s)]
    return [s for s in everyone if s not in unchanged], unchanged


def _students_graded(course_dir: Path, name: str) -> set[str]:
    from nbgrader.api import Gradebook, MissingEntry

    db_url, course_id = gradebook_settings(course_dir)
    with Gradebook(db_url, course_id) as gb:
        try:
            return {s.student_id for s in gb.find_assignment(name).submissions}
        except MissingEntry:
            return set()


# ---- a submission graded in a scratch course directory (threads or Dask) ----

@dataclass
class AssignmentPieces:
    """What a worker needs of the course directory to grade one assignment.
    source: {path under source/NAME/: bytes}; seed: the SQLite gradebook copy;
    package: the coordinator's package_fingerprint()."""

    name: str
    course_id: str
    config: bytes
    source: dict
    seed: bytes
    sandbox: bool
    env: dict
    package: str


@dataclass
class Graded:
    """A worker's answer: the outcome, the submission's gradebook results
    (gradebook_copy.results), autograded/STUDENT/NAME/ as {path: bytes}, and
    the integrity changes the run made on the worker."""

    outcome: GradeOutcome
    results: dict | None
    autograded: dict = field(default_factory=dict)
    integrity: list = field(default_factory=list)


def package_fingerprint() -> str:
    """sha256 of the installed `course` package's files, its Python and its data (the
    stored splits, mnist10k: what a test loads decides points too), bytecode caches
    aside: workers must grade with the coordinator's version."""
    import course

    digest = hashlib.sha256()
    for root in map(Path, course.__path__):
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class Link:
    """A symbolic link met in a tree: carried as a link (never the file it
    points to), so that grade_one refuses it wherever the tree is written."""

    target: str


def read_tree(root: Path) -> dict:
    """{relative path: bytes, or a Link} of every file and link under root
    (empty when absent)."""
    root = Path(root)
    if not root.is_dir() or root.is_symlink():
        return {}
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            found[str(path.relative_to(root))] = Link(os.readlink(path))
        elif path.is_file():
            found[str(path.relative_to(root))] = path.read_bytes()
    return found


def write_tree(files: dict, root: Path) -> None:
    """Replace the folder root by exactly these files (and links)."""
    root = Path(root)
    if root.exists():
        shutil.rmtree(root)
    for relative, data in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, Link):
            path.symlink_to(data.target)
        else:
            path.write_bytes(data)


def assignment_pieces(course_dir: Path, name: str, sandbox: bool, scratch: Path) -> AssignmentPieces:
    """Read the pieces of course_dir a worker needs for `name`; the gradebook
    seed is made in scratch."""
    db_url, course_id = gradebook_settings(course_dir)
    seed = gradebook_copy.seed(db_url, course_id, Path(scratch) / "seed.db")
    return AssignmentPieces(
        name, course_id, (course_dir / "nbgrader_config.py").read_bytes(),
        read_tree(course_dir / "source" / name), seed.read_bytes(), sandbox,
        {k: os.environ[k] for k in GRADING_VARIABLES if k in os.environ}, package_fingerprint())


def grade_pieces(pieces: AssignmentPieces, student: str, submission: dict) -> Graded:
    """The worker's task: grade one submission ({path: bytes} of
    submitted/STUDENT/NAME/) in a scratch course directory against the
    gradebook seed, and return what it produced. Runs in a thread of the
    coordinator or on a Dask worker."""
    if pieces.package != package_fingerprint():
        raise CourseError("this worker's `course` package differs from the coordinator's: "
                          "install the same course version on every worker")
    if pieces.sandbox:
        require_sandbox()
    scratch = Path(tempfile.mkdtemp(prefix="course-grade-"))
    try:
        course_dir = scratch / "autograde"
        write_tree({"nbgrader_config.py": pieces.config}, course_dir)
        write_tree(pieces.source, course_dir / "source" / pieces.name)
        write_tree(submission, course_dir / "submitted" / student / pieces.name)
        gradebook = course_dir / "gradebook.db"
        gradebook.write_bytes(pieces.seed)
        db_url = gradebook_copy.sqlite_url(gradebook)
        before = integrity.snapshot(course_dir)
        outcome = grade_one(course_dir, pieces.name, student, sandbox=pieces.sandbox,
                            db_url=db_url, env=pieces.env)
        changed = integrity.changes(before, integrity.snapshot(course_dir))
        return Graded(outcome, gradebook_copy.results(db_url, pieces.course_id, pieces.name, student),
                      read_tree(course_dir / "autograded" / student / pieces.name), changed)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# ---- the coordinator ----

def grade_assignment(course_dir: Path, name: str, students: list[str], sandbox: bool, where: Where):
    """Grade these students' submissions of `name` where `where` says; yield
    each GradeOutcome once its results are in the instructor's gradebook and
    autograded/, the integrity checked, reviews kept and the state recorded.
    Raises CourseError (and cancels what has not started) when a run changed
    a file that decides grading."""
    if not students:
        return
    coordinator = _Coordinator.start(Path(course_dir), name, students, sandbox)
    course_dir = coordinator.course_dir
    copies = where.client is not None or (where.jobs > 1 and coordinator.db_url.startswith("sqlite"))
    with tempfile.TemporaryDirectory(prefix="course-dispatch-") as scratch:
        if copies:
            pieces = assignment_pieces(course_dir, name, sandbox, Path(scratch))
            if where.client is not None:
                run = _on_dask(where.client, pieces, course_dir, students)
            else:
                run = _on_threads(where.jobs, {s: (grade_pieces, pieces, s, _submission(course_dir, name, s))
                                               for s in students})
        else:
            calls = {s: (grade_one, course_dir, name, s, sandbox) for s in students}
            run = _on_threads(where.jobs, calls) if where.jobs > 1 else \
                ((s, _call(*call)) for s, call in calls.items())
        unfinished = set(students)
        try:
            for student, done in run:
                unfinished.discard(student)
                yield coordinator.finish(student, done, unfinished if where.jobs != 1 else set())
        finally:
            run.close()


@dataclass
class _Coordinator:
    """The one writer of the instructor's gradebook while an assignment is graded."""

    course_dir: Path
    name: str
    sandbox: bool
    db_url: str
    course_id: str
    state: incremental.GradingState
    previous: dict  # {student: answer checksums of the last grading}
    before: integrity.Snapshot

    @classmethod
    def start(cls, course_dir: Path, name: str, students: list[str], sandbox: bool) -> "_Coordinator":
        """Enter the students (sorted) in the gradebook, read their last
        grading's answers, snapshot what must not change."""
        db_url, course_id = gradebook_settings(course_dir)
        _enter_students(db_url, course_id, students)
        state = incremental.GradingState(course_dir)
        return cls(course_dir, name, sandbox, db_url, course_id, state,
                   {s: state.previous_answers(name, s) for s in students}, integrity.snapshot(course_dir))

    def finish(self, student: str, done, unfinished: set) -> GradeOutcome:
        """One submission done (a GradeOutcome in place, a worker's Graded, or
        the exception its grading raised): merge, check, keep reviews, record."""
        if isinstance(done, BaseException):
            outcome = GradeOutcome(self.name, student, False, 0.0,
                                   f"grading failed: {type(done).__name__}: {done}"[:300], self.sandbox)
        elif isinstance(done, Graded):
            _check_worker(done, self.name, student)
            outcome = self._merge(student, done)
        else:
            outcome = done
        _check_unchanged(self.course_dir, self.before, self.name, student, unfinished)
        submitted = self.course_dir / "submitted" / student / self.name / f"{self.name}.ipynb"
        incremental.keep_reviews(self.db_url, self.course_id, self.name, student,
                                 incremental.unchanged_answers(self.previous[student], submitted))
        if outcome.ok:
            self.state.record(self.name, student)
        return outcome

    def _merge(self, student: str, done: Graded) -> GradeOutcome:
        """Write a worker's results into the instructor's gradebook and autograded/."""
        if done.results is not None:
            gradebook_copy.apply(self.db_url, self.course_id, self.name, student, done.results)
        write_tree(done.autograded, self.course_dir / "autograded" / student / self.name)
        return done.outcome


def _submission(course_dir: Path, name: str, student: str) -> dict:
    return read_tree(course_dir / "submitted" / student / name)


def _call(function, *args):
    """function(*args), or the exception it raised."""
    try:
        return function(*args)
    except Exception as err:  # noqa: BLE001 (one submission's failure is reported in its line)
        return err


def _on_threads(jobs: int, calls: dict):
    """calls: {student: (function, *args)}. Yield (student, result or
    exception) as each finishes, `jobs` at once; closing the generator
    cancels what has not started."""
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="course-grade")
    try:
        futures = {pool.submit(*call): student for student, call in calls.items()}
        for future in threads_completed(futures):
            error = future.exception()
            yield futures[future], error if error is not None else future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _on_dask(client, pieces: AssignmentPieces, course_dir: Path, students: list[str]):
    """Yield (student, Graded or exception) as the cluster's tasks finish;
    closing the generator cancels the rest."""
    from distributed import as_completed

    shared = client.scatter(pieces, broadcast=True)  # sent once, not with every task
    futures = {client.submit(grade_pieces, shared, student, _submission(course_dir, pieces.name, student),
                             pure=False, key=f"grade-{pieces.name}-{student}-{os.urandom(4).hex()}"): student
               for student in students}
    try:
        for future in as_completed(list(futures)):
            try:
                yield futures[future], future.result()
            except Exception as err:  # noqa: BLE001 (a worker's failure is this submission's)
                yield futures[future], err
    finally:
        client.cancel(list(futures))


def _check_worker(done: Graded, name: str, student: str) -> None:
    if done.integrity:
        raise CourseError(
            f"grading stopped: on its worker, the run of {student}'s {name} changed files that "
            "decide how grading runs:\n  " + "\n  ".join(done.integrity[:20])
            + "\nRepair that worker's environment (reinstall the course package) before grading again.")


def _check_unchanged(course_dir: Path, before, name: str, student: str, running) -> None:
    """integrity.check_unchanged, naming the submissions graded at the same time."""
    try:
        integrity.check_unchanged(course_dir, before, student, name)
    except CourseError as err:
        if running:
            others = sorted(running)
            raise CourseError(f"{err}\n(grading in parallel: it may also come from a submission not "
                              f"finished then: {', '.join(others[:10])}{' ...' if len(others) > 10 else ''})") from None
        raise


def _enter_students(db_url: str, course_id: str, students: list[str]) -> None:
    """Every student in the gradebook, in sorted order, before any is graded."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id) as gb:
        for student in sorted(students):
            gb.update_or_create_student(student)
