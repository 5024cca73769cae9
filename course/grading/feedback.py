"""Feedback that leaks no hidden test and runs no student script.

nbgrader's generate_feedback renders each autograded notebook to HTML with its
`feedback` template, which shows every cell's source and outputs, and the
formgrader renders the same notebook for the instructor. Two nbconvert
preprocessors, configured in autograde/nbgrader_config.py (so that plain
`nbgrader generate_feedback` and the formgrader use them too), make that safe:

- `HideHiddenTests` (feedback only): each hidden block of a test cell becomes
  one line saying that hidden tests ran; a test cell's error keeps only its
  exception line, and a failure inside a hidden block reads
  `hidden test failed: <assert message>`; what a hidden block may have printed
  is not shown; any output quoting a hidden-test line is removed.
- `SanitizeHTML` (feedback and formgrader): HTML and markdown, in outputs and
  in markdown cells, pass through bleach with an allowlist (text, tables,
  code, math, embedded images); JavaScript, SVG and every other active output
  is dropped.

`feedback()` is what `course feedback` runs: nbgrader generate_feedback for
each assignment, then a check that no page holds a hidden-test line.
"""
from __future__ import annotations

import builtins
import html
import re
from html.parser import HTMLParser
from pathlib import Path

import bleach
import nbformat
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbconvert.preprocessors import Preprocessor
from nbgrader.preprocessors import ClearHiddenTests
from traitlets import default

from course.errors import CourseError
from course.grading.nbgrader_cli import nbgrader
from course.grading.paths import CourseLayout

# A hidden block is what the release removes: nbgrader's ClearHiddenTests takes
# every line that contains its delimiters as a marker.
HIDDEN_BEGIN = ClearHiddenTests.begin_test_delimeter.default_value
HIDDEN_END = ClearHiddenTests.end_test_delimeter.default_value
HIDDEN_RAN = "# hidden tests ran here (their source is not part of the feedback)"
HIDDEN_NOT_RUN = "# hidden tests did not run: a visible test failed first"
OUTPUT_WITHHELD = "(this cell's output is not shown: it may come from the hidden tests)\n"
OUTPUT_QUOTED_HIDDEN = "(an output that quoted the hidden tests was removed)\n"
MIN_TELLING_LINE = 10  # shorter hidden-test lines (`out = f(x)`) say nothing on their own

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# IPython's traceback entry of a notebook frame: "Cell In[7], line 5" for the
# cell's own code, "Cell In[2], line 3, in add(a, b)" for a function it called.
CELL_FRAME = re.compile(r"^\s*Cell In\[(\d+)\], line (\d+)(, in )?")
OTHER_FRAME = re.compile(r"^\s*File ")


def hidden_ranges(source: str) -> list[tuple[int, int]]:
    """(begin, end) 1-based line numbers of each hidden block's marker lines;
    a block left open runs to the end of the cell."""
    ranges, begin = [], None
    lines = source.splitlines()
    for number, line in enumerate(lines, start=1):
        if HIDDEN_BEGIN in line and begin is None:
            begin = number
        elif HIDDEN_END in line and begin is not None:
            ranges.append((begin, number))
            begin = None
    if begin is not None:
        ranges.append((begin, len(lines) + 1))
    return ranges


def split_lines(notebook) -> tuple[set[str], set[str]]:
    """(stripped lines inside hidden blocks, at least MIN_TELLING_LINE long;
    stripped lines of every cell outside them)."""
    inside, outside = set(), set()
    for cell in notebook.cells:
        lines = [line.strip() for line in cell.source.splitlines()]
        ranges = hidden_ranges(cell.source) if cell.cell_type == "code" else []
        for number, line in enumerate(lines, start=1):
            if not any(begin <= number <= end for begin, end in ranges):
                outside.add(line)
            elif len(line) >= MIN_TELLING_LINE and HIDDEN_BEGIN not in line and HIDDEN_END not in line:
                inside.add(line)
    return inside, outside


def hidden_lines(notebook) -> set[str]:
    """The telling lines of the notebook's hidden blocks that stand nowhere else
    in it: what no feedback page may show."""
    inside, outside = split_lines(notebook)
    return inside - outside


def without_hidden_blocks(source: str, note: str) -> str:
    """The cell source with each hidden block (markers included) replaced by one
    line, `note`, indented like the block's first marker."""
    lines = source.splitlines()
    kept, position = [], 0
    for begin, end in hidden_ranges(source):
        indent = lines[begin - 1][: len(lines[begin - 1]) - len(lines[begin - 1].lstrip())]
        kept += lines[position:begin - 1] + [indent + note]
        position = end
    return "\n".join(kept + lines[position:])


def where_it_failed(error) -> tuple[int | None, bool]:
    """(line of the cell where the exception left the cell's own code, or None
    when the traceback does not tell; whether it was raised deeper, in code
    the cell called). error: an nbformat error output."""
    entries = [ANSI.sub("", entry) for entry in error.get("traceback", [])]
    frames = [e for e in entries if CELL_FRAME.match(e) or OTHER_FRAME.match(e)]
    if not frames:
        return None, False
    top = CELL_FRAME.match(frames[0])
    if not top or top.group(3):
        return None, False
    return int(top.group(2)), len(frames) > 1


RUNNER_HIDDEN_FAILURE = "HiddenTestFailed"  # ename of course.grading.runner.outcome's hidden failures
GRADING_ERRORS = {"CellTimeoutError", "DeadKernelError"}  # what nbgrader and the sandbox write


def builtin_exception_name(name: str) -> str:
    """name when it is one of Python's own exceptions (a student can name a
    class after the hidden inputs), else a neutral phrase."""
    kind = getattr(builtins, name, None)
    if name in GRADING_ERRORS or isinstance(kind, type) and issubclass(kind, BaseException):
        return name
    return "an exception of its own"


def exception_line(ename: str, evalue: str) -> str:
    return f"{ename}: {evalue}" if evalue else ename


def failure_message(error, ranges) -> tuple[str, bool | None]:
    """What a student sees of a test cell's error, and whether the hidden tests
    had started (None: the traceback does not tell). ranges: the cell's
    hidden_ranges. A failure on a hidden line shows the assert message (never
    the student's own exception message, which could carry the hidden
    inputs); a visible one its exception line."""
    ename, evalue = error.get("ename", "Error"), error.get("evalue", "")
    if ename == RUNNER_HIDDEN_FAILURE:  # the trusted runner's verdict, already safe to show
        return f"hidden test failed: {evalue}", True
    if not ranges:
        return exception_line(ename, evalue), None
    line, deeper = where_it_failed(error)
    if line is None:
        return f"a test failed: {builtin_exception_name(ename)}", None
    if not any(begin < line < end for begin, end in ranges):
        return exception_line(ename, evalue), line > ranges[0][0]
    if deeper:  # the student's exception: its type name is theirs to choose
        return f"hidden test failed: your code raised {builtin_exception_name(ename)}", True
    if ename == "AssertionError":
        return f"hidden test failed: {evalue or 'AssertionError'}", True
    return f"hidden test failed: {exception_line(ename, evalue)}", True


def output_text(output) -> str:
    """Everything an output would show, as plain text (ANSI codes and HTML
    entities resolved) for matching against hidden-test lines."""
    parts = [output.get("text", ""), output.get("evalue", ""), *output.get("traceback", [])]
    parts += [value if isinstance(value, str) else str(value)
              for value in output.get("data", {}).values()]
    return html.unescape(ANSI.sub("", "\n".join(parts)))


def quoted_lines(text: str, telling: set[str]) -> list[str]:
    """The telling lines that stand as whole lines (stripped) in text."""
    return sorted(telling & {line.strip() for line in text.splitlines()})


def note_output(text: str):
    return nbformat.v4.new_output("stream", name="stdout", text=text)


class HideHiddenTests(Preprocessor):
    """Feedback without hidden-test source (see the module docstring)."""

    @default("enabled")
    def _enabled_default(self):  # on wherever it is configured
        return True

    def preprocess(self, nb, resources):
        telling = hidden_lines(nb)
        for cell in nb.cells:
            if cell.cell_type == "code":
                self.hide_in_cell(cell, telling)
        return nb, resources

    def hide_in_cell(self, cell, telling: set[str]) -> None:
        ranges = hidden_ranges(cell.source)
        is_test = bool(cell.metadata.get("nbgrader", {}).get("grade")) or bool(ranges)
        if is_test:
            errors = [o for o in cell.outputs if o.output_type == "error"]
            started = []
            for error in errors:
                message, ran = failure_message(error, ranges)
                error.evalue, error.traceback = message, [message]
                started.append(ran)
            # a visible failure (then a timeout, say) stopped the cell before its hidden tests
            hidden_ran = False not in started
            if ranges:
                cell.source = without_hidden_blocks(cell.source, HIDDEN_RAN if hidden_ran else HIDDEN_NOT_RUN)
            if ranges and hidden_ran and len(errors) < len(cell.outputs):
                cell.outputs = [note_output(OUTPUT_WITHHELD), *errors]
        cell.outputs = [note_output(OUTPUT_QUOTED_HIDDEN) if quoted_lines(output_text(o), telling) else o
                        for o in cell.outputs]


# What sanitized HTML may hold: text, lists, tables, code, math (as text for
# MathJax) and embedded images. No style, id or name (no DOM clobbering of the
# formgrader's scripts), no remote image (no tracking request).
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div",
    "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li",
    "ol", "p", "pre", "s", "span", "strong", "sub", "summary", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "ul",
}
SAFE_LINK = re.compile(r"^(https?:|mailto:|#)", re.I)
EMBEDDED_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*$", re.I)
CELL_SPAN = {"colspan", "rowspan", "align"}


def allowed_attribute(tag: str, name: str, value: str) -> bool:
    """bleach's attribute filter: which attributes sanitized HTML keeps."""
    if tag == "a":
        return name == "title" or (name == "href" and bool(SAFE_LINK.match(value)))
    if tag == "img":
        return name in ("alt", "width", "height") or (name == "src" and bool(EMBEDDED_IMAGE.match(value)))
    if tag in ("td", "th"):
        return name in CELL_SPAN
    return name == "class" and tag in ("span", "div", "pre", "code")  # pygments highlighting


MAX_NESTING = 100  # deeper HTML is shown as text: sanitizing it costs time quadratic in depth
MAX_HTML_CHARS = 1_000_000


class _Depth(HTMLParser):
    """The deepest tag nesting of an HTML text, in one linear pass."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.depth = self.deepest = 0

    def handle_starttag(self, tag, attrs):
        self.depth += 1
        self.deepest = max(self.deepest, self.depth)

    def handle_endtag(self, tag):
        self.depth = max(0, self.depth - 1)


def too_deep(text: str) -> bool:
    """Whether text is too long or too deeply nested to sanitize quickly."""
    if len(text) > MAX_HTML_CHARS:
        return True
    parser = _Depth()
    parser.feed(text)
    return parser.deepest > MAX_NESTING


def clean_html(text: str) -> str:
    """text with every tag outside the allowlist escaped (so the instructor
    sees what a student tried), every attribute outside it and every comment
    removed; text too deep to sanitize quickly is shown escaped, as text."""
    if too_deep(text):
        return f"<pre>{html.escape(text[:MAX_HTML_CHARS])}</pre>"
    return bleach.clean(text, tags=ALLOWED_TAGS, attributes=allowed_attribute,
                        protocols={"http", "https", "mailto", "data"}, strip=False,
                        strip_comments=True)


def markdown_to_html(source: str, attachments=None) -> str:
    """Markdown (with math and cell attachments) rendered as nbconvert's HTML
    exporter renders it, then sanitized."""
    if too_deep(source):
        return f"<pre>{html.escape(source[:MAX_HTML_CHARS])}</pre>"
    renderer = IPythonRenderer(escape=False, attachments=attachments or {}, embed_images=False,
                               path="", anchor_link_text="", exclude_anchor_links=True)
    return clean_html(MarkdownWithMath(renderer=renderer).render(source))


def as_markdown(safe_html: str) -> str:
    """Sanitized HTML as a markdown source that renders to exactly that HTML: a
    single-line HTML block (newlines as character references), which markdown
    passes through untouched."""
    one_line = safe_html.replace("\r", "&#13;").replace("\n", "&#10;")
    return f'<div class="sanitized-markdown">{one_line}</div>'


# Output mimetypes shown as they are: nbconvert's templates escape or base64 them.
INERT_MIMETYPES = {"text/plain", "text/latex", "image/png", "image/jpeg"}


def safe_data(data: dict) -> dict:
    """An output's mime bundle with HTML and markdown sanitized (markdown as
    HTML) and every other active type (JavaScript, SVG, widgets, ...) dropped;
    a bundle left with nothing to show says what was removed."""
    text = {mime: value if isinstance(value, str) else "".join(value) for mime, value in data.items()
            if isinstance(value, (str, list))}
    safe = {mime: value for mime, value in text.items() if mime in INERT_MIMETYPES}
    if "text/html" in text:
        safe["text/html"] = clean_html(text["text/html"])
    elif "text/markdown" in text:
        safe["text/html"] = markdown_to_html(text["text/markdown"])
    removed = sorted(set(data) - set(safe) - {"text/markdown"})
    if removed and not safe:
        safe["text/plain"] = f"[{', '.join(removed)} output removed from this page]"
    return safe


def _safe_image_entry(key, value) -> bool:
    """Templates write width and height unquoted into the img tag: only
    whole numbers pass; unconfined only as a boolean."""
    if key in ("width", "height"):
        return isinstance(value, int) and not isinstance(value, bool) or \
            isinstance(value, str) and value.isdigit() and len(value) < 6
    return key == "unconfined" and isinstance(value, bool)


def safe_metadata(metadata: dict) -> dict:
    """Output metadata the templates use safely: whole-number image sizes."""
    return {mime: {k: v for k, v in meta.items() if _safe_image_entry(k, v)}
            for mime, meta in metadata.items()
            if mime in ("image/png", "image/jpeg") and isinstance(meta, dict)}


class SanitizeHTML(Preprocessor):
    """No student script in feedback or the formgrader (see the module docstring)."""

    @default("enabled")
    def _enabled_default(self):  # on wherever it is configured
        return True

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown":
            cell.source = as_markdown(markdown_to_html(cell.source, cell.get("attachments")))
            cell.pop("attachments", None)
        elif cell.cell_type == "raw":
            cell.source = clean_html(cell.source)
        elif cell.cell_type == "code":
            for output in cell.outputs:
                if "data" in output:
                    output.data = safe_data(output.data)
                    output.metadata = safe_metadata(output.get("metadata", {}))
        return cell, resources


def page_text(page: str) -> str:
    """An HTML page's text, tags removed and entities resolved."""
    return html.unescape(re.sub(r"<[^>]*>", "", page))


def leaked_lines(page: str, telling: set[str]) -> list[str]:
    """The hidden-test lines that a feedback page shows."""
    return quoted_lines(page_text(page), telling)


def feedback(names=None, layout: CourseLayout | None = None) -> dict[str, Path]:
    """HTML feedback for every autograded submission, in feedback/STUDENT/NAME/. Returns
    each assignment's name -> the feedback folder. Raises CourseError when nbgrader
    fails or a page shows a hidden-test line (nbgrader_config.py lacks the feedback
    preprocessors)."""
    layout = layout or CourseLayout.default()
    written = {}
    for name in layout.assignment_names(names):
        run = nbgrader(layout.course_dir, "generate_feedback", name, "--force")
        if not run.ok:
            raise CourseError(f"nbgrader generate_feedback {name} failed:\n{run.log[-2000:]}")
        check_no_hidden_tests(layout.course_dir, name)
        written[name] = layout.course_dir / "feedback"
    return written


def check_no_hidden_tests(course_dir: Path, name: str) -> None:
    """Raise CourseError naming every feedback page of the assignment that shows
    a hidden-test line of its source notebook in source/NAME/ (a line the
    student's own notebook holds outside the hidden blocks does not count)."""
    leaks = []
    for page in sorted((course_dir / "feedback").glob(f"*/{name}/*.html")):
        source = course_dir / "source" / name / f"{page.stem}.ipynb"
        graded = course_dir / "autograded" / page.parent.parent.name / name / f"{page.stem}.ipynb"
        if not source.is_file():
            continue
        telling = hidden_lines(nbformat.read(source, as_version=4))
        if graded.is_file():
            telling -= split_lines(nbformat.read(graded, as_version=4))[1]
        shown = leaked_lines(page.read_text(), telling)
        if shown:
            leaks.append(f"{page} shows {shown[0]!r}")
    if leaks:
        raise CourseError(
            f"feedback of {name} shows hidden tests: {'; '.join(leaks)}. Do not hand it out: "
            f"autograde/nbgrader_config.py must configure GenerateFeedback.preprocessors "
            f"with course.grading.feedback.HideHiddenTests (see its feedback block).")
