"""Convolution and pooling over images in NCHW layout, as in PyTorch.

The whole family rests on one pair of ops that are each other's adjoint:

* `im2col` copies every kh×kw window of the (zero-padded) input into a column:
  (N, C, H, W) -> (N, C·kh·kw, L), L = oh·ow windows (PyTorch's `F.unfold`).
* `col2im` puts each column back where its window came from, adding where
  windows overlap: (N, C·kh·kw, L) -> (N, C, H, W) (PyTorch's `F.fold`).

With them a convolution is a matrix product, y = W · im2col(x), and its
backward is two more: the weight gradient correlates the input with the
upstream gradient, dW = g · im2col(x)ᵀ, and the input gradient multiplies by
Wᵀ and scatters the columns back, dx = col2im(Wᵀ g). Because the backward is
written with ops (im2col, col2im, matmul), it can itself be differentiated:
second derivatives of a convolution need no new rule. See docs/ops.md.

Memory layout: the arrays these ops make are (N, C, H, W) (or (N, C·kh·kw, L))
as PyTorch's, but stored channel-major with the batch innermost, (C, H, W, N)
(or (C·kh·kw, L, N)). A window's rows [c, i:i + oh, j:j + ow, :] are then
ow·N numbers side by side in memory, so the copies of im2col and the additions
of col2im move long rows instead of rows of ow numbers, and the product with
the weight covers the columns of all images at once. The layout is invisible
to the user: NumPy's strides make the arrays look (N, C, H, W).
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.autograd import Function
from tinygrad_edu.ops.linalg import times_transposed
from tinygrad_edu.ops.movement import ScatterAdd
from tinygrad_edu.ops.tangents import linear_jvp, product_rule, tangent_sum
from tinygrad_edu.ops.tensor_or_array import apply_op, expand, values

Pair = tuple[int, int]


def as_pair(op: str, name: str, value: int | tuple[int, ...], minimum: int) -> Pair:
    """An int or a pair as a pair (PyTorch accepts both), checked against `minimum`."""
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or any(int(v) != v or v < minimum for v in pair):
        raise ValueError(f"{op}: {name} must be an int >= {minimum} or a pair of them, "
                         f"got {value!r}")
    return int(pair[0]), int(pair[1])


def output_size(op: str, size: Pair, kernel: Pair, stride: Pair, padding: Pair,
                dilation: Pair) -> Pair:
    """(oh, ow) = ⌊(H + 2p - d(k - 1) - 1) / s⌋ + 1 per axis, or a clear error."""
    result = tuple((n + 2 * p - d * (k - 1) - 1) // s + 1
                   for n, k, s, p, d in zip(size, kernel, stride, padding, dilation))
    if min(result) < 1:
        raise ValueError(f"{op}: an input of size {size[0]}×{size[1]} (padding {padding}) is "
                         f"smaller than the kernel {kernel[0]}×{kernel[1]} (dilation "
                         f"{dilation}): the output would be {result[0]}×{result[1]}")
    return result


def _check_image(op: str, x: np.ndarray, what: str = "input") -> None:
    if x.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D {what} (N, C, H, W), got shape {x.shape}")


def _windows(padded: np.ndarray, kernel: Pair, stride: Pair, dilation: Pair,
             out: Pair) -> np.ndarray:
    """A read-only view (N, C, kh, kw, oh, ow) of `padded`: element [n, c, i, j, r, s]
    is padded[n, c, r·sh + i·dh, s·sw + j·dw]. No copy."""
    sn, sc, sh, sw = padded.strides
    return np.lib.stride_tricks.as_strided(
        padded, (*padded.shape[:2], *kernel, *out),
        (sn, sc, sh * dilation[0], sw * dilation[1], sh * stride[0], sw * stride[1]),
        writeable=False)


def _batch_innermost(shape: tuple[int, int, int, int], dtype, fill: float) -> np.ndarray:
    """An (N, C, H, W) array of `fill`, stored (C, H, W, N) (see the module's docstring)."""
    n, c, h, w = shape
    return np.full((c, h, w, n), fill, dtype=dtype).transpose(3, 0, 1, 2)


def _pad(x: np.ndarray, padding: Pair, value: float) -> np.ndarray:
    """x with `padding` rows and columns of `value` around each image, batch innermost."""
    if padding == (0, 0):
        return x
    (n, c, h, w), (ph, pw) = x.shape, padding
    padded = _batch_innermost((n, c, h + 2 * ph, w + 2 * pw), x.dtype, value)
    padded[:, :, ph:ph + h, pw:pw + w] = x
    return padded


class Im2Col(Function):
    """y[n, (c, i, j), (r, s)] = x_pad[n, c, r·sh + i·dh, s·sw + j·dw]: every window of
    the zero-padded x as a column, (N, C, H, W) -> (N, C·kh·kw, oh·ow) (PyTorch's unfold);
    dL/dx = col2im(g): each column added back where its window came from;
    ẏ = im2col(ẋ) (linear)
    """

    name = "im2col"
    jvp = staticmethod(linear_jvp)

    @staticmethod
    def forward(x, kernel_size, stride, padding, dilation):
        _check_image("im2col", x)
        out = output_size("im2col", x.shape[2:], kernel_size, stride, padding, dilation)
        windows = _windows(_pad(x, padding, 0), kernel_size, stride, dilation, out)
        # one copy, stored (C·kh·kw, L, N) and returned as its (N, C·kh·kw, L) view
        rows = windows.transpose(1, 2, 3, 4, 5, 0).reshape(-1, out[0] * out[1], x.shape[0])
        return rows.transpose(2, 0, 1)

    @staticmethod
    def backward(ctx, grad):
        return apply_op(Col2Im, grad, image_size=ctx.input_shapes[0][2:], **ctx.params)


class Col2Im(Function):
    """y = zeros (N, C, H, W) with each column x[n, (c, i, j), (r, s)] added at
    [n, c, r·sh + i·dh - ph, s·sw + j·dw - pw] (PyTorch's fold; the adjoint of im2col);
    dL/dx = im2col(g);  ẏ = col2im(ẋ) (linear)
    """

    name = "col2im"
    jvp = staticmethod(linear_jvp)

    @staticmethod
    def forward(cols, image_size, kernel_size, stride, padding, dilation):
        (h, w), (kh, kw) = image_size, kernel_size
        oh, ow = output_size("col2im", (h, w), kernel_size, stride, padding, dilation)
        n, rows, count = cols.shape
        if rows % (kh * kw) or count != oh * ow:
            raise ValueError(f"col2im: columns of shape {cols.shape} do not fit a {kh}×{kw} "
                             f"kernel over a {h}×{w} image ({oh * ow} windows)")
        c = rows // (kh * kw)
        # as im2col stores them, (C, kh, kw, oh, ow, N): no copy for its layout
        blocks = cols.transpose(1, 2, 0).reshape(c, kh, kw, oh, ow, n)
        padded = np.zeros((c, h + 2 * padding[0], w + 2 * padding[1], n), dtype=cols.dtype)
        (sh, sw), (dh, dw) = stride, dilation
        for i in range(kh):  # one strided slice per kernel offset: kh·kw additions in all
            for j in range(kw):
                padded[:, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                       j * dw:j * dw + sw * (ow - 1) + 1:sw] += blocks[:, i, j]
        image = padded[:, padding[0]:padding[0] + h, padding[1]:padding[1] + w]
        return image.transpose(3, 0, 1, 2)

    @staticmethod
    def backward(ctx, grad):
        params = {k: v for k, v in ctx.params.items() if k != "image_size"}
        return apply_op(Im2Col, grad, **params)


def check_conv_shapes(x: np.ndarray, weight: np.ndarray, bias: tuple, groups: int) -> None:
    """Raise a ValueError naming the shapes when x, weight and bias do not fit together."""
    _check_image("conv2d", x)
    if weight.ndim != 4:
        raise ValueError(f"conv2d: expected a 4-D weight (out, in/groups, kh, kw), "
                         f"got shape {weight.shape}")
    out_channels, group_channels = weight.shape[:2]
    if out_channels % groups:
        raise ValueError(f"conv2d: weight of shape {weight.shape} has {out_channels} output "
                         f"channels, not divisible by groups={groups}")
    if x.shape[1] != group_channels * groups:
        raise ValueError(f"conv2d: input of shape {x.shape} has {x.shape[1]} channels, but "
                         f"weight of shape {weight.shape} with groups={groups} expects "
                         f"{group_channels * groups}")
    if bias and bias[0].shape != (out_channels,):
        raise ValueError(f"conv2d: bias of shape {bias[0].shape} does not fit weight of shape "
                         f"{weight.shape}: expected ({out_channels},)")


class Conv2d(Function):
    """y[n, o] = b[o] + Σ_{c, i, j} W[o, c, i, j] · x_pad[n, c, r·sh + i·dh, s·sw + j·dw]
    (a cross-correlation, as in PyTorch; with groups, output channel o sees only the
    input channels of its group). Computed as y = W · im2col(x) per group, so
    dL/dW = Σ_n g · im2col(x)ᵀ (x correlated with the upstream gradient),
    dL/dx = col2im(Wᵀ · g) (the columns' gradients scattered back),
    dL/db = Σ_{n, r, s} g;
    ẏ = conv2d(ẋ, W) + conv2d(x, Ẇ) + ḃ (the product rule: linear in x and in W)
    """

    name = "conv2d"

    @staticmethod
    def forward(x, weight, *bias, stride, padding, dilation, groups):
        check_conv_shapes(x, weight, bias, groups)
        out = output_size("conv2d", x.shape[2:], weight.shape[2:], stride, padding, dilation)
        cols = Im2Col.forward(x, weight.shape[2:], stride, padding, dilation)
        y = grouped_product(cols, weight, groups, out)
        if bias:
            y = y + bias[0].reshape(-1, 1, 1)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight, *bias = ctx.inputs
        need_x, need_weight, *need_bias = ctx.needs_input_grad
        stride, padding, dilation, groups = (ctx.params[k] for k in
                                             ("stride", "padding", "dilation", "groups"))
        window = {"kernel_size": weight.shape[2:], "stride": stride, "padding": padding,
                  "dilation": dilation}
        n, out_channels, oh, ow = grad.shape
        # g batch innermost, one matrix per group: (G, O/G, L·N)
        g = grad.transpose(1, 2, 3, 0).reshape(groups, out_channels // groups, -1)
        grads = [None, None]
        if need_x:
            rows = _grouped_weight(weight, groups).swapaxes(1, 2) @ g  # (G, C/G·k, L·N)
            cols = rows.reshape(-1, oh * ow, n).transpose(2, 0, 1)  # (N, C·k, L)
            grads[0] = apply_op(Col2Im, cols, image_size=x.shape[2:], **window)
        if need_weight:
            rows = _grouped_rows(apply_op(Im2Col, x, **window), groups)
            grads[1] = times_transposed(g, rows).reshape(weight.shape)
        if bias:
            grads.append(grad.sum(axis=(0, 2, 3)) if need_bias[0] else None)
        return tuple(grads)

    @staticmethod
    def jvp(ctx, x_dot, weight_dot, *bias_dot):
        bias = [b.reshape(-1, 1, 1) for b in bias_dot if b is not None]
        return tangent_sum(product_rule(ctx, x_dot, weight_dot), *bias)


def _grouped_weight(weight, groups: int):
    """(O, C/G, kh, kw) -> (G, O/G, C/G·kh·kw): one weight matrix per group."""
    return weight.reshape(groups, weight.shape[0] // groups, -1)


def _grouped_rows(cols, groups: int):
    """im2col's (N, C·kh·kw, L) -> (G, C/G·kh·kw, L·N): the windows of all images side
    by side, one matrix per group (no copy for im2col's batch-innermost layout)."""
    n, rows, count = cols.shape
    return cols.transpose(1, 2, 0).reshape(groups, rows // groups, count * n)


def grouped_product(cols, weight, groups: int, out: Pair):
    """y[n, o, r, s] = Σ_k W[o, k] · cols[n, k, (r, s)] within each group: one matrix
    product per group for all images at once, (G, O/G, C/G·k) @ (G, C/G·k, L·N), seen
    as (N, O, oh, ow) (stored batch innermost). The same code runs on arrays (the op)
    and on Tensors (F.conv2d)."""
    y = _grouped_weight(weight, groups) @ _grouped_rows(cols, groups)
    return y.reshape(weight.shape[0], *out, cols.shape[0]).transpose(3, 0, 1, 2)


def _argmax_positions(x: np.ndarray, kernel: Pair, stride: Pair, padding: Pair,
                      dilation: Pair) -> np.ndarray:
    """For every window of x padded with -inf, the flat index into the padded array of
    the element its maximum came from (the first in the window at a tie), (N, C, oh, ow)."""
    out = output_size("max_pool2d", x.shape[2:], kernel, stride, padding, dilation)
    padded = _pad(x, padding, -np.inf)
    windows = _windows(padded, kernel, stride, dilation, out)  # (N, C, kh, kw, oh, ow)
    n, c = x.shape[:2]
    # one copy with each window's elements side by side, so argmax reads them in a row
    side_by_side = windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, c, *out, -1)
    i, j = np.divmod(side_by_side.argmax(axis=-1), kernel[1])  # (N, C, oh, ow) each
    rows = np.arange(out[0]).reshape(-1, 1) * stride[0] + i * dilation[0]
    cols = np.arange(out[1]) * stride[1] + j * dilation[1]
    planes = np.arange(n * c).reshape(n, c, 1, 1)
    return (planes * padded.shape[2] + rows) * padded.shape[3] + cols


def _check_pool(op: str, x: np.ndarray, kernel: Pair, padding: Pair) -> None:
    _check_image(op, x)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(f"{op}: padding {padding} must be at most half the kernel {kernel}")


def _tiles(shape: tuple[int, ...], kernel: Pair, stride: Pair, padding: Pair,
           dilation: Pair) -> bool:
    """Whether the windows tile the image exactly: stride = kernel, no padding or
    dilation, and the kernel divides the height and the width."""
    return (stride == kernel and padding == (0, 0) and dilation == (1, 1)
            and shape[2] % kernel[0] == 0 and shape[3] % kernel[1] == 0)


def _in_layout_of(grad: np.ndarray, like: np.ndarray) -> np.ndarray:
    """`grad` copied into the memory layout of `like` (same shape) when it is stored
    otherwise: an elementwise product of arrays stored in different orders walks one
    of them with long strides, several times slower (LeNet's max-pool backward: its
    gradient comes from a flatten, stored image by image, its input batch innermost)."""
    if grad.strides == like.strides:
        return grad
    copy = np.empty_like(like)
    copy[...] = grad
    return copy


def _to_first_maxima(x: np.ndarray, y: np.ndarray, grad: np.ndarray, kernel: Pair) -> np.ndarray:
    """For windows that tile x: an array shaped and stored like x holding grad[n, c, r, s]
    at the first maximum y[n, c, r, s] of each tile (in row-major order, as PyTorch picks
    at a tie) and 0 elsewhere. One pass per offset (i, j) in the tile: compare with the
    maximum, keep the first match, multiply the gradient into place."""
    n, c, oh, ow = y.shape
    tiles = x.reshape(n, c, oh, kernel[0], ow, kernel[1])  # a view: (i, j) indexes the tile
    spread = np.empty_like(tiles)  # in x's memory layout
    grad = _in_layout_of(grad, y)
    first = np.empty_like(y, dtype=bool)
    not_found = np.ones_like(y, dtype=bool)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            np.equal(tiles[:, :, :, i, :, j], y, out=first)
            first &= not_found
            np.multiply(grad, first, out=spread[:, :, :, i, :, j])
            np.greater(not_found, first, out=not_found)  # not_found &= ~first
    return spread.reshape(x.shape)


class MaxPool2d(Function):
    """y[n, c, r, s] = max over the window (i, j) of x_pad[n, c, r·sh + i·dh, s·sw + j·dw]
    (padding with -inf); dL/dx = g added at the element each maximum came from (the
    first one in the window at a tie, as PyTorch), 0 elsewhere;
    ẏ = ẋ at the element each maximum came from
    """

    name = "max_pool2d"

    @staticmethod
    def forward(x, kernel_size, stride, padding, dilation):
        _check_pool("max_pool2d", x, kernel_size, padding)
        out = output_size("max_pool2d", x.shape[2:], kernel_size, stride, padding, dilation)
        windows = _windows(_pad(x, padding, -np.inf), kernel_size, stride, dilation, out)
        if kernel_size[0] * kernel_size[1] <= 9:  # elementwise maxima of a few slices
            y = windows[:, :, 0, 0].copy(order="K")  # in x's memory layout
            for i in range(kernel_size[0]):
                for j in range(kernel_size[1]):
                    if i or j:
                        np.maximum(y, windows[:, :, i, j], out=y)
            return y
        return windows.max(axis=(2, 3))

    @staticmethod
    def backward(ctx, grad):
        x = values(ctx.inputs[0])
        p = ctx.params
        if (isinstance(grad, np.ndarray)
                and _tiles(x.shape, p["kernel_size"], p["stride"], p["padding"], p["dilation"])):
            # windows side by side (LeNet's 2×2, stride 2): no index gathering. Under
            # create_graph (grad a Tensor) the scatter below records the ops instead.
            return _to_first_maxima(x, values(ctx.output), grad, p["kernel_size"])
        index = _argmax_positions(x, p["kernel_size"], p["stride"], p["padding"],
                                  p["dilation"])
        n, c, h, w = x.shape
        (ph, pw) = p["padding"]
        padded_shape = (n, c, h + 2 * ph, w + 2 * pw)
        spread = apply_op(ScatterAdd, grad.reshape(-1), shape=(int(np.prod(padded_shape)),),
                          index=(index.reshape(-1),))
        return spread.reshape(padded_shape)[:, :, ph:ph + h, pw:pw + w]

    @staticmethod
    def jvp(ctx, x_dot):
        p = ctx.params
        index = _argmax_positions(ctx.inputs[0], p["kernel_size"], p["stride"], p["padding"],
                                  p["dilation"])
        return _pad(x_dot, p["padding"], 0).reshape(-1)[index]


class AvgPool2d(Function):
    """y[n, c, r, s] = (1 / kh·kw) Σ_{i, j} x_pad[n, c, r·sh + i, s·sw + j] (zero padding
    counted in the mean, PyTorch's default count_include_pad=True);
    dL/dx = col2im(g / (kh·kw) copied to every element of its window);
    ẏ = avg_pool2d(ẋ) (linear)
    """

    name = "avg_pool2d"
    jvp = staticmethod(linear_jvp)

    @staticmethod
    def forward(x, kernel_size, stride, padding):
        _check_pool("avg_pool2d", x, kernel_size, padding)
        out = output_size("avg_pool2d", x.shape[2:], kernel_size, stride, padding, (1, 1))
        windows = _windows(_pad(x, padding, 0), kernel_size, stride, (1, 1), out)
        return windows.mean(axis=(2, 3))

    @staticmethod
    def backward(ctx, grad):
        n, c, h, w = ctx.input_shapes[0]
        kh, kw = ctx.params["kernel_size"]
        windows = grad.shape[2] * grad.shape[3]
        per_element = expand(grad.reshape(n, c, 1, windows), (n, c, kh * kw, windows))
        cols = (per_element * (1.0 / (kh * kw))).reshape(n, c * kh * kw, windows)
        return apply_op(Col2Im, cols, image_size=(h, w), dilation=(1, 1), **ctx.params)
