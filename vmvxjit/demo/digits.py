"""The demo's data: digits drawn from a 5x7 bitmap font into 8x8 images, each shifted, with
dropped pixels, a random ink intensity and noise, so that a classifier has something to learn
(and numpy alone can make a training set; no data set is downloaded)."""

from __future__ import annotations

import numpy as np

SIZE = 8
FONT = (  # 5x7 glyphs, one string per row
    ("01110", "10001", "10011", "10101", "11001", "10001", "01110"),
    ("00100", "01100", "00100", "00100", "00100", "00100", "01110"),
    ("01110", "10001", "00001", "00010", "00100", "01000", "11111"),
    ("11111", "00010", "00100", "00010", "00001", "10001", "01110"),
    ("00010", "00110", "01010", "10010", "11111", "00010", "00010"),
    ("11111", "10000", "11110", "00001", "00001", "10001", "01110"),
    ("00110", "01000", "10000", "11110", "10001", "10001", "01110"),
    ("11111", "00001", "00010", "00100", "01000", "01000", "01000"),
    ("01110", "10001", "10001", "01110", "10001", "10001", "01110"),
    ("01110", "10001", "10001", "01111", "00001", "00010", "01100"),
)
GLYPHS = np.array([[[c == "1" for c in row] for row in glyph] for glyph in FONT], np.float64)
DROPPED = 0.1      # share of a glyph's pixels left out
NOISE = 0.1        # standard deviation of the noise added to every pixel


def render(rng: np.random.Generator, digit: int) -> np.ndarray:
    """One 8x8 image of `digit`, pixels in [0, 1]."""
    height, width = GLYPHS.shape[1:]
    image = np.zeros((SIZE, SIZE))
    top, left = rng.integers(0, SIZE - height + 1), rng.integers(0, SIZE - width + 1)
    ink = GLYPHS[digit] * (rng.random((height, width)) >= DROPPED) * rng.uniform(0.6, 1.0)
    image[top:top + height, left:left + width] = ink
    return np.clip(image + rng.normal(0.0, NOISE, image.shape), 0.0, 1.0)


def dataset(rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
    """`count` images (count x 64) and their digits."""
    labels = rng.integers(0, 10, count)
    return np.array([render(rng, digit).ravel() for digit in labels]), labels
