"""CLI wiring: exit codes, messages on the right stream, help for every command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from darkweb_enforcement.cli import main
from darkweb_enforcement.paths import REPO_ROOT

COMMANDS = sorted(name for name, command in main.commands.items() if not command.hidden)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_is_in_the_readme(command: str):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert main.commands[command].help
    assert f"`dwe {command}" in (REPO_ROOT / "README.md").read_text()


def test_validate_clean_package_exits_0(package: Path):
    result = CliRunner().invoke(main, ["validate", "--root", str(package)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"valid: {package} (9 tables, 23 rows)\n"


def test_validate_json_lists_problems_on_stdout(package: Path):
    path = package / "seeds" / "operations.csv"
    path.write_text(path.read_text().replace("vendor_sweep", "sweep"))
    result = CliRunner().invoke(main, ["validate", "--root", str(package), "--format", "json"])
    assert result.exit_code == 1
    assert '"code": "constraint-error"' in result.stdout and '"row": 2' in result.stdout


def test_usage_error_exits_2():
    result = CliRunner().invoke(main, ["validate", "--format", "xml"])
    assert result.exit_code == 2


def test_build_on_invalid_seeds_says_why_and_writes_nothing(package: Path, tmp_path: Path):
    path = package / "seeds" / "sources.csv"
    path.write_text(path.read_text().replace("https://example.org", "ftp://example.org"))
    result = CliRunner().invoke(main, ["build", "--root", str(package), "--out", str(tmp_path / "dist")])
    assert result.exit_code == 1
    assert result.stderr.startswith("seeds/sources.csv:2:url: 'ftp://example.org/report/0' does not match")
    assert "Error: 1 problem(s) found" in result.stderr
    assert not (tmp_path / "dist").exists() or not any((tmp_path / "dist").iterdir())


def test_build_refuses_existing_release(package: Path, tmp_path: Path):
    args = ["build", "--root", str(package), "--out", str(tmp_path / "dist")]
    assert CliRunner().invoke(main, args).exit_code == 0
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 1
    assert "already exists; bump the version" in again.stderr


def test_help_imports_no_data_library():
    """`dwe --help` stays fast: pyarrow, frictionless and pandas are imported by the commands that use them."""
    code = (
        "import sys\nfrom darkweb_enforcement.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted({'pyarrow', 'frictionless', 'pandas', 'matplotlib'} & {m.split('.')[0] for m in sys.modules}), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr == "[]\n"


def test_without_root_the_package_around_the_current_folder_is_used(package: Path, monkeypatch):
    """A curator's copy is validated where it stands, not the checkout the package was installed from."""
    path = package / "seeds" / "operations.csv"
    path.write_text(path.read_text().replace("vendor_sweep", "sweep"))
    monkeypatch.chdir(package / "seeds")
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 1, result.output
    assert f"1 problem(s) in {package}" in result.stderr
    assert "'sweep' is not allowed; did you mean 'vendor_sweep'?" in result.stderr


def test_outside_any_package_is_a_usage_error(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 2
    assert "no datapackage.json with a seeds/ folder" in result.stderr


@pytest.mark.slow
def test_a_missing_extra_is_named_with_the_command_that_installs_it(package: Path):
    """A reader's install has no frictionless: dwe validate says which extra to install, with exit 1."""
    code = (
        "import sys\nclass Block:\n    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'frictionless': raise ImportError('not installed')\n"
        "sys.meta_path.insert(0, Block())\nfrom darkweb_enforcement.cli import main\nmain(['validate', '--root', sys.argv[1]])\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(package)], capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    assert "pip install 'darkweb-enforcement[curate]'" in done.stderr and "Traceback" not in done.stderr
