"""The `course` command: thin shells over functions that the tests call directly.

    course doctor                      what is installed, what is missing, what to do
    course data download NAME|all      fetch and verify a full data set
    course data list                   the registry and what is present
    course data verify [NAME...]       re-hash the files against their published md5s
    course run [NAME...]               execute master notebooks headless
    course release [NAME...]           make and verify the student versions
    course collect NAME ZIP|FOLDER     take an LMS download into autograde/submitted/
    course grade [NAME...]             autograde new or changed submissions, export grades.csv
    course export                      grades.csv again from the gradebook
    course feedback [NAME...]          HTML feedback for every graded submission
    course submission NAME STUDENT     build a reference, blank or partial submission to grade
    course main                        run, release, grade a reference and a blank submission
"""
from __future__ import annotations

import argparse
import sys


def _doctor(args):
    from course.doctor import doctor

    return doctor()


def _data(args):
    from course.lib import data

    if args.action == "list":
        return data.print_registry(args.root)
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
    return data.download_command(args.names, root=args.root)


def _run(args):
    from course.grading.execute import run_masters

    return run_masters(args.names, fast=args.fast)


def _release(args):
    from course.grading.release import release

    return release(args.names)


def _collect(args):
    from course.grading.collect import collect

    result = collect(args.name, args.source, timezone=args.timezone)
    print("\n".join(result.report()))
    return 0


def _grade(args):
    from course.grading.autograde import grade

    return grade(args.names, submissions=args.submissions, students=args.student,
                 sandbox=not args.no_sandbox, jobs=args.jobs, scheduler=args.scheduler,
                 force=args.force)


def _export(args):
    from course.grading.autograde import export

    return export()


def _feedback(args):
    from course.grading.feedback import feedback

    return feedback(args.names)


def _submission(args):
    from course.grading.submissions import build_submission

    return build_submission(args.name, args.student, args.fill)


def _main_job(args):
    from course.grading.mainjob import main_job

    return main_job(args.names, fast=not args.full)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="course", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("doctor", help="check the installation").set_defaults(func=_doctor)

    data = sub.add_parser("data", help="download, list or verify the data sets")
    data.add_argument("action", choices=["download", "list", "verify"])
    data.add_argument("names", nargs="*", help="data set names, or 'all'")
    data.add_argument("--root", help="data folder (default: $COURSE_DATA or datasets/)")
    data.set_defaults(func=_data)

    names_help = "assignments such as 01_linear_affine (default: every notebook)"
    run = sub.add_parser("run", help="execute master notebooks headless")
    run.add_argument("names", nargs="*", help=names_help)
    run.add_argument("--fast", action="store_true", help="set COURSE_FAST=1 (CI's short trainings)")
    run.set_defaults(func=_run)

    release = sub.add_parser("release", help="generate and verify the student versions")
    release.add_argument("names", nargs="*", help=names_help)
    release.set_defaults(func=_release)

    collect = sub.add_parser("collect", help="take submissions as an LMS downloads them")
    collect.add_argument("name", help="the assignment, e.g. 01_linear_affine")
    collect.add_argument("source", help="a zip file or a folder of notebooks/zips, one per student")
    collect.add_argument("--timezone", help="IANA time zone of the zip's entry times when it stores "
                                            "no UTC times, e.g. Europe/Berlin (default: this machine's)")
    collect.set_defaults(func=_collect)

    grade = sub.add_parser("grade", help="autograde every submission and export grades")
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

    sub.add_parser("export", help="write autograde/grades.csv").set_defaults(func=_export)

    feedback = sub.add_parser("feedback", help="write HTML feedback for graded submissions")
    feedback.add_argument("names", nargs="*", help=names_help)
    feedback.set_defaults(func=_feedback)

    submission = sub.add_parser("submission", help="build a submission from the release, to check grading")
    submission.add_argument("name", help="the assignment, e.g. 01_linear_affine")
    submission.add_argument("student", help="the student id to file it under in autograde/submitted/")
    submission.add_argument("--fill", default="all",
                            help="'all' (the reference), 'none' (blank) or exercise names a,b,c (partial)")
    submission.set_defaults(func=_submission)

    main_job = sub.add_parser("main", help="run, release and grade reference and blank submissions")
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
