"""benchmarks.lenet_profile: each op's own time, and the ops left as they were.
No timing is asserted, only the bookkeeping."""

from __future__ import annotations

from benchmarks.lenet_profile import OpClock, profile
from tinygrad_edu.autograd import OPS


def test_a_nested_call_counts_for_itself_only():
    """An outer op that only calls an inner one has almost no time of its own (without
    the subtraction it would have at least the inner one's)."""
    clock = OpClock()
    inner = clock.wrap(lambda: sum(range(2_000_000)), lambda: ("inner", "forward", ()))
    outer = clock.wrap(lambda: inner(), lambda: ("outer", "forward", ()))
    outer()
    assert clock.totals[("outer", "forward", ())] < clock.totals[("inner", "forward", ())] / 2
    assert not clock.inner  # every call closed


def test_profile_times_both_convolutions_and_restores_the_ops():
    before = {op: (op.__dict__.get("forward"), op.__dict__.get("backward")) for op in OPS.values()}
    total, per_op = profile(2, quick=True)
    assert {op: (op.__dict__.get("forward"), op.__dict__.get("backward"))
            for op in OPS.values()} == before
    conv_inputs = {shape for (name, kind, shape) in per_op
                   if name == "im2col" and kind == "forward"}
    assert conv_inputs == {(64, 1, 28, 28), (64, 6, 14, 14)}
    assert ("col2im", "forward", (64, 150, 100)) in per_op  # conv2's input gradient only
    assert ("Adam", "step", ()) in per_op
    assert 0 < sum(per_op.values()) <= total
