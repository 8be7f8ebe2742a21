"""Convolution, pooling and padding: values and gradients against PyTorch, second
derivatives, a composite conv2d equal to the op, the layers, and clear errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu import nn
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck
from tinygrad_edu.testing import assert_close

CONV_SETTINGS = [  # (N, C, H, W, O, kernel, stride, padding, dilation, groups)
    (2, 4, 7, 6, 6, 3, 2, 1, 2, 2),
    (1, 1, 5, 5, 2, 2, 1, 0, 1, 1),
    (2, 6, 9, 8, 3, (3, 2), (1, 2), (2, 0), 1, 3),
    (3, 2, 6, 6, 4, 1, 3, 0, 1, 2),
]


def tensor(array, requires_grad=True):
    return tg.Tensor(array, requires_grad=requires_grad, dtype=array.dtype)


def random(*shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def composite_conv2d(x, weight, bias=None, stride=1, padding=0):
    """conv2d from getitem and matmul only: for each kernel offset (i, j), the strided
    slice of the padded input times that offset's weights, summed. No new rule."""
    n, c, h, w = x.shape
    out_channels, _, kh, kw = weight.shape
    x = F.pad(x, (padding, padding, padding, padding))
    oh, ow = (h + 2 * padding - kh) // stride + 1, (w + 2 * padding - kw) // stride + 1
    total = None
    for i in range(kh):
        for j in range(kw):
            patch = x[:, :, i:i + stride * (oh - 1) + 1:stride, j:j + stride * (ow - 1) + 1:stride]
            term = (weight[:, :, i, j] @ patch.reshape(n, c, oh * ow)).reshape(n, out_channels,
                                                                               oh, ow)
            total = term if total is None else total + term
    return total if bias is None else total + bias.reshape(1, -1, 1, 1)


def test_a_composite_of_getitem_and_matmul_equals_the_op_in_value_and_gradient():
    x, w, b = tensor(random(2, 3, 7, 6)), tensor(random(4, 3, 3, 2, seed=1)), tensor(random(4))
    op = F.conv2d(x, w, b, stride=2, padding=1)
    composite = composite_conv2d(x, w, b, stride=2, padding=1)
    assert_close(composite, op.data, atol=1e-12, rtol=1e-12)
    assert "conv2d" not in {t.op for t in tg.autograd.topological_order([composite])}
    weights = random(*op.shape, seed=2)
    by_op = tg.grad(op, [x, w, b], weights)
    by_composite = tg.grad(composite, [x, w, b], weights)
    for a, e in zip(by_composite, by_op):
        assert_close(a, e.data, atol=1e-12, rtol=1e-12)


@pytest.mark.parametrize("case", CONV_SETTINGS)
def test_conv2d_matches_torch_in_value_and_gradient(case):
    torch = pytest.importorskip("torch")
    n, c, h, w, o, kernel, stride, padding, dilation, groups = case
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    arrays = [random(n, c, h, w), random(o, c // groups, kh, kw, seed=1), random(o, seed=2)]
    ours = [tensor(a) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    y = F.conv2d(*ours, **options)
    expected = torch.nn.functional.conv2d(*theirs, **options)
    assert_matches_torch(y, expected, ours, theirs, seed=3)


def assert_matches_torch(y, expected, ours, theirs, seed):
    """y equals PyTorch's `expected`, and so do the gradients of the inputs for one
    random upstream gradient (float64, to 1e-12)."""
    import torch

    assert_close(y, expected.detach().numpy(), atol=1e-12)
    weights = random(*y.shape, seed=seed)
    y.backward(weights)
    expected.backward(torch.tensor(weights))
    for a, t in zip(ours, theirs):
        assert_close(a.grad, t.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("options", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                     dict(kernel_size=(3, 2), stride=1, padding=(1, 0)),
                                     dict(kernel_size=(1, 2)), dict(kernel_size=(7, 3))])
def test_pooling_matches_torch_including_ties(options):
    """The last two tile the 7×6 image exactly: max-pool's backward then takes a mask."""
    torch = pytest.importorskip("torch")
    # integers: many ties inside a window; PyTorch sends the gradient to the first maximum
    x = np.random.default_rng(0).integers(0, 3, (2, 3, 7, 6)).astype(np.float32)
    weights = random(1, dtype=np.float32)  # shape fixed below
    for ours_fn, torch_fn in ((F.max_pool2d, torch.nn.functional.max_pool2d),
                              (F.avg_pool2d, torch.nn.functional.avg_pool2d)):
        ours, theirs = tensor(x), torch.tensor(x, requires_grad=True)
        y, expected = ours_fn(ours, **options), torch_fn(theirs, **options)
        assert y.dtype == np.float32
        assert_close(y, expected.detach().numpy())
        weights = random(*y.shape, dtype=np.float32, seed=1)
        y.backward(weights)
        expected.backward(torch.tensor(weights))
        assert_close(ours.grad, theirs.grad.numpy())


def test_conv_relu_max_pool_flatten_matches_torch_including_ties():
    """LeNet's chain. The conv stores its output batch innermost, so the pool's mask is
    built in that layout while the gradient comes back from the flatten image by image;
    integer data gives many ties (and ReLU zeros), where the first maximum takes it all."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    arrays = [rng.integers(-1, 2, (3, 2, 10, 10)).astype(np.float64),
              rng.integers(-1, 2, (4, 2, 3, 3)).astype(np.float64), np.zeros(4)]
    head = random(4 * 5 * 5, 5, seed=1)
    ours = [tensor(a) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y = F.max_pool2d(F.relu(F.conv2d(*ours, padding=1)), 2).reshape(3, -1) @ tg.Tensor(head)
    expected = (torch.nn.functional.max_pool2d(torch.relu(torch.nn.functional.conv2d(
        *theirs, padding=1)), 2).reshape(3, -1) @ torch.tensor(head))
    assert_matches_torch(y, expected, ours, theirs, seed=2)


def test_conv2d_of_an_input_without_grad_records_no_im2col():
    """LeNet's first layer: the images need no gradient, so no col2im runs for them."""
    x, w = tensor(random(2, 1, 6, 6), requires_grad=False), tensor(random(3, 1, 3, 3, seed=1))
    y = F.conv2d(x, w, padding=1)
    assert "im2col" not in {t.op for t in tg.autograd.topological_order([y])}
    y.sum().backward()
    assert x.grad is None and w.grad.shape == w.shape


def test_max_pool2d_over_tiles_has_second_derivatives():
    """Windows that tile the image (2×2, stride 2): the rule runs on arrays in an ordinary
    backward and records the scatter under create_graph, so it differentiates again."""
    x = tensor(random(2, 2, 4, 6))
    assert gradcheck(lambda t: F.max_pool2d(t, 2), [x])
    assert gradgradcheck(lambda t: F.max_pool2d(t * t, 2).tanh(), [x])


def test_max_pool2d_over_tiles_gives_the_same_gradient_on_arrays_and_on_tensors_at_ties():
    """The ordinary backward multiplies into place, create_graph scatters: with many ties
    both must send each tile's gradient to its first maximum only."""
    x = tensor(np.random.default_rng(0).integers(-1, 2, (2, 3, 4, 6)).astype(np.float64))
    y = F.max_pool2d(x, 2)
    weights = tensor(random(*y.shape, seed=1))  # requires grad: the scatter is recorded
    (plain,) = tg.grad(y, [x], weights.detach(), retain_graph=True)
    (recorded,) = tg.grad(y, [x], weights, create_graph=True)
    assert recorded.requires_grad and not plain.requires_grad
    assert_close(plain, recorded.data, atol=0, rtol=0)
    tiles = plain.numpy().reshape(2, 3, 2, 2, 3, 2)
    assert (np.count_nonzero(tiles, axis=(3, 5)) <= 1).all()


@pytest.mark.parametrize("pad, mode", [((1, 2), "constant"), ((1, 2, 0, 3), "reflect"),
                                       ((2, 1, 1, 1), "replicate"), ((1, 1, 2, -1), "circular"),
                                       ((-1, 2), "constant"), ((0, 1, 1, 0, 2, 0), "constant")])
def test_pad_matches_torch_in_value_and_gradient(pad, mode):
    torch = pytest.importorskip("torch")
    x = random(2, 3, 4, 5)
    ours, theirs = tensor(x), torch.tensor(x, requires_grad=True)
    y = F.pad(ours, pad, mode=mode, value=0.5) if mode == "constant" else F.pad(ours, pad, mode)
    expected = (torch.nn.functional.pad(theirs, pad, mode=mode, value=0.5) if mode == "constant"
                else torch.nn.functional.pad(theirs, pad, mode=mode))
    assert_close(y, expected.detach().numpy(), atol=0)
    weights = random(*y.shape, seed=1)
    y.backward(weights)
    expected.backward(torch.tensor(weights))
    assert_close(ours.grad, theirs.grad.numpy(), atol=1e-12)


def test_unfold_and_fold_match_torch():
    torch = pytest.importorskip("torch")
    x = random(2, 3, 6, 5)
    options = dict(kernel_size=(2, 3), dilation=(2, 1), padding=1, stride=(1, 2))
    cols = F.unfold(tensor(x), **options)
    expected = torch.nn.functional.unfold(torch.tensor(x), **options)
    assert_close(cols, expected.numpy(), atol=0)
    back = F.fold(cols, (6, 5), **options)
    assert_close(back, torch.nn.functional.fold(expected, (6, 5), **options).numpy(), atol=1e-12)


@settings(max_examples=5)
@given(st.sampled_from(CONV_SETTINGS[:2]))
def test_conv2d_has_second_derivatives_through_its_own_rule(case):
    """The backward is written with im2col, col2im and matmul, so it differentiates again."""
    n, c, h, w, o, kernel, stride, padding, dilation, groups = case
    x, weight = tensor(random(1, c, 5, 5)), tensor(random(o, c // groups, 2, 2, seed=1))

    def fn(x, weight):
        return F.conv2d(x, weight, stride=stride, padding=padding, groups=groups).tanh()

    assert gradcheck(fn, [x, weight]) and gradgradcheck(fn, [x, weight])


def test_float32_in_float32_out_and_int_images_become_float32():
    x = tg.Tensor(np.ones((1, 1, 4, 4), np.int64))
    w = tg.ones(2, 1, 3, 3)
    assert F.conv2d(x, w).dtype == np.float32
    assert F.avg_pool2d(x, 2).dtype == np.float32
    assert F.conv2d(x.astype(np.float64), w.astype(np.float64)).dtype == np.float64


def test_errors_name_the_op_and_the_shapes():
    x = tg.zeros(2, 3, 8, 8)
    with pytest.raises(ValueError, match=r"conv2d: input of shape \(2, 3, 8, 8\) has 3 channels, "
                                         r"but weight of shape \(4, 2, 3, 3\) with groups=1 "
                                         r"expects 2"):
        F.conv2d(x, tg.zeros(4, 2, 3, 3))
    with pytest.raises(ValueError, match=r"conv2d: an input of size 8×8 .* smaller than the "
                                         r"kernel 9×9"):
        F.conv2d(x, tg.zeros(4, 3, 9, 9))
    with pytest.raises(ValueError, match=r"conv2d: expected a 4-D input"):
        F.conv2d(tg.zeros(3, 8, 8), tg.zeros(4, 3, 3, 3))
    with pytest.raises(ValueError, match=r"conv2d: bias of shape \(3,\)"):
        F.conv2d(x, tg.zeros(4, 3, 3, 3), tg.zeros(3))
    with pytest.raises(ValueError, match=r"max_pool2d: padding \(2, 2\) must be at most half"):
        F.max_pool2d(x, 2, padding=2)
    with pytest.raises(ValueError, match=r"Conv2d\(3→6\): expected input of shape \(N, 3, H, W\)"):
        nn.Conv2d(3, 6, 3)(tg.zeros(1, 4, 8, 8))
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 6, 3, groups=2)


def test_conv2d_layer_repr_label_shapes_and_initialisation():
    tg.manual_seed(0)
    layer = nn.Conv2d(1, 6, 5, padding=2)
    assert repr(layer) == "Conv2d(1→6, 5×5, padding=2)"
    assert layer.label == "Conv2d(1→6, 5×5)"
    assert repr(nn.Conv2d(4, 8, (3, 1), stride=2, groups=2, bias=False)) == (
        "Conv2d(4→8, 3×1, stride=2, groups=2, bias=False)")
    assert layer.weight.shape == (6, 1, 5, 5) and layer.bias.shape == (6,)
    bound = 1 / np.sqrt(25)  # kaiming_uniform_(a=√5) and the bias both give U(±1/√fan_in)
    assert np.abs(layer.weight.data).max() <= bound and np.abs(layer.bias.data).max() <= bound
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
    assert layer(tg.zeros(3, 1, 28, 28)).shape == (3, 6, 28, 28)


def test_pooling_layers():
    x = tg.Tensor(np.arange(32, dtype=np.float32).reshape(1, 2, 4, 4))
    assert_close(nn.MaxPool2d(2)(x), np.array([[[[5, 7], [13, 15]], [[21, 23], [29, 31]]]]))
    assert_close(nn.AvgPool2d(2)(x)[0, 0], np.array([[2.5, 4.5], [10.5, 12.5]]))
    assert repr(nn.MaxPool2d(3, 1, 1)) == "MaxPool2d(kernel_size=3, stride=1, padding=1)"


def test_batchnorm2d_matches_torch_in_train_and_eval_with_the_same_state_dict():
    torch = pytest.importorskip("torch")
    x = random(4, 3, 5, 5, dtype=np.float32)
    ours, theirs = nn.BatchNorm2d(3), torch.nn.BatchNorm2d(3)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for _ in range(2):
        y = ours(tg.Tensor(x))
        expected = theirs(torch.tensor(x))
        assert_close(y, expected.detach().numpy(), atol=1e-5)
    for key, value in theirs.state_dict().items():
        assert_close(ours.state_dict()[key], value.numpy(), atol=1e-6)
    ours.eval()
    theirs.eval()
    assert_close(ours(tg.Tensor(x)), theirs(torch.tensor(x)).detach().numpy(), atol=1e-5)
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected input of shape \(N, 3, H, W\)"):
        ours(tg.zeros(4, 3))
