"""Layers, containers, initialisation and loss modules, spelled as in `torch.nn`.

    from tinygrad_edu import nn
    model = nn.Sequential(nn.Linear(784, 30), nn.ReLU(), nn.Linear(30, 10))
    loss = nn.CrossEntropyLoss()(model(x), y)
"""

from tinygrad_edu.nn import init
from tinygrad_edu.nn.activation import (
    ELU,
    GELU,
    Flatten,
    Identity,
    LeakyReLU,
    LogSigmoid,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from tinygrad_edu.nn.batchnorm import BatchNorm1d, BatchNorm2d
from tinygrad_edu.nn.container import Sequential
from tinygrad_edu.nn.conv import Conv2d
from tinygrad_edu.nn.dropout import Dropout
from tinygrad_edu.nn.linear import Linear
from tinygrad_edu.nn.loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, Loss, MSELoss
from tinygrad_edu.nn.module import IncompatibleKeys, Module
from tinygrad_edu.nn.pooling import AvgPool2d, MaxPool2d

__all__ = [
    "AvgPool2d", "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d", "BatchNorm2d", "Conv2d",
    "CrossEntropyLoss", "Dropout", "ELU", "Flatten", "GELU", "Identity", "IncompatibleKeys",
    "LeakyReLU", "Linear", "LogSigmoid", "Loss", "MSELoss", "MaxPool2d", "Module", "ReLU",
    "Sequential", "SiLU", "Sigmoid", "Softmax", "Softplus", "Tanh", "init",
]
