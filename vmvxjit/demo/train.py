"""Trains the demo's classifier with numpy: an MLP 64-32-10 (ReLU, softmax), minibatch SGD on
cross-entropy, from one seed. The weights are then rounded to multiples of 1/256, so they print
exactly in the MLIR source and a retraining on another machine (whose BLAS may sum in another
order) still lands on the same numbers."""

from __future__ import annotations

import numpy as np

from vmvxjit.demo import digits

HIDDEN = 32
STEP = 1 / 256          # the weights' grid
EPOCHS, BATCH, RATE = 20, 50, 0.1


def train(rng: np.random.Generator, images: np.ndarray, labels: np.ndarray) -> list[np.ndarray]:
    """[w1 (64xH), b1 (H), w2 (Hx10), b2 (10)], on the grid."""
    w1 = rng.normal(0.0, np.sqrt(2 / images.shape[1]), (images.shape[1], HIDDEN))
    w2 = rng.normal(0.0, np.sqrt(2 / HIDDEN), (HIDDEN, 10))
    b1, b2 = np.zeros(HIDDEN), np.zeros(10)
    for _ in range(EPOCHS):
        order = rng.permutation(len(images))
        for start in range(0, len(images), BATCH):
            batch = order[start:start + BATCH]
            x, y = images[batch], labels[batch]
            hidden = np.maximum(x @ w1 + b1, 0.0)
            error = probabilities(hidden @ w2 + b2)
            error[np.arange(len(y)), y] -= 1.0
            error /= len(y)
            back = (error @ w2.T) * (hidden > 0)
            w2 -= RATE * hidden.T @ error
            b2 -= RATE * error.sum(0)
            w1 -= RATE * x.T @ back
            b1 -= RATE * back.sum(0)
    return [np.round(w / STEP) * STEP + 0.0 for w in (w1, b1, w2, b2)]   # + 0.0: no -0.0


def probabilities(logits: np.ndarray) -> np.ndarray:
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def predict(weights: list[np.ndarray], images: np.ndarray) -> np.ndarray:
    """The digit probabilities for `images` (n x 64), as the compiled model computes them."""
    w1, b1, w2, b2 = weights
    return probabilities(np.maximum(images @ w1 + b1, 0.0) @ w2 + b2)


def accuracy(weights: list[np.ndarray], rng: np.random.Generator, count: int) -> float:
    """The share of `count` fresh images classified right."""
    images, labels = digits.dataset(rng, count)
    return float((predict(weights, images).argmax(axis=1) == labels).mean())
