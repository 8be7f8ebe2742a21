"""Every registered op, gradient-checked in float64 on hypothesis-generated inputs.

OP_CASES maps each op name to a strategy that draws `(fn, inputs)`, where `fn`
applies the op. The suite fails when an op in the registry has no case here.
"""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu.autograd import OPS, topological_order
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck
from tinygrad_edu.ops.conv import Conv2d
from tinygrad_edu.ops.movement import ScatterAdd
from tinygrad_edu.testing import broadcastable_shapes, shapes, tensors


def grid_tensors(shape, offset: float = 0.0, unique: bool = False):
    """Tensors whose elements sit at k + offset + u, |u| <= 0.2, for integers k.

    Two such tensors with offsets 0 and 0.5 are never within 0.1 of each other,
    which keeps finite differences away from the kinks of max, min and clip.
    """
    elements = st.builds(lambda k, u: k + offset + u, st.integers(-3, 3),
                         st.floats(-0.2, 0.2, allow_nan=False))
    if unique:  # distinct values at least 0.1 apart: no ties inside a max
        elements = st.integers(-40, 40).map(lambda k: k / 10 + offset)
    return hnp.arrays(np.float64, shape, elements=elements, unique=unique).map(
        lambda a: tg.Tensor(a, requires_grad=True, dtype=np.float64))


def unary(fn, **array_options):
    return tensors(**array_options).map(lambda x: (fn, [x]))


def binary(fn, **array_options):
    pair = broadcastable_shapes(2).flatmap(
        lambda s: st.tuples(tensors(s[0], **array_options), tensors(s[1], **array_options)))
    return pair.map(lambda ab: (fn, list(ab)))


def selection(fn):
    pair = broadcastable_shapes(2).flatmap(
        lambda s: st.tuples(grid_tensors(s[0]), grid_tensors(s[1], offset=0.5)))
    return pair.map(lambda ab: (fn, list(ab)))


def axis_options(ndim: int):
    """None, every single axis (also negative), and every tuple of axes."""
    singles = [st.integers(-ndim, ndim - 1)] if ndim else []
    subsets = st.lists(st.integers(0, ndim - 1), unique=True).map(tuple) if ndim else st.just(())
    return st.one_of(st.none(), *singles, subsets)


def reduction(method: str, unique: bool):
    def build(x, axis, keepdims):
        return (lambda t: getattr(t, method)(axis=axis, keepdims=keepdims), [x])

    def draw(shape):
        values = grid_tensors(shape, unique=True) if unique else tensors(shape)
        return st.tuples(values, axis_options(len(shape)), st.booleans())

    return shapes(max_side=3).flatmap(draw).map(lambda args: build(*args))


def reshape_case():
    def targets(x):
        return st.sampled_from([(x.size,), (1, x.size), tuple(reversed(x.shape)), (-1,)])

    return tensors().flatmap(lambda x: targets(x).map(
        lambda target: (lambda t: t.reshape(*target), [x])))


def transpose_case():
    return tensors(shapes(min_dims=1)).flatmap(lambda x: st.permutations(range(x.ndim)).map(
        lambda axes: (lambda t: t.transpose(*axes), [x])))


def expand_case():
    def build(small, other):
        target = np.broadcast_shapes(small, other)
        return tensors(small).map(lambda x: (lambda t: t.expand(*target), [x]))

    return broadcastable_shapes(2).flatmap(lambda s: build(*s))


GETITEM_INDICES = [
    (slice(1, None),),
    (slice(None, None, -2), 1),
    (Ellipsis, 0),
    (np.array([0, 2, 2, 0]),),  # repeated indices: their gradients add up
    (np.array([1, 0]), np.array([2, 2])),
    (np.array([[True, False, True], [False, True, True], [True, True, False]]),),
    (None, slice(0, 2)),
]


def getitem_case():
    return st.tuples(tensors((3, 3)), st.sampled_from(GETITEM_INDICES)).map(
        lambda xi: (lambda t: t[xi[1]], [xi[0]]))


def scatter_add_case():
    index = np.array([0, 2, 2, 5])
    return tensors((4, 2)).map(
        lambda x: (lambda t: ScatterAdd.apply(t, shape=(6, 2), index=index), [x]))


def concatenate_case():
    def build(shape, axis, sizes):
        parts = []
        for n in sizes:
            s = list(shape)
            s[axis] = n
            parts.append(tensors(tuple(s)))
        return st.tuples(*parts).map(lambda ts: (lambda *t: tg.concatenate(t, axis), list(ts)))

    return shapes(min_dims=1).flatmap(lambda s: st.tuples(
        st.just(s), st.integers(0, len(s) - 1), st.lists(st.integers(1, 3), min_size=1,
                                                          max_size=3))).flatmap(
        lambda args: build(*args))


MATMUL_SHAPES = [  # a's gradient g bᵀ is computed as (b gᵀ)ᵀ when a has fewer rows than columns
    ((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)),
    ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((4,), (2, 4, 3)), ((2, 3, 4), (4,)),
    ((5, 2), (2, 3)), ((2, 4, 3), (3,)), ((3, 1, 4, 2), (2, 2, 3)),  # as many rows or more
]


def matmul_case():
    return st.sampled_from(MATMUL_SHAPES).flatmap(
        lambda s: st.tuples(tensors(s[0]), tensors(s[1]))).map(
        lambda ab: (lambda a, b: a @ b, list(ab)))


def where_case():
    def build(shapes3):
        cond_shape, a_shape, b_shape = shapes3
        condition = hnp.arrays(np.bool_, cond_shape).map(tg.Tensor)
        return st.tuples(condition, tensors(a_shape), tensors(b_shape)).map(
            lambda cab: (lambda a, b: tg.where(cab[0], a, b), [cab[1], cab[2]]))

    return broadcastable_shapes(3).flatmap(build)


def clip_case():
    bounds = st.sampled_from([(-1.0, 1.0), (None, 0.0), (0.0, None)])
    # elements at k + 0.5 + u stay at least 0.3 from the integer bounds
    return st.tuples(grid_tensors(shapes(), offset=0.5), bounds).map(
        lambda xb: (lambda t: t.clip(*xb[1]), [xb[0]]))


def pow_case():
    """Constant exponents (a number or an array) on positive bases, both sides as
    tensors on positive bases, and whole-number exponents on bases of any sign."""
    numbers = st.sampled_from([0, 1, 2, 3, 0.5, -1.5, 2.5, np.array([1.0, 2.0, 0.0])])
    constant_exponent = st.tuples(tensors((3,), min_value=0.3, max_value=3.0), numbers).map(
        lambda xp: (lambda t: t ** xp[1], [xp[0]]))
    both_tensors = broadcastable_shapes(2).flatmap(lambda s: st.tuples(
        tensors(s[0], min_value=0.3, max_value=3.0), tensors(s[1], min_value=-2.0,
                                                             max_value=2.0)))
    tensor_exponent = both_tensors.map(lambda ab: (lambda a, b: a ** b, list(ab)))
    whole = hnp.arrays(np.float64, 3, elements=st.integers(-2, 3).map(float))
    signed_base = st.tuples(tensors((3,), min_magnitude=0.3), whole).map(
        lambda xp: (lambda t: t ** tg.Tensor(xp[1], dtype=np.float64), [xp[0]]))
    return st.one_of(constant_exponent, tensor_exponent, signed_base)


LINEAR_SHAPES = [((5, 3), (4, 3)), ((3,), (4, 3)), ((2, 5, 3), (4, 3))]


def linear_case():
    def build(x_shape, w_shape, with_bias):
        parts = [tensors(x_shape), tensors(w_shape)] + ([tensors(w_shape[:1])] if with_bias else [])
        return st.tuples(*parts).map(lambda ts: (F.linear, list(ts)))

    return st.tuples(st.sampled_from(LINEAR_SHAPES), st.booleans()).flatmap(
        lambda args: build(*args[0], args[1]))


def log_softmax_case():
    return tensors(shapes(min_dims=1)).flatmap(lambda x: st.integers(-x.ndim, x.ndim - 1).map(
        lambda axis: (lambda t: t.log_softmax(axis), [x])))


def nll_loss_case():
    def build(x, reduction):
        rows, classes = x.shape
        target = hnp.arrays(np.int64, rows, elements=st.integers(0, classes - 1))
        return target.map(lambda t: (lambda x: F.nll_loss(x, t, reduction=reduction), [x]))

    return st.tuples(tensors(shapes(min_dims=2, max_dims=2)),
                     st.sampled_from(F.REDUCTIONS)).flatmap(lambda args: build(*args))


def binary_cross_entropy_case():
    """Probabilities away from 0 and 1, targets anywhere in [0, 1]; both get gradients."""
    def build(shape):
        return st.tuples(tensors(shape, min_value=0.05, max_value=0.95),
                         tensors(shape, min_value=0.0, max_value=1.0))

    return shapes().flatmap(build).map(lambda pt: (F.binary_cross_entropy, list(pt)))


def cast_case():
    # float64 -> longdouble -> float64 loses nothing, so finite differences stay exact
    return unary(lambda x: x.astype(np.longdouble).astype(np.float64))


# ------------------------------------------ convolution, pooling, everyday ops (issue 18)


def unique_tensors(shape):
    """Tensors with distinct elements at least 0.01 apart: no ties inside a max."""
    values = st.integers(-500, 500).map(lambda k: k / 100)
    return hnp.arrays(np.float64, shape, elements=values, unique=True).map(
        lambda a: tg.Tensor(a, requires_grad=True, dtype=np.float64))


@st.composite
def windows(draw, with_dilation=True, pooling=False):
    """A kernel, stride, padding and dilation, and an image size they fit."""
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if with_dilation else (1, 1)
    padding = tuple(draw(st.integers(0, k // 2 if pooling else 1)) for k in kernel)
    size = tuple(max(1, d * (k - 1) + 1 - 2 * p) + draw(st.integers(0, 2))
                 for k, p, d in zip(kernel, padding, dilation))
    return {"kernel": kernel, "stride": stride, "padding": padding, "dilation": dilation,
            "size": size}


@st.composite
def conv2d_case(draw):
    w = draw(windows())
    groups, per_group, out_per_group = (draw(st.integers(1, 2)) for _ in range(3))
    n = draw(st.integers(1, 2))
    x = draw(tensors((n, groups * per_group, *w["size"])))
    weight = draw(tensors((groups * out_per_group, per_group, *w["kernel"])))
    bias = [draw(tensors((groups * out_per_group,)))] if draw(st.booleans()) else []

    def fn(x, weight, *bias):  # the op itself: F.conv2d is im2col and matmul
        return Conv2d.apply(x, weight, *bias, stride=w["stride"], padding=w["padding"],
                            dilation=w["dilation"], groups=groups)

    return fn, [x, weight, *bias]


@st.composite
def im2col_case(draw):
    w = draw(windows())
    x = draw(tensors((draw(st.integers(1, 2)), draw(st.integers(1, 2)), *w["size"])))
    return (lambda t: F.unfold(t, w["kernel"], w["dilation"], w["padding"], w["stride"]), [x])


@st.composite
def col2im_case(draw):
    w = draw(windows())
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    columns = F.unfold(tg.zeros(n, c, *w["size"]), w["kernel"], w["dilation"], w["padding"],
                       w["stride"]).shape
    cols = draw(tensors(columns))
    return (lambda t: F.fold(t, w["size"], w["kernel"], w["dilation"], w["padding"],
                             w["stride"]), [cols])


@st.composite
def pool_case(draw, op):
    w = draw(windows(with_dilation=op == "max", pooling=True))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), *w["size"])
    if op == "max":
        x = draw(unique_tensors(shape))

        def pool(t):
            return F.max_pool2d(t, w["kernel"], w["stride"], w["padding"], w["dilation"])

        # a dilated window can fall wholly on the padding: its max is -inf, as in
        # PyTorch, and finite differences there are inf - inf
        assume(np.isfinite(pool(x).data).all())
        return (pool, [x])
    x = draw(tensors(shape))
    return (lambda t: F.avg_pool2d(t, w["kernel"], w["stride"], w["padding"]), [x])


@st.composite
def pad_case(draw):
    x = draw(tensors(shapes(min_dims=1)))
    widths = draw(st.lists(st.integers(-1, 2), min_size=2, max_size=2 * x.ndim).filter(
        lambda w: len(w) % 2 == 0 and any(v > 0 for v in w)))
    widths = [max(v, -((n - 1) // 2)) for v, n in zip(widths, np.repeat(x.shape[::-1], 2))]
    value = draw(st.sampled_from([0.0, -1.5]))
    return (lambda t: F.pad(t, widths, value=value), [x])


@st.composite
def cumsum_case(draw):
    x = draw(tensors(shapes(min_dims=1)))
    axis = draw(st.integers(-x.ndim, x.ndim - 1))
    return (lambda t: t.cumsum(axis), [x])


@st.composite
def prod_case(draw):
    x = draw(tensors(shapes(max_side=3), min_magnitude=0.3, min_value=-2, max_value=2))
    axis, keepdims = draw(axis_options(x.ndim)), draw(st.booleans())
    return (lambda t: t.prod(axis, keepdims), [x])


@st.composite
def along_axis_index(draw, shape):
    """An axis, and an index along it that is no longer than `shape` on the other axes."""
    axis = draw(st.integers(0, len(shape) - 1))
    index_shape = tuple(draw(st.integers(1, 4)) if d == axis else draw(st.integers(1, n))
                        for d, n in enumerate(shape))
    index = draw(hnp.arrays(np.int64, index_shape, elements=st.integers(0, shape[axis] - 1)))
    return axis, index


@st.composite
def gather_case(draw):
    x = draw(tensors(shapes(min_dims=1)))
    axis, index = draw(along_axis_index(x.shape))
    return (lambda t: t.gather(axis, index), [x])


@st.composite
def scatter_add_along_axis_case(draw):
    x = draw(tensors(shapes(min_dims=1)))
    axis, index = draw(along_axis_index(x.shape))
    src_shape = tuple(i + draw(st.integers(0, 1)) for i in index.shape)
    src = draw(tensors(src_shape))
    return (lambda t, s: t.scatter_add(axis, index, s), [x, src])


EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("ij->ji", [(2, 3)]), ("ij->i", [(2, 3)]), ("i,i->", [(3,), (3,)]), ("i,j->ij", [(2,), (3,)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (3, 3, 2)]), ("ij,ij->ij", [(1, 3), (2, 3)]),
    ("abc,cd,de->abe", [(2, 2, 3), (3, 2), (2, 2)]), ("ij,jk", [(2, 3), (3, 2)]),
]


def einsum_case():
    return st.sampled_from(EINSUM_CASES).flatmap(lambda case: st.tuples(
        *(tensors(s) for s in case[1])).map(
        lambda ts: (lambda *t: tg.einsum(case[0], *t), list(ts))))


@st.composite
def remainder_case(draw):
    """Pairs whose quotient a / b stays at least 0.05 away from an integer, where the
    remainder jumps."""
    n = draw(st.integers(1, 4))
    b = draw(hnp.arrays(np.float64, n, elements=st.floats(0.5, 2.0) | st.floats(-2.0, -0.5)))
    q = draw(hnp.arrays(np.float64, n, elements=st.integers(-2, 2).flatmap(
        lambda k: st.floats(k + 0.05, k + 0.95))))
    a = tg.Tensor(q * b, requires_grad=True, dtype=np.float64)
    return (lambda x, y: x % y, [a, tg.Tensor(b, requires_grad=True, dtype=np.float64)])


OP_CASES = {
    "add": binary(lambda a, b: a + b),
    "sub": binary(lambda a, b: a - b),
    "mul": binary(lambda a, b: a * b),
    "div": binary(lambda a, b: a / b, min_magnitude=0.5),
    "neg": unary(lambda x: -x),
    "clone": unary(lambda x: x.clone()),
    "pow": pow_case(),
    "exp": unary(lambda x: x.exp()),
    "log": unary(lambda x: x.log(), min_value=0.1),
    "sqrt": unary(lambda x: x.sqrt(), min_value=0.1),
    "abs": unary(lambda x: x.abs(), min_magnitude=0.1),
    "relu": unary(lambda x: x.relu(), min_magnitude=0.1),
    "sigmoid": unary(lambda x: x.sigmoid(), min_value=-8, max_value=8),
    "tanh": unary(lambda x: x.tanh()),
    "softplus": unary(F.softplus),
    "binary_cross_entropy": binary_cross_entropy_case(),
    "maximum": selection(tg.maximum),
    "minimum": selection(tg.minimum),
    "where": where_case(),
    "clip": clip_case(),
    "cast": cast_case(),
    "sum": reduction("sum", unique=False),
    "max": reduction("max", unique=True),
    "min": reduction("min", unique=True),
    "reshape": reshape_case(),
    "transpose": transpose_case(),
    "expand": expand_case(),
    "getitem": getitem_case(),
    "scatter_add": scatter_add_case(),
    "concatenate": concatenate_case(),
    "matmul": matmul_case(),
    "log_softmax": log_softmax_case(),
    "linear": linear_case(),
    "nll_loss": nll_loss_case(),
    "conv2d": conv2d_case(),
    "im2col": im2col_case(),
    "col2im": col2im_case(),
    "max_pool2d": pool_case("max"),
    "avg_pool2d": pool_case("avg"),
    "pad": pad_case(),
    "cumsum": cumsum_case(),
    "prod": prod_case(),
    "gather": gather_case(),
    "scatter_add_along_axis": scatter_add_along_axis_case(),
    "einsum": einsum_case(),
    "sin": unary(lambda x: x.sin()),
    "cos": unary(lambda x: x.cos()),
    "erf": unary(lambda x: x.erf()),
    "sign": unary(lambda x: x.sign(), min_magnitude=0.1),
    "remainder": remainder_case(),
}

# gradgradcheck runs for every registered op except these, each with its reason.
NOT_TWICE_DIFFERENTIABLE: dict[str, str] = {}


def test_every_registered_op_has_a_gradient_case():
    assert set(OPS) == set(OP_CASES), (
        f"ops without a gradient case: {sorted(set(OPS) - set(OP_CASES))}; "
        f"cases without an op: {sorted(set(OP_CASES) - set(OPS))}"
    )


def ops_used(fn, inputs) -> set[str]:
    return {t.op for t in topological_order([fn(*inputs)]) if t.op is not None}


@pytest.mark.parametrize("op", sorted(OP_CASES))
@given(data=st.data())
def test_op_passes_gradcheck(op, data):
    fn, inputs = data.draw(OP_CASES[op])
    assert op in ops_used(fn, inputs), f"the case for {op} does not apply {op}"
    assert gradcheck(fn, inputs)


@pytest.mark.parametrize("op", sorted(set(OP_CASES) - set(NOT_TWICE_DIFFERENTIABLE)))
@settings(max_examples=8)
@given(data=st.data())
def test_op_passes_gradgradcheck(op, data):
    fn, inputs = data.draw(OP_CASES[op])
    assert gradgradcheck(fn, inputs)


@pytest.mark.parametrize("op", sorted(OP_CASES))
@settings(max_examples=5)
@given(data=st.data())
def test_fast_mode_agrees_with_full_mode(op, data):
    fn, inputs = data.draw(OP_CASES[op])
    assert gradcheck(fn, inputs, fast_mode=True)


@pytest.mark.parametrize("op", sorted(OP_CASES))
@settings(max_examples=10)
@given(data=st.data())
def test_rule_gives_the_same_gradient_on_arrays_and_on_tensors(op, data):
    """A plain backward runs the rule on arrays and create_graph=True runs it on
    Tensors: one rule, two kinds of values, the same numbers."""
    fn, inputs = data.draw(OP_CASES[op])
    output = fn(*inputs)
    weights = tg.Tensor(np.random.default_rng(0).standard_normal(output.shape), dtype=np.float64)
    on_arrays = tg.grad(output, inputs, weights, retain_graph=True, allow_unused=True)
    on_tensors = tg.grad(output, inputs, weights, create_graph=True, allow_unused=True)
    for plain, recorded in zip(on_arrays, on_tensors):
        assert not plain.requires_grad
        np.testing.assert_allclose(recorded.data, plain.data, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("a_shape, b_shape", MATMUL_SHAPES)
def test_matmul_gradients_of_every_listed_shape_pass_gradcheck(a_shape, b_shape):
    """Every shape once, so both ways of computing a's gradient (g bᵀ, and (b gᵀ)ᵀ when a
    has fewer rows than columns) run, twice differentiated too."""
    rng = np.random.default_rng(0)
    a, b = (tg.Tensor(rng.standard_normal(s), requires_grad=True, dtype=np.float64)
            for s in (a_shape, b_shape))
    assert gradcheck(lambda a, b: a @ b, [a, b]) and gradgradcheck(lambda a, b: a @ b, [a, b])
