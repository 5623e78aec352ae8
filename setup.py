"""Package layout that pyproject.toml cannot say: the top-level ``templates/``, ``fonts/`` and
``samples/`` folders ship inside the wheel as ``renderer/_data/<name>/`` (package data of the
packages ``renderer._data.<name>``, whose files pyproject.toml lists) without moving them in
the repository. Everything else is in pyproject.toml; ``renderer/paths.py`` finds the folders
in either place."""

from setuptools import find_packages, setup

DATA_FOLDERS = ("templates", "fonts", "samples")

setup(
    packages=find_packages(include=["renderer", "renderer.*"])
    + [f"renderer._data.{name}" for name in DATA_FOLDERS],
    package_dir={f"renderer._data.{name}": name for name in DATA_FOLDERS},
)
