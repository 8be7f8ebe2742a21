"""Module: registration by attribute, walking the tree, state dicts, modes, repr."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = tg.Tensor([2.0], requires_grad=True)
        self.fc = nn.Linear(3, 2)
        self.register_buffer("count", tg.Tensor(np.array(0, np.int64)))
        self.note = "not a parameter"

    def forward(self, x):
        return self.fc(x) * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(2, 1))

    def forward(self, x):
        return self.head(self.block(x))


def test_parameters_buffers_and_children_are_registered_by_assignment():
    net = Net()
    assert [name for name, _ in net.named_parameters()] == [
        "block.scale", "block.fc.weight", "block.fc.bias", "head.1.weight", "head.1.bias"]
    assert [name for name, _ in net.named_buffers()] == ["block.count"]
    assert [name for name, _ in net.named_modules()] == [
        "", "block", "block.fc", "head", "head.0", "head.1"]
    assert list(net.children()) == [net.block, net.head]
    assert net.block.note == "not a parameter"
    assert len(list(net.parameters())) == 5


def test_state_dict_has_parameters_then_buffers_per_module_in_pytorch_order():
    net = Net()
    assert list(net.state_dict()) == ["block.scale", "block.count", "block.fc.weight",
                                      "block.fc.bias", "head.1.weight", "head.1.bias"]
    # The values share memory with the module, as in PyTorch.
    assert np.shares_memory(net.state_dict()["block.fc.weight"].data, net.block.fc.weight.data)


def test_reassigning_an_attribute_moves_it_between_kinds():
    block = Block()
    with pytest.raises(TypeError, match="cannot assign float as parameter 'scale'"):
        block.scale = 3.0  # as in PyTorch: a parameter is replaced only by a parameter
    del block.scale
    block.scale = 3.0  # a plain number once the parameter is gone
    assert "scale" not in dict(block.named_parameters()) and block.scale == 3.0
    identity = nn.Identity()
    block.fc = identity  # a different child
    assert dict(block.named_parameters()) == {} and block.fc is identity
    new_count = tg.Tensor(np.array(5, np.int64))
    block.count = new_count  # re-assigning a buffer keeps it a buffer
    assert dict(block.named_buffers())["count"] is new_count and block.count is new_count
    weight = tg.Tensor(np.ones(2), requires_grad=True)
    block.scale = weight  # a plain attribute becomes a parameter again
    assert dict(block.named_parameters()) == {"scale": weight} and block.scale is weight
    del block.fc
    assert list(block.children()) == [] and not hasattr(block, "fc")


def test_a_shared_parameter_is_listed_once():
    layer = nn.Linear(2, 2)
    seq = nn.Sequential(layer, nn.ReLU(), layer)
    assert len(list(seq.parameters())) == 2
    assert [name for name, _ in seq.named_modules()] == ["", "0", "1"]


def test_attribute_assignment_before_super_init_is_a_clear_error():
    class Broken(nn.Module):
        def __init__(self):
            self.w = tg.Tensor([1.0], requires_grad=True)

    with pytest.raises(AttributeError, match=r"Broken: call super\(\).__init__\(\)"):
        Broken()


def test_missing_attribute_names_the_class():
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'nothing'"):
        Net().nothing  # noqa: B018


def test_train_and_eval_are_recursive_and_return_self():
    net = Net()
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_zero_grad_clears_every_parameter_gradient():
    net = Net()
    net(tg.randn(4, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_calling_a_module_tags_its_ops_with_the_innermost_module():
    net = Net()
    x = tg.randn(4, 3, requires_grad=True)
    y = net(x)
    assert y._module is net.head[1]  # the last op is Linear's "+ bias"
    hidden = net.block(x)
    assert hidden._module is net.block  # "* scale" belongs to Block itself
    assert hidden._parents[0]._module is net.block.fc
    assert (x * 2)._module is None  # outside any module


def test_a_forward_that_raises_leaves_no_module_tag_behind():
    net = Net()
    with pytest.raises(ValueError, match="Linear: input of shape"):
        net(tg.randn(4, 5))  # Block's Linear expects 3 features
    x = tg.randn(4, 3, requires_grad=True)
    assert (x * 2)._module is None


def test_forward_must_be_defined():
    with pytest.raises(NotImplementedError, match="Module must define forward"):
        nn.Module()(tg.ones(1))


def test_repr_is_nested_like_pytorch():
    model = nn.Sequential(nn.Linear(784, 30), nn.ReLU(),
                          nn.Sequential(nn.Linear(30, 10, bias=False), nn.Dropout(0.2)))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=784, out_features=30, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (0): Linear(in_features=30, out_features=10, bias=False)\n"
        "    (1): Dropout(p=0.2)\n"
        "  )\n"
        ")"
    )


# ------------------------------------------------------------------ load_state_dict


def _snapshot(module):
    return {k: v.numpy().copy() for k, v in module.state_dict().items()}


def _assert_unchanged(module, before):
    after = _snapshot(module)
    assert after.keys() == before.keys()
    for key in before:
        np.testing.assert_array_equal(after[key], before[key])


def test_load_state_dict_copies_values_into_the_same_arrays():
    source, target = Net(), Net()
    weight = target.block.fc.weight
    target.load_state_dict(source.state_dict())
    assert target.block.fc.weight is weight  # an optimizer holding it keeps working
    for key, value in source.state_dict().items():
        np.testing.assert_array_equal(target.state_dict()[key].numpy(), value.numpy())


def test_load_state_dict_accepts_numpy_arrays_and_casts_to_the_parameter_dtype():
    net = Net()
    state = {k: v.numpy().astype(np.float64) + 1 for k, v in net.state_dict().items()}
    net.load_state_dict(state)
    assert net.block.fc.weight.dtype == np.float32
    np.testing.assert_allclose(net.block.fc.weight.numpy(), state["block.fc.weight"], rtol=1e-6)


def test_wrong_keys_are_listed_and_nothing_is_loaded():
    net = Net()
    before = _snapshot(net)
    state = {k: v.numpy() + 1 for k, v in Net().state_dict().items()}
    del state["head.1.bias"]
    state["head.2.weight"] = np.zeros((1, 2))
    with pytest.raises(RuntimeError) as error:
        net.load_state_dict(state)
    message = str(error.value)
    assert "Net.load_state_dict" in message
    assert "missing keys: head.1.bias" in message
    assert "unexpected keys: head.2.weight" in message
    _assert_unchanged(net, before)


def test_wrong_shapes_are_listed_and_nothing_is_loaded_even_when_not_strict():
    net = Net()
    before = _snapshot(net)
    state = {k: v.numpy() + 1 for k, v in Net().state_dict().items()}
    state["block.fc.weight"] = np.zeros((3, 2))
    for strict in (True, False):
        with pytest.raises(RuntimeError, match=r"block.fc.weight: got shape \(3, 2\), "
                                               r"expected \(2, 3\)"):
            net.load_state_dict(state, strict=strict)
        _assert_unchanged(net, before)


def test_non_numeric_values_are_rejected_before_loading():
    net = Net()
    before = _snapshot(net)
    state = {k: v.numpy() + 1 for k, v in Net().state_dict().items()}
    state["block.scale"] = np.array(["x"])
    with pytest.raises(RuntimeError, match="block.scale: dtype <U1"):
        net.load_state_dict(state)
    _assert_unchanged(net, before)


def test_non_strict_loading_reports_the_keys_it_skipped():
    net = Net()
    state = {"block.scale": np.array([5.0]), "extra": np.zeros(2)}
    result = net.load_state_dict(state, strict=False)
    assert result.unexpected_keys == ["extra"]
    assert "block.fc.weight" in result.missing_keys and "block.scale" not in result.missing_keys
    assert net.block.scale.item() == 5.0


def test_to_casts_float_parameters_and_buffers_in_place_and_keeps_integer_buffers():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    weight = model[0].weight
    model(tg.Tensor(np.ones((2, 3), dtype=np.float32))).sum().backward()
    assert model.double() is model
    assert model[0].weight is weight  # the same tensors: parameters() made earlier still hold
    assert weight.grad is None  # a float32 gradient would not fit a float64 parameter
    assert {t.dtype for t in model.parameters()} == {np.dtype(np.float64)}
    buffers = dict(model.named_buffers())
    assert buffers["1.running_mean"].dtype == np.float64
    assert buffers["1.num_batches_tracked"].dtype.kind == "i"
    assert model(tg.Tensor(np.ones((2, 3)), dtype=np.float64)).dtype == np.float64
    assert model.float()[0].weight.dtype == np.float32


def test_to_refuses_a_dtype_that_is_not_floating_and_changes_nothing():
    model = nn.Linear(2, 2)
    with pytest.raises(TypeError, match=r"Linear.to: expected a floating-point dtype, got int64"):
        model.to(np.int64)
    assert model.weight.dtype == np.float32
