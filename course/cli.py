"""The course's command: run the notebooks, release them to students, grade, give feedback.

    course doctor                      what is installed, what is missing, what to do
    course data download NAME|all      fetch and verify a full data set
    course data list                   the data sets and which are present
    course data verify [NAME...]       re-hash the files against their published md5s
    course run [NAME...]               execute master notebooks headless
    course release [NAME...]           make and verify the student versions and their install files
    course validate NOTEBOOK           run a notebook and list which exercises pass their visible tests
    course collect NAME ZIP|FOLDER     take an LMS download into autograde/submitted/
    course grade [NAME...]             autograde new or changed submissions, export grades.csv
    course export                      grades.csv again from the gradebook
    course feedback [NAME...]          HTML feedback for every graded submission
    course submission NAME STUDENT     build a reference, blank or partial submission to grade
    course main                        run, release, grade a reference and a blank submission

NAME is an assignment such as 01_linear_affine; without one, a command does
every assignment. `course COMMAND --help` describes a command, with an example.
"""
from __future__ import annotations

import argparse
import sys


def print_line(event) -> None:
    """Print a progress event at once: a notebook's RunResult, a submission's
    GradeOutcome, an Unchanged notice or main_job's Note (each has a line())."""
    print(event.line(), flush=True)


def _doctor(args):
    from course.doctor import doctor

    report = doctor()
    print("\n".join(report.lines()))
    return 0 if report.ok else 1


def _data(args):
    from course.lib import data

    if args.action == "list":
        print("\n".join(data.list_sets(args.root).lines()))
        return 0
    if args.action == "verify":
        results = data.verify(args.names, root=args.root)
        for name, states in results.items():
            for filename, state in states.items():
                print(f"{name}: {filename}: {state}")
        bad = [name for name, states in results.items() if set(states.values()) != {"valid"}]
        if bad:
            print(f"to replace them: course data download {' '.join(bad)} "
                  "(mnist10k: reinstall the course package)", file=sys.stderr)
        return 1 if bad else 0
    embedded = [name for name in args.names if name in data.EMBEDDED]
    for name in embedded:
        print(f"{name}: embedded in the installed packages, no download needed "
              f"(load_dataset({name!r}) works offline)")
    rest = [name for name in args.names if name not in data.EMBEDDED]
    if embedded and not rest:
        return 0
    results = data.download_sets(
        rest, root=args.root, progressbar=sys.stderr.isatty(),
        on_start=lambda name, entry, folder: print(f"{name}: {entry.title} -> {folder}", flush=True))
    for result in results:
        print(result.line(), file=sys.stdout if result.ok else sys.stderr, flush=True)
    failed = [result.name for result in results if not result.ok]
    if failed:
        print(f"not downloaded: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def _run(args):
    from course.grading.execute import run_masters

    run = run_masters(args.names, fast=args.fast, progress=print_line)
    print(run.summary())
    return 0 if run.ok else 1


def _release(args):
    from course.grading.release import release

    print("\n".join(release(args.names).lines()))
    return 0


def _validate(args):
    from course.validate import summary, validate

    verdicts = validate(args.notebook)
    print(summary(verdicts))
    return 0 if all(v.passed for v in verdicts) else 1


def _collect(args):
    from course.grading.collect import collect

    result = collect(args.name, args.source, timezone=args.timezone)
    print("\n".join(result.report()))
    return 0


def _grade(args):
    from course.grading.autograde import grade

    run = grade(args.names, submissions=args.submissions, students=args.student,
                sandbox=not args.no_sandbox, jobs=args.jobs, scheduler=args.scheduler,
                force=args.force, progress=print_line)
    print("\n".join(run.summary()))
    return 0 if run.ok else 1


def _export(args):
    from course.grading.autograde import export

    print(f"grades exported to {export()}")
    return 0


def _feedback(args):
    from course.grading.feedback import feedback

    for name, folder in feedback(args.names).items():
        print(f"{name:<24} feedback written to {folder}")
    return 0


def _submission(args):
    from course.grading.submissions import build_submission

    print(build_submission(args.name, args.student, args.fill).line())
    return 0


def _main_job(args):
    from course.grading.mainjob import main_job

    job = main_job(args.names, fast=not args.full, progress=print_line)
    print(job.conclusion())
    return 0 if job.ok else 1


def _command(sub, name, summary, description, examples):
    """A subcommand whose --help shows its description and examples."""
    return sub.add_parser(name, help=summary, description=description,
                          epilog="examples:\n" + "\n".join(f"  {line}" for line in examples),
                          formatter_class=argparse.RawDescriptionHelpFormatter)


def build_parser():
    from course.lib.data import EMBEDDED, REGISTRY

    parser = argparse.ArgumentParser(
        prog="course", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    _command(sub, "doctor", "check the installation",
             "Report Python, the package versions, the Jupyter kernel, the grading sandbox and the "
             "data sets,\nand say what to do about each problem.",
             ["course doctor"]).set_defaults(func=_doctor)

    sets = "\n".join([f"  {name:<9} embedded, no download needed" for name in EMBEDDED]
                     + [f"  {name:<9} {entry.title}" for name, entry in REGISTRY.items()])
    data = _command(sub, "data", "download, list or verify the data sets",
                    "download: fetch full data sets and check their published md5s; list: every data "
                    "set\nand whether it is present; verify: re-hash the files present.\n\n"
                    f"data sets:\n{sets}",
                    ["course data download cifar10", "course data download all",
                     "course data list", "course data verify mnist"])
    data.add_argument("action", choices=["download", "list", "verify"])
    data.add_argument("names", nargs="*", help="data set names (see above), or 'all'")
    data.add_argument("--root", help="data folder (default: $COURSE_DATA or datasets/)")
    data.set_defaults(func=_data)

    names_help = "assignments such as 01_linear_affine (default: every notebook)"
    run = _command(sub, "run", "execute master notebooks headless",
                   "Execute each master notebook (with its solutions) top to bottom into executed/, "
                   "printing\nits wall time; a failure names the cell that raised.",
                   ["course run", "course run --fast 01_linear_affine 02_backprop"])
    run.add_argument("names", nargs="*", help=names_help)
    run.add_argument("--fast", action="store_true", help="set COURSE_FAST=1 (the short trainings grading uses)")
    run.set_defaults(func=_run)

    release = _command(sub, "release", "generate and verify the student versions",
                       "Stage each master in autograde/source/, run nbgrader generate_assignment and "
                       "check that no\nsolution or hidden test reaches autograde/release/; also write "
                       "there the students' wheel of\nthe support library, requirements.txt, "
                       "nbgrader_config.py (Validate's time limit) and INSTALL.md.",
                       ["course release", "course release 03_two_layer_net"])
    release.add_argument("names", nargs="*", help=names_help)
    release.set_defaults(func=_release)

    validate = _command(sub, "validate", "run a notebook and list the exercises that pass their visible tests",
                        "Run a (student's) notebook as nbgrader's Validate does, with the nbgrader_config.py "
                        "of the\ncurrent folder, and print one line per test cell: its points and whether "
                        "its visible tests\npass. Exits 1 when one fails. Students run it as "
                        "`python -m course.validate NOTEBOOK`.",
                        ["cd autograde/release && course validate 01_linear_affine/01_linear_affine.ipynb"])
    validate.add_argument("notebook", help="the notebook, NN_name.ipynb")
    validate.set_defaults(func=_validate)

    collect = _command(sub, "collect", "take submissions as an LMS downloads them",
                       "Copy an LMS bulk download (a zip or folder of notebooks, zips or folders; the "
                       "student id is the\nname before the first _ and the LMS's number after it: "
                       "smithjane_12345_... -> smithjane-12345)\ninto autograde/submitted/STUDENT/NAME/, "
                       "with each submission's time.",
                       ["course collect 01_linear_affine submissions.zip",
                        "course collect 01_linear_affine downloads/ --timezone Europe/Berlin"])
    collect.add_argument("name", help="the assignment, e.g. 01_linear_affine")
    collect.add_argument("source", help="a zip file or a folder of notebooks/zips, one per student")
    collect.add_argument("--timezone", help="IANA time zone of the zip's entry times when it stores "
                                            "no UTC times, e.g. Europe/Berlin (default: this machine's)")
    collect.set_defaults(func=_collect)

    grade = _command(sub, "grade", "autograde every submission and export grades",
                     "Autograde every new or changed submission in autograde/submitted/ with nbgrader, each "
                     "student\nkernel in a sandbox, several at once; print a grade line per submission and "
                     "write\nautograde/grades.csv.",
                     ["course grade", "course grade 01_linear_affine --jobs 4",
                      "course grade 01_linear_affine --student alice --force"])
    grade.add_argument("names", nargs="*", help=names_help)
    grade.add_argument("--submissions", help="a folder laid out like autograde/submitted/")
    grade.add_argument("--no-sandbox", action="store_true",
                       help="run student kernels without the bubblewrap sandbox (where none can "
                            "run: macOS, Windows); every grade line then says UNSANDBOXED")
    grade.add_argument("--jobs", type=int, metavar="N",
                       help="grade N submissions at once on this machine (default: every core; 1: serially)")
    grade.add_argument("--scheduler", metavar="tcp://HOST:8786",
                       help="grade each submission as a task of this Dask scheduler's workers")
    grade.add_argument("--force", action="store_true",
                       help="grade every submission again, changed or not (default: only new or changed ones)")
    grade.add_argument("--student", action="append", metavar="ID",
                       help="grade this student's submissions, changed or not (repeatable)")
    grade.set_defaults(func=_grade)

    _command(sub, "export", "write autograde/grades.csv",
             "Write autograde/grades.csv from the gradebook again, e.g. after manual grading in the "
             "formgrader.",
             ["course export"]).set_defaults(func=_export)

    feedback = _command(sub, "feedback", "write HTML feedback for graded submissions",
                        "Write an HTML feedback page per graded submission to autograde/feedback/STUDENT/NAME/, "
                        "without\nhidden-test source and with student HTML sanitized.",
                        ["course feedback", "course feedback 02_backprop"])
    feedback.add_argument("names", nargs="*", help=names_help)
    feedback.set_defaults(func=_feedback)

    submission = _command(sub, "submission", "build a submission from the release, to check grading",
                          "File a submission built from the release under autograde/submitted/STUDENT/NAME/: "
                          "the\nreference (every solution filled in from the master), a blank one, or only "
                          "the exercises named;\nprints the points it should get.",
                          ["course submission 01_linear_affine alice --fill all",
                           "course submission 01_linear_affine bob --fill matvec_function,negation_matrix"])
    submission.add_argument("name", help="the assignment, e.g. 01_linear_affine")
    submission.add_argument("student", help="the student id to file it under in autograde/submitted/")
    submission.add_argument("--fill", default="all",
                            help="'all' (the reference), 'none' (blank) or exercise names a,b,c (partial)")
    submission.set_defaults(func=_submission)

    main_job = _command(sub, "main", "run, release and grade reference and blank submissions",
                        "Run the masters, release them, and grade a reference and a blank submission of each "
                        "in\nautograde-demo/ (a course directory of its own): every reference should get full "
                        "marks,\nevery blank one zero.",
                        ["course main", "course main 01_linear_affine --full"])
    main_job.add_argument("names", nargs="*", help=names_help)
    main_job.add_argument("--full", action="store_true",
                          help="execute the masters in their default (longer) mode, not fast mode")
    main_job.set_defaults(func=_main_job)
    return parser


def main(argv=None):
    from course.errors import CourseError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CourseError as err:
        print(f"course {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
