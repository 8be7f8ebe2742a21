"""benchmarks.lenet_profile: each op's own time, and the ops left as they were.
No timing is asserted, only the bookkeeping."""

from __future__ import annotations

from benchmarks.lenet_profile import OpClock, profile
from tinygrad_edu.autograd import OPS


def test_a_nested_call_counts_for_itself_only():
    """An outer op that spends 1 s itself and calls an inner one of 10 s: the outer one
    is charged 1 s, not 11 (a clock that the work itself advances, so nothing is timed)."""
    now = [0.0]

    def work(seconds, then=None):
        now[0] += seconds
        if then is not None:
            then()

    clock = OpClock(clock=lambda: now[0])
    inner = clock.wrap(lambda: work(10.0), lambda: ("inner", "forward", ()))
    outer = clock.wrap(lambda: work(1.0, then=inner), lambda: ("outer", "forward", ()))
    outer()
    assert clock.totals == {("outer", "forward", ()): 1.0, ("inner", "forward", ()): 10.0}
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
