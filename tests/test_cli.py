"""CLI wiring: exit codes, messages on the right stream, help for every command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from darkweb_enforcement.cli import main
from darkweb_enforcement.paths import REPO_ROOT

COMMANDS = sorted(main.commands)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_is_in_the_readme(command: str):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert main.commands[command].help
    assert f"`dwe {command}" in (REPO_ROOT / "README.md").read_text()


def test_validate_clean_package_exits_0(package: Path):
    result = CliRunner().invoke(main, ["validate", "--root", str(package)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "valid: 9 tables, 23 rows\n"


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


@pytest.mark.parametrize("command", ["validate", "build"])
def test_the_dwe_script_never_loads_pandas_and_pyarrow_still_works(package: Path, command: str):
    """pyarrow imports pandas on its first pa.array() when it can; the console script keeps it out."""
    args = [command, "--root", str(package)] + (["--out", str(package / "dist")] if command == "build" else [])
    code = (
        "import atexit, sys\nfrom darkweb_enforcement.cli import run\n"
        "atexit.register(lambda: print('pandas loaded' if 'pandas' in sys.modules else 'no pandas', file=sys.stderr))\n"
        f"sys.argv = ['dwe'] + {args!r}\nrun()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "no pandas"
    if command == "build":
        assert (package / "dist" / "darkweb-enforcement-0.1.0" / "figures" / "arrests_per_operation.png").stat().st_size > 1000
