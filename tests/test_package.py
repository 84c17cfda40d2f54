"""The package surface: every public error class is importable from `vmvxjit`,
and the version has one source."""

import inspect
import tomllib
from pathlib import Path

import vmvxjit
from vmvxjit import errors


def test_every_public_error_class_is_exported():
    public = {name for name, value in vars(errors).items()
              if inspect.isclass(value) and issubclass(value, errors.Error) and not name.startswith("_")}
    assert public <= set(dir(vmvxjit)), sorted(public - set(dir(vmvxjit)))
    for name in public:
        assert getattr(vmvxjit, name) is getattr(errors, name)


def test_version_has_one_source():
    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "vmvxjit.version.__version__"}
    assert vmvxjit.__version__ == vmvxjit.version.__version__


def test_package_data_ships_every_demo_file():
    """The demo's module, source and input are data files: a glob in pyproject must name each."""
    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    globs = project["tool"]["setuptools"]["package-data"]["vmvxjit"]
    package = Path(vmvxjit.__file__).parent
    data = [path.relative_to(package) for path in (package / "demo").iterdir()
            if path.is_file() and path.suffix not in (".py", ".pyc")]
    assert data and all(any(path.match(glob) for glob in globs) for path in data), data
