"""Optimizers and learning-rate schedulers, spelled as in `torch.optim`.

    from tinygrad_edu import optim
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=10)
"""

from tinygrad_edu.optim import lr_scheduler
from tinygrad_edu.optim.adam import Adam, AdamW
from tinygrad_edu.optim.optimizer import Optimizer
from tinygrad_edu.optim.rmsprop import RMSprop
from tinygrad_edu.optim.sgd import SGD

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
