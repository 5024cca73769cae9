"""course.lib.vis: grid shapes and ranges; every plot returns a Figure headless."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from course.lib.train import History  # noqa: E402
from course.lib.vis import (plot_training_curves, show, show_filters, show_image_grid,  # noqa: E402
                            signed_grid, visualize_grid)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("N, H, W, C, padding, side", [
    (5, 4, 3, 3, 1, 3),   # 5 images -> a 3 x 3 grid
    (9, 2, 2, 1, 1, 3),
    (10, 6, 6, 3, 2, 4),
    (1, 5, 7, 3, 0, 1),
])
def test_visualize_grid_shape(N, H, W, C, padding, side):
    Xs = np.random.default_rng(0).standard_normal((N, H, W, C))
    grid = visualize_grid(Xs, padding=padding)
    assert grid.shape == (side * (H + padding) - padding, side * (W + padding) - padding, C)


def test_visualize_grid_rescales_each_image_to_0_ubound():
    rng = np.random.default_rng(1)
    Xs = np.stack([rng.uniform(-5, -3, (4, 4, 3)), rng.uniform(100, 900, (4, 4, 3))])
    grid = visualize_grid(Xs, ubound=1.0, padding=1)
    assert grid.min() == 0.0 and grid.max() == pytest.approx(1.0)
    for tile in (grid[0:4, 0:4], grid[0:4, 5:9]):  # images 0 and 1 in the first row
        assert tile.min() == pytest.approx(0.0) and tile.max() == pytest.approx(1.0)
    # The first image, rescaled: its order of values is kept.
    np.testing.assert_allclose(grid[0:4, 0:4], (Xs[0] - Xs[0].min()) / np.ptp(Xs[0]))
    assert np.all(grid[4, :] == 0.5) and np.all(grid[:, 4] == 0.5)  # padding: mid-grey, not the tiles' black
    assert np.all(grid[5:, :] == 0.5)  # the second row of the 2 x 2 grid is empty
    assert visualize_grid(Xs).max() == pytest.approx(255.0)
    assert np.all(visualize_grid(Xs, pad_value=0.0)[4, :] == 0)


def test_visualize_grid_of_a_constant_image_is_zero():
    grid = visualize_grid(np.full((1, 3, 3, 1), 7.0))
    assert grid.shape == (3, 3, 1) and np.all(grid == 0)


def test_plot_training_curves():
    history = History(loss_history=[2.3, 2.0, 1.5, 1.2], train_acc_history=[0.4, 0.6],
                      val_acc_history=[0.35, 0.5])
    fig = plot_training_curves(history, title="linear softmax")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    loss_ax, acc_ax = fig.axes
    np.testing.assert_array_equal(loss_ax.lines[0].get_ydata(), history.loss_history)
    assert [line.get_label() for line in acc_ax.lines] == ["train", "validation"]
    assert acc_ax.get_legend() is not None
    fig.canvas.draw()
    ticks = [t for t in acc_ax.get_xticks() if acc_ax.get_xlim()[0] <= t <= acc_ax.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks)  # epochs are whole numbers
    np.testing.assert_array_equal(acc_ax.lines[1].get_xdata(), [1, 2])
    assert fig._suptitle.get_text() == "linear softmax"
    no_val = plot_training_curves(History(loss_history=[1.0], train_acc_history=[0.5]))
    assert len(no_val.axes[1].lines) == 1


def test_show_image_grid_labels_and_layout():
    images = np.random.default_rng(2).uniform(0, 255, (12, 3, 8, 8))
    fig = show_image_grid(images, labels=np.arange(12) % 3, class_names=["cat", "dog", "ship"],
                          ncols=5)
    assert isinstance(fig, Figure) and len(fig.axes) == 15  # 3 rows of 5
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[:4] == ["cat", "dog", "ship", "cat"] and titles[12:] == ["", "", ""]
    grey = show_image_grid(np.zeros((3, 1, 8, 8)), labels=np.array([4, 1, 0]))
    assert [ax.get_title() for ax in grey.axes[:3]] == ["4", "1", "0"]
    assert grey.axes[0].images[0].get_array().shape == (8, 8)


@pytest.mark.parametrize("channels", [1, 3])
def test_show_filters(channels):
    w = np.random.default_rng(3).standard_normal((10, channels, 5, 5))
    fig = show_filters(w, title="conv1")
    assert isinstance(fig, Figure) and fig.axes[0].get_title() == "conv1"
    image = fig.axes[0].images[0]
    shown = image.get_array()
    assert shown.shape[:2] == (4 * 6 - 1, 4 * 6 - 1)  # 10 filters -> 4 x 4 grid, padding 1
    assert image.get_interpolation() == "nearest"  # blocks, not a blur of 5 x 5 pixels


def test_single_channel_filters_share_a_diverging_scale_centred_on_zero():
    w = np.zeros((3, 1, 2, 2))
    w[0, 0] = [[2.0, -1.0], [0.0, 0.5]]
    w[1, 0] = [[-4.0, 0.0], [0.0, 0.0]]  # the largest |weight|: the shared scale
    fig = show_filters(w)
    image = fig.axes[0].images[0]
    assert image.get_clim() == (-1.0, 1.0) and image.get_cmap().name.startswith("RdBu")
    grid = signed_grid(w[:, 0])
    np.testing.assert_array_equal(grid[0:2, 0:2], w[0, 0] / 4.0)  # one scale for every filter, 0 stays 0
    assert grid[0, 3] == -1.0  # filter 1's -4 is the shared scale's -1
    np.testing.assert_array_equal(grid[3:5, 0:2], 0.0)  # filter 2, all zero, in the second row
    assert np.isnan(grid[2, :]).all() and np.isnan(grid[:, 2]).all()  # the gaps are no weight value
    assert np.isnan(grid[3:5, 3:5]).all()  # the empty fourth tile


def test_show_displays_a_png_and_closes_the_figure(capsys, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    show(fig)
    assert not plt.fignum_exists(fig.number)
    assert "IPython.core.display.Image" in capsys.readouterr().out


def test_show_under_nbgrader_closes_the_figure_undrawn_and_says_so(capsys, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    show(fig)
    assert not plt.fignum_exists(fig.number)
    out = capsys.readouterr().out
    assert "Image" not in out and "grading run: figure not drawn" in out
