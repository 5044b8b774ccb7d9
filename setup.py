"""Build hook: the wheel carries the current release archive and releases.json (darkweb_enforcement/_bundled/).

setuptools reads everything else from pyproject.toml; the version is the dataset's, from datapackage.json.
"""

import json
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


def current_release() -> dict:
    """The entry of releases.json whose status is current."""
    index = json.loads((ROOT / "releases.json").read_text(encoding="utf-8"))
    (entry,) = [r for r in index["releases"] if r["status"] == "current"]
    return entry


class BuildWithRelease(build_py):
    """build_py that also copies releases.json and the current archive into the package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads releases.json and releases/ from the checkout itself
        target = Path(self.build_lib) / "darkweb_enforcement" / "_bundled"
        shutil.rmtree(target, ignore_errors=True)  # a build/ folder left by an earlier release would keep its archive
        target.mkdir(parents=True)
        shutil.copyfile(ROOT / "releases.json", target / "releases.json")
        archive = current_release()["archive"]
        shutil.copyfile(ROOT / "releases" / archive, target / archive)


setup(version=json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))["version"], cmdclass={"build_py": BuildWithRelease})
