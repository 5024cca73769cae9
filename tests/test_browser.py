"""No student script runs for a student or the instructor, checked in a real
headless Chromium: the feedback page and the formgrader's submission view of a
hostile submission, graded by real nbgrader on the fixture assignment.

Every payload, if it ran, would add its name to `top.pwned`, set the title to
PWNED and request http://127.0.0.1:PORT/NAME from a server whose log we read.
A control page (the same notebook through plain nbconvert) shows the payloads
do run when nothing sanitizes them. Needs /usr/bin/chromium and
/usr/bin/chromedriver (Debian's chromium and chromium-driver); a failing check
saves a screenshot in the test's tmp_path.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest
from pytest_httpserver import HTTPServer

from course.grading import submissions as subs
from course.grading.autograde import gradebook_settings, grade
from course.grading.feedback import HIDDEN_RAN, check_no_hidden_tests, feedback, hidden_lines
from course.grading.release import release
from grading_helpers import FIXTURE_NOTEBOOKS, read_master, read_release, scratch_layout, submit

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # real nbgrader, a Jupyter server, Chromium: about a minute

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
NAME, STUDENT = "00_fixture", "hostile"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1200,900"]


class Beacons:
    """pytest-httpserver's real server on 127.0.0.1, answering 204 to every
    path: a payload that ran calls home, and `seen` lists the paths requested
    since the last forget()."""

    def __init__(self):
        self.http = HTTPServer(host="127.0.0.1", port=0)
        self.http.expect_request(re.compile("/.*")).respond_with_data("", status=204)
        self.http.start()
        self.port = self.http.port

    @property
    def seen(self) -> list[str]:
        return [request.path for request, _ in self.http.log if request.path != "/favicon.ico"]

    def forget(self) -> None:
        self.http.clear_log()


@pytest.fixture(scope="module")
def beacons():
    server = Beacons()
    yield server
    server.http.stop()


def payload(name: str, port: int) -> str:
    """JavaScript that leaves three traces when it runs (single quotes only)."""
    return (f"(top.pwned = top.pwned || []).push('{name}'); top.document.title = 'PWNED'; "
            f"new Image().src = 'http://127.0.0.1:{port}/{name}';")


def hostile_notebook(release_nb, master, port: int):
    """The reference submission plus every kind of active output, a plot, a
    replay of the kernel's history, a wrong count_positive (a hidden test
    fails) and an HTML payload in the markdown answer."""
    def js(name):
        return payload(name, port)

    shown = [
        ("HTML", f"<b>bold</b><script>{js('html-script')}</script>"),
        ("HTML", f'<iframe srcdoc="<script>{js("iframe-srcdoc")}</script>"></iframe>'),
        ("HTML", f'<a href="javascript:{js("html-link")}">link</a>'),
        ("Javascript", js("javascript-output")),
        ("Markdown", f'<img src=x onerror="{js("markdown-output")}">'),
        ("SVG", f'<svg xmlns="http://www.w3.org/2000/svg" onload="{js("svg-onload")}">'
                f'<script>{js("svg-script")}</script><circle r="3"/></svg>'),
    ]
    outputs = "".join(f"display({kind}({text!r}))\n" for kind, text in shown)
    outputs = ("from IPython.display import HTML, SVG, Javascript, Markdown, display\n" + outputs +
               "import matplotlib.pyplot as plt\n"
               "fig, ax = plt.subplots(figsize=(2, 2))\nax.plot([0, 1], [0, 1])\nplt.show()\n")
    notebook = subs.reference_submission(release_nb, master)
    for cell in notebook.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid == "add":
            cell.source += "\n" + outputs
        elif gid == "count_positive":
            cell.source = ("print('\\n'.join(In))  # every cell run so far, hidden tests included\n"
                           "def count_positive(x):  # counts the first three entries only\n"
                           "    return int((np.asarray(x).ravel()[:3] > 0).sum())")
        elif gid == "q_why":
            cell.source = (f"Because <img src=x onerror=\"{js('answer-onerror')}\"> "
                           f"[see](javascript:{js('answer-link')}) and $a<b$.\n\n"
                           "| x | add(x, x) |\n|---|---|\n| 1 | 2 |")
    return notebook


@pytest.fixture(scope="module")
def course(tmp_path_factory, beacons):
    """The fixture released, the hostile submission graded and its feedback written."""
    layout = scratch_layout(tmp_path_factory.mktemp("browser-course"), FIXTURE_NOTEBOOKS)
    release([NAME], layout=layout)
    notebook = hostile_notebook(read_release(layout, NAME), read_master(layout, NAME),
                                beacons.port)
    submit(layout, STUDENT, NAME, notebook)
    grade([NAME], layout=layout)
    feedback([NAME], layout=layout)
    return layout


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        pytest.skip(f"needs {CHROMIUM} and {CHROMEDRIVER}: apt-get install chromium chromium-driver")
    webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (the test extra)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=CHROMEDRIVER),
                              options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def visit(driver, url: str) -> None:
    """Load url and give its images' error handlers and scripts time to run."""
    driver.get(url)
    deadline = time.monotonic() + 10
    while driver.execute_script("return document.readyState") != "complete" and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)


def traces(driver, beacons) -> dict:
    """What payloads left behind: the pwned list, the title, the beacon requests."""
    return {"pwned": driver.execute_script("return top.pwned || []"),
            "title": driver.title,
            "requests": beacons.seen}


def armed_elements(driver) -> list[str]:
    """Elements of the rendered notebook that carry an event handler or a
    javascript: URL (a payload waiting for a click or a hover)."""
    return driver.execute_script(
        "return [...document.querySelectorAll('#notebook *')].filter(e => [...e.attributes]"
        ".some(a => a.name.startsWith('on') || /^\\s*javascript:/i.test(a.value))).map(e => e.outerHTML)")


@contextlib.contextmanager
def screenshot_on_failure(driver, path):
    try:
        yield
    except AssertionError as failure:
        driver.save_screenshot(str(path))
        raise AssertionError(f"{failure}\n(screenshot: {path})") from failure


def test_unsanitized_page_runs_the_payloads(course, browser, beacons, tmp_path):
    """The control: the detectors see payloads that run."""
    from nbconvert import HTMLExporter

    graded = course.course_dir / "autograded" / STUDENT / NAME / f"{NAME}.ipynb"
    page, _ = HTMLExporter(template_name="classic").from_notebook_node(nbformat.read(graded, as_version=4))
    (tmp_path / "raw.html").write_text(page)
    beacons.forget()
    visit(browser, (tmp_path / "raw.html").as_uri())
    with screenshot_on_failure(browser, tmp_path / "control.png"):
        found = traces(browser, beacons)
        assert {"html-script", "answer-onerror", "markdown-output"} <= set(found["pwned"]), found
        assert found["title"] == "PWNED" and "/html-script" in found["requests"], found
        assert any("javascript:" in e for e in armed_elements(browser))


def test_feedback_page_runs_no_payload_and_shows_no_hidden_test(course, browser, beacons, tmp_path):
    from selenium.webdriver.common.by import By

    page = course.course_dir / "feedback" / STUDENT / NAME / f"{NAME}.html"
    beacons.forget()
    visit(browser, page.as_uri())
    with screenshot_on_failure(browser, tmp_path / "feedback.png"):
        assert traces(browser, beacons) == {"pwned": [], "title": NAME, "requests": []}
        assert armed_elements(browser) == []
        text = browser.find_element(By.TAG_NAME, "body").text
        source = nbformat.read(course.course_dir / "source" / NAME / f"{NAME}.ipynb", as_version=4)
        assert [line for line in hidden_lines(source) if line in text] == []
        assert "Adding is linear because" not in text  # the model answer
        assert 'assert add(1, 2) == 3, f"add(1, 2) returned' in text  # the visible tests show
        assert "hidden test failed: AssertionError" in text
        assert "bold" in text
        assert "$a&lt;b$" in page.read_text()  # the math, for MathJax
        assert browser.execute_script("return document.querySelectorAll('#notebook td').length") == 2
        plot = browser.execute_script(
            "const i = [...document.images].find(i => i.src.startsWith('data:image/png'));"
            "return i ? [i.naturalWidth, i.getBoundingClientRect().height] : null")
        assert plot and plot[0] > 50 and plot[1] > 50, plot


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def formgrader(course, tmp_path_factory):
    """A Jupyter server with the nbgrader extensions, started in the course
    directory (where the formgrader reads nbgrader_config.py): (url, token)."""
    port, token = free_port(), secrets.token_hex(16)
    home = tmp_path_factory.mktemp("jupyter-home")
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    log = open(home / "server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "server", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={course.course_dir.parent}"],
        cwd=course.course_dir, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"jupyter server did not start: {(home / 'server.log').read_text()[-3000:]}")
                time.sleep(0.3)
        yield url, token
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def submission_id(course_dir) -> str:
    from nbgrader.api import Gradebook

    db_url, course_id = gradebook_settings(course_dir)
    with Gradebook(db_url, course_id) as gb:
        return gb.find_submission_notebook(NAME, NAME, STUDENT).id


def test_formgrader_shows_the_submission_and_runs_no_payload(course, formgrader, browser, beacons, tmp_path):
    from selenium.webdriver.common.by import By

    url, token = formgrader
    beacons.forget()
    visit(browser, f"{url}/formgrader/submissions/{submission_id(course.course_dir)}/?token={token}")
    with screenshot_on_failure(browser, tmp_path / "formgrader.png"):
        text = browser.find_element(By.TAG_NAME, "body").text
        assert "def add(a, b)" in text and "bold" in text, text[:2000]  # the submission is shown
        assert "assert add(-5, 5) == 0" in text  # the instructor sees the hidden tests
        assert browser.execute_script("return typeof formgrader") == "object"  # its own scripts run
        found = traces(browser, beacons)
        assert found["pwned"] == [] and found["requests"] == [] and found["title"] != "PWNED", found
        assert armed_elements(browser) == []


def test_feedback_from_the_formgrader_hides_the_hidden_tests_too(course, formgrader):
    """The formgrader's Generate feedback button (its API) reads the same config."""
    url, token = formgrader
    page = course.course_dir / "feedback" / STUDENT / NAME / f"{NAME}.html"
    page.unlink()
    request = urllib.request.Request(f"{url}/formgrader/api/assignment/{NAME}/{STUDENT}/generate_feedback",
                                     data=b"", method="POST", headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=120) as reply:
        result = json.load(reply)
    assert result["success"], result.get("log", "")[-2000:]
    check_no_hidden_tests(course.course_dir, NAME)
    body = page.read_text().split("</head>", 1)[1]
    assert HIDDEN_RAN in body and "<script" not in body
