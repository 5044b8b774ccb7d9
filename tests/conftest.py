"""Shared fixtures: a small valid package, and invalid cases overlaid on it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from darkweb_enforcement.paths import REPO_ROOT

DATA = Path(__file__).resolve().parent / "data"
VALID_SEEDS = DATA / "valid" / "seeds"
INVALID = DATA / "invalid"


def make_package(target: Path, overlay: Path | None = None) -> Path:
    """Copy the repo's descriptor and schemas plus the valid test seeds, then overlay a case's files.

    A case folder holds replacement files: `<table>.csv` goes to seeds/, `datapackage.json`
    to the root, `schemas/<table>.schema.json` to schemas/, and a file named `remove` lists
    paths (relative to the root) to delete.
    """
    target.mkdir(parents=True, exist_ok=True)
    descriptor = json.loads((REPO_ROOT / "datapackage.json").read_text())
    descriptor["version"] = "0.1.0"  # the repository's own version moves with its releases
    (target / "datapackage.json").write_text(json.dumps(descriptor, indent=2) + "\n")
    shutil.copytree(REPO_ROOT / "schemas", target / "schemas")
    shutil.copytree(VALID_SEEDS, target / "seeds")
    if overlay is not None:
        for path in sorted(overlay.rglob("*")):
            rel = path.relative_to(overlay)
            if path.is_dir() or rel.name in ("expected.txt", "README.md"):
                continue
            if rel.name == "remove":
                for line in path.read_text().split():
                    (target / line).unlink()
                continue
            dest = target / ("seeds" / rel if rel.suffix == ".csv" and rel.parent == Path(".") else rel)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, dest)
    return target


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A valid copy of the test package in a temporary folder."""
    return make_package(tmp_path / "pkg")


def invalid_cases() -> list[Path]:
    return sorted(p for p in INVALID.iterdir() if p.is_dir()) if INVALID.exists() else []


def write_release(tmp: Path) -> tuple[Path, Path]:
    """Build a synthetic release (with Namibia, whose code "NA" must stay text) and its archive."""
    import csv

    from darkweb_enforcement.archive import write_archive
    from darkweb_enforcement.build import build_release
    from darkweb_enforcement.csvfiles import canonical_csv
    from darkweb_enforcement.synthetic import write_package

    root = write_package(tmp / "repo", 100)
    countries = root / "seeds" / "countries.csv"
    header, *rows = list(csv.reader(countries.read_text(encoding="utf-8").splitlines()))
    countries.write_bytes(canonical_csv(header, sorted(rows + [["NA", "Namibia", "NAM", "false"]])))
    folder = build_release(root, root / "dist")
    return folder, write_archive(folder, root / "dist" / f"{folder.name}.zip")


@pytest.fixture(scope="session")
def built_release(tmp_path_factory) -> tuple[Path, Path]:
    """A release folder and its archive, built once per test session."""
    return write_release(tmp_path_factory.mktemp("release"))


class FileServer:
    """Serve a folder over HTTP on 127.0.0.1 in a thread, recording every requested path."""

    def __init__(self, folder: Path) -> None:
        import functools
        import http.server
        import threading

        self.folder = folder
        requests = self.requests = []

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self):
                requests.append(self.path)
                super().do_GET()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Handler, directory=str(folder))
        )
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self) -> None:
        if self.httpd.socket.fileno() != -1:
            self.httpd.shutdown()
            self.httpd.server_close()


@pytest.fixture
def file_server(tmp_path: Path):
    """A FileServer over tmp_path/www, stopped at the end of the test."""
    (tmp_path / "www").mkdir()
    server = FileServer(tmp_path / "www")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def real_release(tmp_path_factory) -> Path:
    """The release folder built from the repository's own seeds, once per test session."""
    from darkweb_enforcement.build import build_release

    return build_release(REPO_ROOT, tmp_path_factory.mktemp("real") / "dist")
