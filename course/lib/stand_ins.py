"""Stand-in layers: smooth toy functions with the signatures, shapes and cache
conventions of 04's layers (affine, ReLU, convolution, max pooling, softmax
loss and the sandwich layers), with exact backward passes.

A test of wiring (a sandwich layer, a network's loss) puts them in place of
the student's layers with `stand_in_layers`, so that its points depend on
the wiring alone, not on the student's other exercises. They are not the
layers (tanh for ReLU, a window's top-left element for its maximum), so
they are no solution to any exercise.
"""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from .testing import replaced_names


def _stand_in_affine_forward(x, w, b):
    """Stand-in affine: out[n, m] = (sum of row n of x) * (sum of column m of w) + b[m]. (N, M)."""
    s = x.reshape(x.shape[0], -1).sum(axis=1)  # (N,)
    return np.outer(s, w.sum(axis=0)) + b, ("affine stand-in", x, w, s)


def _stand_in_affine_backward(dout, cache):
    _, x, w, s = cache
    ds = dout @ w.sum(axis=0)  # (N, M) @ (M,) -> (N,)
    dx = np.broadcast_to(ds.reshape((-1,) + (1,) * (x.ndim - 1)), x.shape).copy()
    dw = np.broadcast_to(s @ dout, w.shape).copy()  # (N,) @ (N, M) -> (M,), the same for every row
    return dx, dw, dout.sum(axis=0)


def _stand_in_relu_forward(x):
    """Stand-in ReLU: tanh."""
    return np.tanh(x), ("relu stand-in", x)


def _stand_in_relu_backward(dout, cache):
    return dout * (1.0 - np.tanh(cache[1]) ** 2)


def _stand_in_conv_forward(x, w, b, conv_param):
    """Stand-in convolution: output (n, f, i, j) reads only the top-left pixel of its window in
    the channel sum of the padded input, times the sum of filter f, plus b[f]. (N, F, H', W')."""
    stride, pad = conv_param['stride'], conv_param['pad']
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out, W_out = 1 + (H + 2 * pad - HH) // stride, 1 + (W + 2 * pad - WW) // stride
    s_pad = np.pad(x.sum(axis=1), ((0, 0), (pad, pad), (pad, pad)))  # (N, H + 2 pad, W + 2 pad)
    s = s_pad[:, 0:stride * H_out:stride, 0:stride * W_out:stride]  # (N, H', W')
    out = w.sum(axis=(1, 2, 3))[None, :, None, None] * s[:, None] + b[None, :, None, None]
    return out, ("conv stand-in", x, w, conv_param, s)


def _stand_in_conv_backward(dout, cache):
    _, x, w, conv_param, s = cache
    stride, pad = conv_param['stride'], conv_param['pad']
    N, C, H, W = x.shape
    _, _, H_out, W_out = dout.shape
    ds_pad = np.zeros((N, H + 2 * pad, W + 2 * pad))
    ds_pad[:, 0:stride * H_out:stride, 0:stride * W_out:stride] = (dout * w.sum(axis=(1, 2, 3))[None, :, None, None]).sum(axis=1)
    dx = np.broadcast_to(ds_pad[:, None, pad:pad + H, pad:pad + W], x.shape).copy()
    dw = np.broadcast_to((dout * s[:, None]).sum(axis=(0, 2, 3))[:, None, None, None], w.shape).copy()
    return dx, dw, dout.sum(axis=(0, 2, 3))


def _stand_in_pool_forward(x, pool_param):
    """Stand-in pooling: each window's top-left element (not its maximum). (N, C, H', W')."""
    ph, pw, stride = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    H_out, W_out = 1 + (x.shape[2] - ph) // stride, 1 + (x.shape[3] - pw) // stride
    return x[:, :, 0:stride * H_out:stride, 0:stride * W_out:stride].copy(), ("pool stand-in", x.shape, pool_param)


def _stand_in_pool_backward(dout, cache):
    _, x_shape, pool_param = cache
    stride = pool_param['stride']
    dx = np.zeros(x_shape)
    dx[:, :, 0:stride * dout.shape[2]:stride, 0:stride * dout.shape[3]:stride] = dout
    return dx


def _stand_in_softmax_loss(scores, y):
    """Stand-in loss: (0.5 * sum of squares of the scores - sum of the correct scores) / N.
    scores: (N, C), y: (N,). Returns loss, dscores (N, C)."""
    N = scores.shape[0]
    target = np.zeros_like(scores)
    target[np.arange(N), y] = 1.0
    return (0.5 * (scores ** 2).sum() - (scores * target).sum()) / N, (scores - target) / N


def _stand_in_tanh_dense(x, w, b):
    """Stand-in affine_relu, one toy function: tanh(row sums of x * column sums of w + b). (N, M)."""
    s = x.reshape(x.shape[0], -1).sum(axis=1)  # (N,)
    out = np.tanh(np.outer(s, w.sum(axis=0)) + b)  # (N, M)
    return out, ("affine_relu stand-in", x.shape, w, s, out)


def _stand_in_tanh_dense_backward(dout, cache):
    _, x_shape, w, s, out = cache
    g = dout * (1.0 - out ** 2)  # (N, M)
    dx = np.broadcast_to((g @ w.sum(axis=0)).reshape((-1,) + (1,) * (len(x_shape) - 1)), x_shape).copy()
    return dx, np.broadcast_to(s @ g, w.shape).copy(), g.sum(axis=0)  # dw: (N,) @ (N, M), the same for every row


def _stand_in_tanh_grid(x, w, b, pad, step, H_out, W_out):
    """One toy function for the conv sandwiches: output (n, f, i, j) is the tanh of the sum of
    filter f times the channel sum of the padded input at (step i, step j), plus b[f]. (N, F, H_out, W_out)."""
    s_pad = np.pad(x.sum(axis=1), ((0, 0), (pad, pad), (pad, pad)))  # (N, H + 2 pad, W + 2 pad)
    s = s_pad[:, 0:step * H_out:step, 0:step * W_out:step]  # (N, H_out, W_out)
    out = np.tanh(w.sum(axis=(1, 2, 3))[None, :, None, None] * s[:, None] + b[None, :, None, None])
    return out, ("conv sandwich stand-in", x.shape, w, pad, step, s, out)


def _stand_in_tanh_grid_backward(dout, cache):
    _, (N, C, H, W), w, pad, step, s, out = cache
    _, _, H_out, W_out = dout.shape
    g = dout * (1.0 - out ** 2)  # (N, F, H_out, W_out)
    ds_pad = np.zeros((N, H + 2 * pad, W + 2 * pad))
    ds_pad[:, 0:step * H_out:step, 0:step * W_out:step] = (g * w.sum(axis=(1, 2, 3))[None, :, None, None]).sum(axis=1)
    dx = np.broadcast_to(ds_pad[:, None, pad:pad + H, pad:pad + W], (N, C, H, W)).copy()
    dw = np.broadcast_to((g * s[:, None]).sum(axis=(0, 2, 3))[:, None, None, None], w.shape).copy()
    return dx, dw, g.sum(axis=(0, 2, 3))


def _stand_in_conv_relu_forward(x, w, b, conv_param):
    """Stand-in conv_relu (for the network's test): the toy grid function at the convolution's output positions."""
    stride, pad = conv_param['stride'], conv_param['pad']
    H_out = 1 + (x.shape[2] + 2 * pad - w.shape[2]) // stride
    W_out = 1 + (x.shape[3] + 2 * pad - w.shape[3]) // stride
    return _stand_in_tanh_grid(x, w, b, pad, stride, H_out, W_out)


def _stand_in_conv_relu_pool_forward(x, w, b, conv_param, pool_param):
    """Stand-in conv_relu_pool (for the network's test): the toy grid function at the pooled output positions."""
    stride, pad = conv_param['stride'], conv_param['pad']
    ph, pw, pool_stride = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    H_conv = 1 + (x.shape[2] + 2 * pad - w.shape[2]) // stride
    W_conv = 1 + (x.shape[3] + 2 * pad - w.shape[3]) // stride
    H_out, W_out = 1 + (H_conv - ph) // pool_stride, 1 + (W_conv - pw) // pool_stride
    return _stand_in_tanh_grid(x, w, b, pad, stride * pool_stride, H_out, W_out)


STAND_INS = {
    'affine_forward': _stand_in_affine_forward, 'affine_backward': _stand_in_affine_backward,
    'relu_forward': _stand_in_relu_forward, 'relu_backward': _stand_in_relu_backward,
    'conv_forward_naive': _stand_in_conv_forward, 'conv_backward_naive': _stand_in_conv_backward,
    'conv_forward_fast': _stand_in_conv_forward, 'conv_backward_fast': _stand_in_conv_backward,
    'max_pool_forward_naive': _stand_in_pool_forward, 'max_pool_backward_naive': _stand_in_pool_backward,
    'max_pool_forward_fast': _stand_in_pool_forward, 'max_pool_backward_fast': _stand_in_pool_backward,
    'softmax_loss': _stand_in_softmax_loss,
    # the sandwiches' stand-ins, used by the network's test: toy functions of their own (not built from
    # the layer stand-ins above), with the same values and gradients as those layer stand-ins chained
    'affine_relu_forward': _stand_in_tanh_dense, 'affine_relu_backward': _stand_in_tanh_dense_backward,
    'conv_relu_forward': _stand_in_conv_relu_forward, 'conv_relu_backward': _stand_in_tanh_grid_backward,
    'conv_relu_pool_forward': _stand_in_conv_relu_pool_forward,
    'conv_relu_pool_backward': _stand_in_tanh_grid_backward,
}
SANDWICH_NAMES = ['affine_relu_forward', 'affine_relu_backward', 'conv_relu_forward', 'conv_relu_backward',
                  'conv_relu_pool_forward', 'conv_relu_pool_backward']
LAYER_NAMES = [name for name in STAND_INS if name not in SANDWICH_NAMES]  # the plain layers and the loss


@contextmanager
def stand_in_layers(names, namespace: dict):
    """A `with` block in which the functions called `names` in `namespace`
    (a test cell's `globals()`), and under the grading runner the kernel's,
    are the stand-ins STAND_INS[name]; afterwards the originals are back.
    Yields the STAND_INS dict."""
    with replaced_names({name: STAND_INS[name] for name in names}, namespace):
        yield STAND_INS
