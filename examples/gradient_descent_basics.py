"""Gradient descent from scratch with Tensor ops: a line, then a logistic boundary.

    python examples/gradient_descent_basics.py

No layers, no optimizer classes: the loss is written with Tensor operations,
`backward()` computes its gradient, and a loop updates the parameters.
"""

import numpy as np

import tinygrad_edu as tg
import tinygrad_edu.functional as F


def gradient_step(loss: tg.Tensor, parameters: list[tg.Tensor], lr: float) -> None:
    """One step of gradient descent: θ ← θ - lr · dloss/dθ for every parameter θ."""
    for p in parameters:
        p.grad = None
    loss.backward()
    with tg.no_grad():
        for p in parameters:
            p.data -= lr * p.grad.data


def fit_line(steps: int = 200, lr: float = 0.1) -> tuple[float, float]:
    """Fit y = w·x + b to noisy points on y = 3x - 2 by minimizing the mean squared error."""
    rng = np.random.default_rng(0)
    x = tg.Tensor(rng.uniform(-1, 1, 100))
    y = tg.Tensor(3 * x.data - 2 + rng.normal(0, 0.1, 100))
    w = tg.Tensor(0.0, requires_grad=True, name="w")
    b = tg.Tensor(0.0, requires_grad=True, name="b")
    for step in range(steps):
        loss = F.mse_loss(w * x + b, y)
        gradient_step(loss, [w, b], lr)
        if step % 40 == 0 or step == steps - 1:
            print(f"  step {step:3d}  mse {loss.item():.4f}  w {w.item():+.3f}  b {b.item():+.3f}")
    return w.item(), b.item()


def fit_logistic_boundary(steps: int = 300, lr: float = 0.5) -> float:
    """Separate two Gaussian blobs with the boundary w·x + b = 0 (binary cross-entropy)."""
    rng = np.random.default_rng(1)
    X = np.vstack([rng.normal(-1, 0.7, (100, 2)), rng.normal(1, 0.7, (100, 2))])
    labels = np.repeat([0.0, 1.0], 100)
    X_t, y_t = tg.Tensor(X), tg.Tensor(labels)
    w = tg.zeros(2, requires_grad=True)
    b = tg.zeros(1, requires_grad=True)
    for step in range(steps):
        logits = X_t @ w + b
        loss = F.binary_cross_entropy_with_logits(logits, y_t)
        gradient_step(loss, [w, b], lr)
        if step % 60 == 0 or step == steps - 1:
            print(f"  step {step:3d}  bce {loss.item():.4f}")
    accuracy = float((((X_t @ w + b).data > 0) == labels).mean())
    print(f"  boundary: {w.data[0]:+.2f}·x1 {w.data[1]:+.2f}·x2 {b.data[0]:+.2f} = 0, "
          f"training accuracy {accuracy:.1%}")
    return accuracy


def main() -> None:
    print("Fitting a line to y = 3x - 2 (plus noise):")
    w, b = fit_line()
    print(f"  learned w = {w:.3f}, b = {b:.3f}\n")
    print("Fitting a logistic boundary between two blobs:")
    fit_logistic_boundary()


if __name__ == "__main__":
    main()
