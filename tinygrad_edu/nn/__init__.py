"""Layers, containers, initialisation and loss modules, spelled as in `torch.nn`.

    from tinygrad_edu import nn
    model = nn.Sequential(nn.Linear(784, 30), nn.ReLU(), nn.Linear(30, 10))
    loss = nn.CrossEntropyLoss()(model(x), y)
"""

from tinygrad_edu.nn import init
from tinygrad_edu.nn.activation import Flatten, Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from tinygrad_edu.nn.batchnorm import BatchNorm1d
from tinygrad_edu.nn.container import Sequential
from tinygrad_edu.nn.dropout import Dropout
from tinygrad_edu.nn.linear import Linear
from tinygrad_edu.nn.loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, Loss, MSELoss
from tinygrad_edu.nn.module import IncompatibleKeys, Module

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d", "CrossEntropyLoss", "Dropout", "Flatten",
    "Identity", "IncompatibleKeys", "LeakyReLU", "Linear", "Loss", "MSELoss", "Module", "ReLU",
    "Sequential", "Sigmoid", "Softmax", "Tanh", "init",
]
