"""Feedback preprocessors (course/grading/feedback.py) on notebooks run in a
real kernel: what a student sees of hidden tests and of HTML outputs."""
from __future__ import annotations

import copy
from html.parser import HTMLParser

import nbformat
import pytest
from nbclient import NotebookClient
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from course.errors import CourseError
from course.grading.feedback import (HIDDEN_NOT_RUN, HIDDEN_RAN, OUTPUT_QUOTED_HIDDEN,
                                     OUTPUT_WITHHELD, HideHiddenTests, SanitizeHTML, as_markdown,
                                     check_no_hidden_tests, clean_html, hidden_lines, leaked_lines,
                                     markdown_to_html, safe_data)

PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


class Elements(HTMLParser):
    """Every (tag, attributes) a browser would build from an HTML text."""

    def __init__(self, text):
        super().__init__()
        self.found = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def graded_cell(grade_id, source):
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": {
        "grade": True, "grade_id": grade_id, "locked": True, "points": 1, "schema_version": 3,
        "solution": False, "task": False}})


def hidden(visible, block):
    return f"{visible}\n### BEGIN HIDDEN TESTS\n{block}\n### END HIDDEN TESTS"


# One exercise per way a test cell can end; hidden lines carry a SECRET marker.
CELLS = [
    nbformat.v4.new_code_cell(
        "def good(x):\n    print('good got', x)\n    return x\n"
        "def wrong(x):\n    return -x\n"
        "def raises(x):\n    raise ValueError(f'my inputs were {x}')"),
    graded_cell("test_visible_fails", hidden("assert wrong(1) == 1, 'wrong(1) should be 1'",
                                           "assert wrong(2) == 2, 'SECRET visible-first'")),
    graded_cell("test_hidden_bare", hidden("assert good(1) == 1", "assert good(-7) == 7")),
    graded_cell("test_hidden_message", hidden("assert good(1) == 1",
                                            "out = good(5)\nassert out == 6, 'good must add one'")),
    graded_cell("test_hidden_raises", hidden("assert good(1) == 1", "assert raises(41) == 41  # SECRET")),
    graded_cell("test_passes", hidden("assert good(1) == 1", "assert good(1234) == 1234  # SECRET")),
    nbformat.v4.new_code_cell("print('\\n'.join(In))  # a student replays the kernel's history"),
    nbformat.v4.new_code_cell("print('the end')"),
    # the interrupt at the time limit, in a visible test; nbgrader then adds its own error
    graded_cell("test_times_out", hidden("raise KeyboardInterrupt", "assert good(3) == 3  # SECRET")),
]
# What nbgrader's Execute appends to a cell that timed out (its error_on_timeout).
TIMEOUT_ERROR = nbformat.v4.new_output("error", ename="CellTimeoutError", evalue="", traceback=[
    "\x1b[0;31mCellTimeoutError\x1b[0m: No reply from kernel before timeout"])


@pytest.fixture(scope="module")
def shown():
    """The notebook executed in a real kernel, then made into feedback."""
    nb = nbformat.v4.new_notebook(cells=copy.deepcopy(CELLS))
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout=60).execute()
    nb.cells[-1].outputs.append(copy.deepcopy(TIMEOUT_ERROR))
    executed = nbformat.from_dict(nbformat.reads(nbformat.writes(nb), as_version=4))
    HideHiddenTests().preprocess(nb, {})
    return executed, {c.metadata.get("nbgrader", {}).get("grade_id", i): c for i, c in enumerate(nb.cells)}


def errors_of(cell):
    return [o.traceback for o in cell.outputs if o.output_type == "error"]


def texts_of(cell):
    return "".join(o.get("text", "") for o in cell.outputs)


def test_no_hidden_source_in_any_cell(shown):
    executed, cells = shown
    assert "SECRET" in nbformat.writes(executed)  # the kernel did show them
    for cell in cells.values():
        assert "SECRET" not in nbformat.writes(nbformat.v4.new_notebook(cells=[cell]))
        assert "BEGIN HIDDEN TESTS" not in cell.source


def test_a_visible_failure_keeps_its_exception_line_and_the_hidden_tests_did_not_run(shown):
    cell = shown[1]["test_visible_fails"]
    assert errors_of(cell) == [["AssertionError: wrong(1) should be 1"]]
    assert cell.source.endswith(HIDDEN_NOT_RUN)


@pytest.mark.parametrize("grade_id, message", [
    ("test_hidden_bare", "hidden test failed: AssertionError"),
    ("test_hidden_message", "hidden test failed: good must add one"),
    # the student's own message could carry the hidden inputs: only its type is shown
    ("test_hidden_raises", "hidden test failed: your code raised ValueError"),
])
def test_a_hidden_failure_shows_the_assert_message_only(shown, grade_id, message):
    cell = shown[1][grade_id]
    assert errors_of(cell) == [[message]]
    assert cell.source == "assert good(1) == 1\n" + HIDDEN_RAN
    assert "41" not in texts_of(cell) and "good got 5" not in texts_of(cell)


def test_a_timeout_in_a_visible_test_is_named_and_the_hidden_tests_did_not_run(shown):
    cell = shown[1]["test_times_out"]
    assert errors_of(cell) == [["KeyboardInterrupt"], ["a test failed: CellTimeoutError"]]
    assert cell.source.endswith(HIDDEN_NOT_RUN)


def test_what_hidden_tests_printed_is_withheld(shown):
    executed, cells = shown
    assert "good got 1234" in nbformat.writes(executed)
    assert texts_of(cells["test_passes"]) == OUTPUT_WITHHELD and errors_of(cells["test_passes"]) == []


def test_an_output_quoting_hidden_tests_is_removed_and_others_kept(shown):
    cells = shown[1]
    assert texts_of(cells[6]) == OUTPUT_QUOTED_HIDDEN
    assert texts_of(cells[7]) == "the end\n"


def write_course(root, pages: dict, own_cell=None):
    """A course directory with the CELLS notebook as source of 00_x, alice's
    autograded copy (plus her own cell) and the given feedback page texts."""
    for folder, cells in (("source", CELLS), ("autograded/alice", CELLS + [own_cell] if own_cell else CELLS)):
        (root / folder / "00_x").mkdir(parents=True)
        nbformat.write(nbformat.v4.new_notebook(cells=cells), root / folder / "00_x" / "00_x.ipynb")
    for student, text in pages.items():
        (root / "feedback" / student / "00_x").mkdir(parents=True)
        (root / "feedback" / student / "00_x" / "00_x.html").write_text(text)


SHOWS_HIDDEN = '<pre><span class="k">assert</span> good(-7) <span>==</span> 7</pre>'


def test_course_feedback_refuses_a_page_that_shows_a_hidden_line(tmp_path):
    write_course(tmp_path, {"alice": "<pre>" + HIDDEN_RAN + "</pre>", "bob": SHOWS_HIDDEN})
    with pytest.raises(CourseError, match="bob.*shows 'assert good\\(-7\\) == 7'.*HideHiddenTests"):
        check_no_hidden_tests(tmp_path, "00_x")


def test_a_hidden_line_counts_as_a_whole_line_only():
    assert leaked_lines("<pre>inputs_seen = []</pre>", {"_seen = []"}) == []
    assert leaked_lines("<pre>x\n    <span>_seen</span> = []\n</pre>", {"_seen = []"}) == ["_seen = []"]


def test_a_line_of_the_students_own_cells_is_no_leak(tmp_path):
    write_course(tmp_path, {"alice": SHOWS_HIDDEN}, own_cell=nbformat.v4.new_code_cell("assert good(-7) == 7"))
    check_no_hidden_tests(tmp_path, "00_x")
    source = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(hidden(
        "out = good(np.zeros(3))", "out = good(np.zeros(3))\nassert out.shape == (3,), 'keeps shape'"))])
    assert hidden_lines(source) == {"assert out.shape == (3,), 'keeps shape'"}


PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<a href="javascript:alert(1)">click</a>',
    "<svg onload=alert(1)><circle r=3></circle></svg>",
    '<img src="http://127.0.0.1:9/beacon.png">',
    '<div style="background:url(http://127.0.0.1:9/)" onmouseover="alert(1)">x</div>',
    '<form action="http://127.0.0.1:9/"><input name=token></form>',
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_clean_html_leaves_no_active_markup(payload):
    for tag, attrs in Elements(clean_html(payload)).found:
        assert tag not in ("script", "iframe", "svg", "form", "input", "style"), tag
        assert not any(name.startswith("on") or name == "style" for name in attrs), attrs
        for url in (attrs.get("href", ""), attrs.get("src", "")):
            assert not url.lower().startswith(("javascript:", "http:")), url


def test_clean_html_keeps_tables_code_math_and_embedded_pngs():
    table = "<table><thead><tr><th>a</th></tr></thead><tbody><tr><td colspan=\"2\">1</td></tr></tbody></table>"
    assert clean_html(table) == table
    image = f'<img alt="plot" src="data:image/png;base64,{PNG}">'
    assert clean_html(image) == image
    code = '<div class="highlight"><pre><span class="k">def</span> f(): $x&lt;y$</pre></div>'
    assert clean_html(code) == code


def test_markdown_is_rendered_then_sanitized_and_passes_markdown_untouched():
    html = markdown_to_html("# T\n\n$a<b$ and `x < y`\n\n```\nx\n\ny\n```\n\n"
                            "| a |\n|---|\n| 1 |\n\n<img src=x onerror=alert(1)>")
    assert "<table>" in html and "$a&lt;b$" in html and "<code>x &lt; y</code>" in html
    assert ("img", {}) in Elements(html).found  # the image tag without its handler
    block = as_markdown(html)
    assert "\n" not in block
    assert markdown2html_mistune(block).strip() == block  # what nbgrader's templates render


def test_outputs_keep_inert_types_sanitize_html_and_drop_scripts():
    data = safe_data({"text/html": "<b>ok</b><script>alert(1)</script>", "image/png": PNG,
                      "application/javascript": "alert(1)", "text/plain": "<HTML>"})
    assert data == {"text/html": "<b>ok</b>&lt;script&gt;alert(1)&lt;/script&gt;", "image/png": PNG,
                    "text/plain": "<HTML>"}
    assert safe_data({"text/markdown": "*hi* <img src=x onerror=alert(1)>"}) == {
        "text/html": "<p><em>hi</em> <img></p>\n"}
    assert safe_data({"application/javascript": "alert(1)", "image/svg+xml": "<svg onload=alert(1)/>"}) == {
        "text/plain": "[application/javascript, image/svg+xml output removed from this page]"}


def test_sanitize_preprocessor_on_cells():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("answer <img src=x onerror=alert(1)>"),
        nbformat.v4.new_raw_cell("<script>alert(1)</script>"),
        nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
            "display_data", data={"image/png": PNG},
            metadata={"image/png": {"width": 10}, "filenames": {"image/png": "http://127.0.0.1:9/x.png"}})]),
    ])
    SanitizeHTML().preprocess(nb, {})
    assert nb.cells[0].source == '<div class="sanitized-markdown"><p>answer <img></p>&#10;</div>'
    assert nb.cells[1].source == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert nb.cells[2].outputs[0].metadata == {"image/png": {"width": 10}}


def test_image_sizes_must_be_whole_numbers():
    """nbconvert writes width and height unquoted: anything else could be an attribute."""
    from course.grading.feedback import safe_metadata

    hostile = {"image/png": {"width": "1 onerror=top.document.title=1", "height": "2", "alt": "x",
                             "unconfined": "yes"}, "text/html": {"width": 3}}
    assert safe_metadata(hostile) == {"image/png": {"height": "2"}}
    assert safe_metadata({"image/png": {"width": 640, "unconfined": True}}) == {
        "image/png": {"width": 640, "unconfined": True}}


def test_a_students_exception_name_is_not_shown():
    """A class named after the hidden inputs must not reach the page."""
    from course.grading.feedback import failure_message, hidden_ranges

    source = "x = 1\n### BEGIN HIDDEN TESTS\nassert add(-5, 5) == 0\n### END HIDDEN TESTS\n"
    error = {"ename": "inputs=(-5, 5)", "evalue": "", "traceback": [
        "Cell In[3], line 3\n", "Cell In[2], line 2, in add(a, b)\n"]}
    ranges = hidden_ranges(source)
    assert ranges == [(2, 4)]  # line 3, where the traceback says it failed, is hidden
    message, _ = failure_message(error, ranges)
    assert "-5" not in message and "an exception of its own" in message
    builtin = dict(error, ename="ValueError")
    assert failure_message(builtin, ranges)[0] == "hidden test failed: your code raised ValueError"
    runner = {"ename": "HiddenTestFailed", "evalue": "add must be symmetric", "traceback": ["x"]}
    assert failure_message(runner, ranges)[0] == "hidden test failed: add must be symmetric"


def test_deeply_nested_html_is_shown_as_text_quickly():
    import time

    from course.grading.feedback import clean_html, markdown_to_html

    start = time.perf_counter()
    for text in ("<div>" * 20000, "<b>" * 20000 + "<script>alert(1)</script>"):
        for page in (clean_html(text), markdown_to_html(text)):
            assert "<script" not in page and "<div><div>" not in page
    assert time.perf_counter() - start < 20  # quadratic sanitizing took minutes
