"""The package version, in one place: pyproject.toml reads it (setuptools
dynamic version) and `vmvxjit.__version__` re-exports it, without the cost of
importlib.metadata on `import vmvxjit`."""

__version__ = "0.1.0"
