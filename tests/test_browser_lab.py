"""A student and an instructor in real JupyterLab 4 with nbgrader's extension, in
headless Chromium (the helpers of tests/test_browser.py).

The student opens a released notebook in a folder holding the release, runs all
cells, fills one exercise and sees its visible test pass, clicks Validate and
reads its verdict, and after saving no other file (no jupytext .py) is there.
The instructor opens the formgrader from JupyterLab's Nbgrader menu in a
scratch autograde/ with graded fixture submissions, sees their scores, enters
a manual grade for the inline question, and the gradebook holds it.
JupyterLab runs with `expose_app_in_browser`, so the test drives it through
JupyterLab's own commands (run all, save) and clicks nbgrader's buttons.
A failing check saves a screenshot in the test's tmp_path.
"""
from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest

from course.grading import submissions as subs
from course.grading.autograde import gradebook_settings, grade
from course.grading.release import release
from grading_helpers import FIXTURE_NOTEBOOKS, read_master, read_release, scratch_layout, submit
from test_browser import browser, free_port  # noqa: F401 (browser: its fixture, shared)

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # JupyterLab, nbgrader and Chromium: about two minutes

NAME = "00_fixture"
ADD_SOLUTION = 'def add(a, b):\n    """Return a + b."""\n    return a + b'


@contextlib.contextmanager
def screenshot_on_failure(driver, path):
    """Save a screenshot at path when the block fails (an assertion or a WebDriver error)."""
    try:
        yield
    except Exception as failure:  # noqa: BLE001 (re-raised with the screenshot's path)
        driver.save_screenshot(str(path))
        raise AssertionError(f"{failure}\n(screenshot: {path})") from failure


def wait_for(driver, script: str, timeout: float = 60, what: str = ""):
    """Poll a JavaScript expression until it is truthy; returns its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(f"try {{ return {script}; }} catch (e) {{ return null; }}")
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout} s waiting for {what or script}")


def save(driver, timeout: float = 60):
    """Save the current notebook and return when the server has answered the save: its
    model's dirty flag alone can be clear already (Validate saved) while a save's
    temporary .~ copy is still on disk."""
    driver.set_script_timeout(timeout)
    error = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "jupyterapp.commands.execute('docmanager:save').then(() => done(''), e => done(String(e)));")
    assert not error, f"the save failed: {error}"


def start_lab(cwd, tmp):
    """JupyterLab on 127.0.0.1 with a token, started in cwd: (process, url, token, log path)."""
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp / "config"), "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    log_path = tmp / "lab.log"
    log = open(log_path, "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={cwd}", "--LabApp.expose_app_in_browser=True"],
        cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
            return server, url, token, log, log_path
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"jupyter lab did not start: {log_path.read_text()[-3000:]}")
            time.sleep(0.3)


def stop_lab(server, log):
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    layout = scratch_layout(tmp_path_factory.mktemp("lab-course"), FIXTURE_NOTEBOOKS)
    release([NAME], layout=layout)
    return layout


NOTEBOOK_JS = "jupyterapp.shell.currentWidget.content"


def cell_index(driver, grade_id: str) -> int:
    return driver.execute_script(
        f"return {NOTEBOOK_JS}.widgets.findIndex(c => (c.model.getMetadata('nbgrader') || {{}}).grade_id "
        f"=== arguments[0])", grade_id)


def cell_errors(driver, grade_id: str) -> str:
    """The text of a cell's error outputs ('' when it has none)."""
    return driver.execute_script(
        f"const c = {NOTEBOOK_JS}.widgets[arguments[0]]; return [...c.node.querySelectorAll("
        "'.jp-OutputArea-output[data-mime-type=\"application/vnd.jupyter.stderr\"]')].map(e => e.innerText)"
        ".join('\\n')", cell_index(driver, grade_id))


def kernel_idle(driver) -> bool:
    return driver.execute_script(
        "const s = jupyterapp.shell.currentWidget.sessionContext; return !!(s && s.session && s.session.kernel"
        " && s.session.kernel.status === 'idle' && s.kernelDisplayStatus === 'idle')")


def test_student_runs_fills_validates_and_saves_no_other_file(released, browser, tmp_path):  # noqa: F811
    from selenium.webdriver.common.by import By

    folder = tmp_path / "student"
    shutil.copytree(released.course_dir / "release", folder)
    before = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))
    server, url, token, log, log_path = start_lab(folder, tmp_path)
    try:
        browser.get(f"{url}/lab/tree/{NAME}/{NAME}.ipynb?token={token}")
        with screenshot_on_failure(browser, tmp_path / "student.png"):
            print(f"screenshots go to {tmp_path}")
            wait_for(browser, f"!document.querySelector('#jupyterlab-splash') && {NOTEBOOK_JS}.widgets.length > 5"
                     " && !!jupyterapp.shell.currentWidget.sessionContext.session.kernel", 240,
                     "the notebook and its kernel")
            browser.execute_script("jupyterapp.commands.execute('notebook:run-all-cells')")
            time.sleep(1)
            deadline = time.monotonic() + 120
            while not (kernel_idle(browser) and "NotImplementedError" in cell_errors(browser, "test_add")):
                assert time.monotonic() < deadline, "run all did not finish with the stubs failing"
                time.sleep(0.5)
            # Run All stops at the first failing cell, the blank add's test.
            # Fill add, run it and its test cell: the visible test passes.
            index = cell_index(browser, "add")
            browser.execute_script(f"{NOTEBOOK_JS}.widgets[arguments[0]].model.sharedModel.setSource(arguments[1])",
                                   index, ADD_SOLUTION)
            for gid in ("add", "test_add"):
                browser.execute_script(f"{NOTEBOOK_JS}.activeCellIndex = arguments[0]; "
                                       "jupyterapp.commands.execute('notebook:run-cell')", cell_index(browser, gid))
                time.sleep(0.5)
                wait_for(browser, "jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'",
                         60, f"cell {gid} to run")
            wait_for(browser, f"{NOTEBOOK_JS}.widgets[{cell_index(browser, 'test_add')}].model.executionCount > 0", 30)
            assert cell_errors(browser, "test_add") == "", "the filled exercise's visible test did not pass"
            # Validate (saves first, then runs the notebook on the server).
            browser.find_element(By.CSS_SELECTOR, ".validate-button button, button.validate-button, "
                                                  ".validate-button").click()
            dialog = wait_for(browser, "document.querySelector('.jp-Dialog') && "
                              "!document.querySelector('.jp-Dialog').innerText.includes('Validating') && "
                              "document.querySelector('.jp-Dialog').innerText", 180, "Validate's dialog")
            # nbgrader's dialog: one "The following cell failed" per failing graded cell, here the
            # two blank exercises' tests and the unanswered inline question; add's test passed.
            assert dialog.startswith("Validation Results"), dialog[:2000]
            assert dialog.count("The following cell failed") == 3, dialog[:3000]
            assert "scale_vector(np.array" in dialog and "count_positive([1, -1, 2])" in dialog, dialog[:3000]
            assert "You did not provide a response" in dialog and "add(1, 2)" not in dialog, dialog[:3000]
            browser.execute_script("document.querySelector('.jp-Dialog button.jp-mod-accept, "
                                   ".jp-Dialog button').click()")
            save(browser)
            after = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                           if ".ipynb_checkpoints" not in p.parts)
            assert after == before, f"files appeared or went: {sorted(set(after) ^ set(before))}"
            saved = (folder / NAME / f"{NAME}.ipynb").read_text()
            assert "return a + b" in saved and '"jupytext"' not in saved
    finally:
        stop_lab(server, log)


def test_control_a_paired_notebook_gets_a_py_on_save(released, browser, tmp_path):  # noqa: F811
    """The control: with jupytext pairing metadata (as masters have it), saving in this
    JupyterLab writes NN_name.py beside the notebook, so the check above can see one."""
    import nbformat

    folder = tmp_path / "paired"
    shutil.copytree(released.course_dir / "release" / NAME, folder)
    notebook = nbformat.read(folder / f"{NAME}.ipynb", as_version=4)
    notebook.metadata["jupytext"] = {"formats": "ipynb,py:percent"}
    nbformat.write(notebook, folder / f"{NAME}.ipynb")
    server, url, token, log, log_path = start_lab(folder, tmp_path)
    try:
        browser.get(f"{url}/lab/tree/{NAME}.ipynb?token={token}")
        with screenshot_on_failure(browser, tmp_path / "paired.png"):
            wait_for(browser, f"!document.querySelector('#jupyterlab-splash') && {NOTEBOOK_JS}.widgets.length > 5",
                     240, "the notebook")
            browser.execute_script(f"{NOTEBOOK_JS}.model.sharedModel.insertCell(0, "
                                   "{cell_type: 'markdown', source: 'edited'})")
            save(browser)
            deadline = time.monotonic() + 20
            while not (folder / f"{NAME}.py").exists() and time.monotonic() < deadline:
                time.sleep(0.5)
            assert (folder / f"{NAME}.py").exists(), sorted(p.name for p in folder.iterdir())
    finally:
        stop_lab(server, log)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The fixture released, graded for a reference and a blank student."""
    layout = scratch_layout(tmp_path_factory.mktemp("lab-formgrader"), FIXTURE_NOTEBOOKS)
    release([NAME], layout=layout)
    release_nb, master = read_release(layout, NAME), read_master(layout, NAME)
    submit(layout, "alice", NAME, subs.reference_submission(release_nb, master))
    submit(layout, "bob", NAME, subs.blank_submission(release_nb))
    grade([NAME], layout=layout)
    return layout


def test_instructor_grades_the_inline_question_in_the_formgrader(graded, browser, tmp_path):  # noqa: F811
    from nbgrader.api import Gradebook
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    db_url, course_id = gradebook_settings(graded.course_dir)
    with Gradebook(db_url, course_id) as gb:
        submission = gb.find_submission_notebook(NAME, NAME, "alice").id
    server, url, token, log, log_path = start_lab(graded.course_dir, tmp_path)
    try:
        browser.get(f"{url}/lab?token={token}")
        with screenshot_on_failure(browser, tmp_path / "formgrader.png"):
            print(f"screenshots go to {tmp_path}")
            wait_for(browser, "!document.querySelector('#jupyterlab-splash') && "
                     "jupyterapp.commands.hasCommand('nbgrader:open-formgrader') && "
                     "[...document.querySelectorAll('.lm-MenuBar-item')].some(e => e.textContent === 'Nbgrader')",
                     240, "JupyterLab with nbgrader's Nbgrader menu")
            browser.execute_script("jupyterapp.commands.execute('nbgrader:open-formgrader')")
            frame = wait_for(browser, "document.querySelector('iframe[src*=\"formgrader\"]')", 60, "the formgrader")
            browser.switch_to.frame(frame)
            browser.get(f"{url}/formgrader/manage_submissions/{NAME}?token={token}")
            rows = wait_for(browser, "document.querySelectorAll('table tbody tr').length >= 2 && "
                            "document.querySelector('table').innerText", 60, "the submissions table")
            alice = next(line for line in rows.splitlines() if "alice" in line)
            bob = next(line for line in rows.splitlines() if "bob" in line)
            assert re.search(r"\b9(\.0+)? / 10(\.0+)?\b", alice) and re.search(r"\b0(\.0+)? / 10", bob), rows
            browser.get(f"{url}/formgrader/submissions/{submission}/?token={token}")
            field = wait_for(browser, "document.querySelector('input.score[id=\"q_why\"]')", 60,
                             "the inline question's score field")
            field.clear()
            field.send_keys("1", Keys.TAB)
            deadline = time.monotonic() + 30
            while True:
                with Gradebook(db_url, course_id) as gb:
                    manual = gb.find_grade("q_why", NAME, NAME, "alice").manual_score
                if manual == 1 or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            assert manual == 1, f"the gradebook holds manual score {manual!r} for q_why"
            assert browser.find_elements(By.CSS_SELECTOR, "input.score")
    finally:
        stop_lab(server, log)
