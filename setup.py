"""Build hook: every built package (wheel, or a plain `pip install .`) carries a dated snapshot of the data,
the schemas and the site sources, so `lcdkb` works outside a checkout. The metadata is in pyproject.toml."""

import importlib.util
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def _bundle_module():
    spec = importlib.util.spec_from_file_location("_lcdkb_bundle", HERE / "tools" / "lcdkb" / "bundle.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildPyWithSnapshot(build_py):
    def run(self):
        super().run()
        if not getattr(self, "editable_mode", False):  # an editable install reads the checkout itself
            _bundle_module().write_bundle(HERE, Path(self.build_lib) / "lcdkb")


setup(cmdclass={"build_py": BuildPyWithSnapshot})
