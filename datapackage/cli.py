"""The `dwe` command line: resolve paths, call one library function, render the result."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click

from .errors import DatapackageError
from .paths import default_root


class Group(click.Group):
    """Turn expected failures into one clear line on stderr and exit code 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except DatapackageError as error:
            problems = getattr(error, "problems", None)
            if problems:
                from .problems import format_text

                click.echo(format_text(problems), nl=False, err=True)
            click.echo(f"Error: {error}", err=True)
            ctx.exit(1)


ROOT = click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=default_root(), show_default="the repository", help="Package root (holds datapackage.json).")
FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format.")


@click.group(cls=Group)
@click.version_option(package_name="darkweb-enforcement")
def main() -> None:
    """darkweb-enforcement: validate the curated seeds and build releases."""


class _WithoutPandas:
    """An import hook under which `import pandas` fails as if pandas were not installed."""

    def find_spec(self, name, path=None, target=None):
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("the dwe command does not load pandas")
        return None


def run() -> None:
    """The `dwe` console script: main() in a process that never loads pandas.

    No command uses pandas, yet pyarrow imports it on the first pa.array() or pa.scalar() when it
    is installed (0.2 to 0.4 s); pyarrow works the same without it. The hook is only installed in
    this process: the library and the tests, which call main() directly, are not affected.
    """
    if "pandas" not in sys.modules:
        sys.meta_path.insert(0, _WithoutPandas())
    # numpy's OpenBLAS starts a thread per core at import; nothing here multiplies matrices
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    main()


@main.command()
@ROOT
@FORMAT
def validate(root: Path, fmt: str) -> None:
    """Check the seeds against their schemas and the business rules."""
    from .problems import format_json, format_text
    from .validate import validate_package

    result = validate_package(root.resolve(), progress=_progress())
    if fmt == "json":
        click.echo(format_json(result.problems), nl=False)
    else:
        click.echo(format_text(result.problems), nl=False, err=True)
    rows = sum(t.num_rows for t in result.strings.values())
    if result.problems:
        click.echo(f"{len(result.problems)} problem(s) in {root / 'seeds'}", err=True)
        sys.exit(1)
    if fmt == "text":
        click.echo(f"valid: {len(result.strings)} tables, {rows} rows")


@main.command("fmt")
@ROOT
@click.option("--check", is_flag=True, help="Only report files that are not in canonical form; exit 1 if any.")
def fmt_command(root: Path, check: bool) -> None:
    """Rewrite the seeds in canonical form: sorted by primary key, LF, minimal quoting, no BOM."""
    from .formatting import format_seeds

    changed = format_seeds(root.resolve(), write=not check)
    for path in changed:
        click.echo(f"{'would rewrite' if check else 'rewrote'} {path}", err=True)
    if check and changed:
        sys.exit(1)
    click.echo(f"{len(changed)} file(s) {'to rewrite' if check else 'rewritten'}")


@main.command()
@ROOT
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None, help="Output folder [default: <root>/dist].")
@click.option("--force", is_flag=True, help="Replace an existing build of the same version.")
def build(root: Path, out: Path | None, force: bool) -> None:
    """Validate, then write the release folder: CSV, Parquet, descriptor, SHA256SUMS."""
    from .build import build_release
    from .paths import dist_dir

    root = root.resolve()
    target = build_release(root, (out or dist_dir(root)).resolve(), force=force, progress=_progress())
    click.echo(str(target))


def _progress():
    """Return a callback that prints each step with the seconds elapsed to stderr if it is a terminal, else None."""
    if not sys.stderr.isatty():
        return None
    start = time.monotonic()
    return lambda step: click.echo(f"  {time.monotonic() - start:6.1f}s  {step}", err=True)


@main.command()
@ROOT
@click.option("--bump", type=click.Choice(["major", "minor", "patch"]), help="Which part of the version to raise.")
@click.option("--version", "version", help="Explicit new version X.Y.Z instead of --bump.")
@click.option("--date", help="Release date (YYYY-MM-DD) [default: today].")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None, help="Output folder [default: <root>/dist].")
def release(root: Path, bump: str | None, version: str | None, date: str | None, out: Path | None) -> None:
    """Cut a new version: check the bump fits the change, build, archive, record it."""
    from .paths import dist_dir
    from .release import cut_release

    root = root.resolve()
    done = cut_release(root, (out or dist_dir(root)).resolve(), bump=bump, version=version, date=date)
    click.echo(f"released {done.version}: {done.archive} sha256 {done.sha256}")
    click.echo(f"now commit it: git add datapackage.json releases.json CHANGELOG.md CITATION.cff CODEBOOK.md && git commit -m 'Release {done.version}'", err=True)


@main.command()
@ROOT
@click.argument("version")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None, help="Output folder [default: <root>/dist].")
def rebuild(root: Path, version: str, out: Path | None) -> None:
    """Rebuild a recorded release from its git commit and check the archive's sha256."""
    from .paths import dist_dir
    from .release import rebuild_release

    root = root.resolve()
    done = rebuild_release(root, version, (out or dist_dir(root)).resolve())
    click.echo(f"rebuilt {done.version}: {done.archive} sha256 {done.sha256} (matches releases.json)")


@main.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def verify(path: Path) -> None:
    """Check a release folder or archive against SHA256SUMS and its descriptor."""
    from .verify import verify_path

    differences = verify_path(path)
    for line in differences:
        click.echo(line, err=True)
    if differences:
        click.echo(f"{len(differences)} difference(s): {path} is not the release it claims to be", err=True)
        sys.exit(1)
    click.echo(f"ok: {path}")


@main.command()
@click.argument("old", type=click.Path(exists=True, path_type=Path))
@click.argument("new", type=click.Path(exists=True, path_type=Path))
@FORMAT
def diff(old: Path, new: Path, fmt: str) -> None:
    """Show per-record changes between two releases (folders or archives)."""
    import json

    from .release_diff import diff_releases, format_changes

    changes = diff_releases(old, new)
    if fmt == "json":
        click.echo(json.dumps(changes.to_pylist(), indent=2, sort_keys=True))
    else:
        click.echo(format_changes(changes), nl=False)
        click.echo(f"{changes.num_rows} change(s)", err=True)


@main.command()
@ROOT
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text", show_default=True, help="Output format.")
def report(root: Path, fmt: str) -> None:
    """Curator's report: missing arrests, single-source figures, conflicts, country sums, coverage."""
    from .errors import ValidationFailed
    from .report import build_sections, render
    from .validate import validate_package

    validation = validate_package(root.resolve())
    if validation.problems:
        raise ValidationFailed(validation.problems)
    click.echo(render(build_sections(validation), markdown=fmt == "markdown"))


@main.command()
@ROOT
@click.option("--check", is_flag=True, help="Exit 1 if the committed CODEBOOK.md is stale instead of rewriting it.")
def codebook(root: Path, check: bool) -> None:
    """Regenerate CODEBOOK.md from the schemas and the seeds."""
    from .codebook import render_codebook
    from .errors import ValidationFailed
    from .validate import validate_package

    root = root.resolve()
    validation = validate_package(root)
    if validation.problems:
        raise ValidationFailed(validation.problems)
    text, path = render_codebook(validation), root / "CODEBOOK.md"
    if check:
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            click.echo("CODEBOOK.md is stale; run `dwe codebook` and commit it", err=True)
            sys.exit(1)
        click.echo("CODEBOOK.md is current")
        return
    path.write_text(text, encoding="utf-8")
    click.echo(str(path))


if __name__ == "__main__":
    run()
