"""The `dwe` command line: resolve paths, call one library function, render the result.

Without --root a command works on the package it stands in: the nearest folder at or above the
current one that holds datapackage.json and seeds/ (as git finds .git).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from .errors import DatapackageError


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


def root_option(command):
    return click.option(
        "--root",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Package root (holds datapackage.json and seeds/) [default: the nearest one at or above the current folder].",
    )(command)


FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format."
)
OUT = click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder [default: <root>/dist].",
)
RELEASE = click.option(
    "--release",
    "release_path",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="A built release folder or archive [default: <root>/dist/darkweb-enforcement-<version>, else the bundled current release].",
)


def resolve_root(root: Path | None) -> Path:
    """The given root, or the nearest package root at or above the current folder (usage error when none)."""
    from .paths import find_root

    found = root.resolve() if root is not None else find_root(Path.cwd())
    if found is None:
        raise click.UsageError(
            f"no datapackage.json with a seeds/ folder in {Path.cwd()} or above; run inside the repository or pass --root"
        )
    return found


def progress():
    """Return a callback that prints each step with the seconds elapsed to stderr if it is a terminal, else None."""
    if not sys.stderr.isatty():
        return None
    start = time.monotonic()
    return lambda step: click.echo(f"  {time.monotonic() - start:6.1f}s  {step}", err=True)


@click.group(cls=Group)
@click.version_option(package_name="darkweb-enforcement")
def main() -> None:
    """darkweb-enforcement: get, verify and load releases; validate the seeds and cut releases."""


def run() -> None:
    """The `dwe` console script."""
    main()


@main.command()
@root_option
@FORMAT
def validate(root: Path | None, fmt: str) -> None:
    """Check the seeds against their schemas and every business rule."""
    from .problems import format_json, format_text
    from .validate import validate_package

    root = resolve_root(root)
    result = validate_package(root, progress=progress())
    click.echo(format_json(result.problems), nl=False) if fmt == "json" else click.echo(
        format_text(result.problems), nl=False, err=True
    )
    for line in result.skipped:
        click.echo(f"note: {line}", err=True)
    if result.held_back:
        click.echo(
            f"note: {result.held_back} business-rule finding(s) on rows with format problems held back; fix those rows and run again",
            err=True,
        )
    if result.problems:
        click.echo(f"{len(result.problems)} problem(s) in {root}", err=True)
        sys.exit(1)
    if fmt == "text":
        rows = sum(t.num_rows for t in result.strings.values())
        click.echo(f"valid: {root} ({len(result.strings)} tables, {rows} rows)")


@main.command("fmt")
@root_option
@click.option("--check", is_flag=True, help="Only report files that are not in canonical form; exit 1 if any.")
def fmt_command(root: Path | None, check: bool) -> None:
    """Rewrite the seeds in canonical form: sorted by primary key, LF, minimal quoting, no BOM."""
    from .csvfiles import format_seeds

    root = resolve_root(root)
    changed = format_seeds(root, write=not check)
    for path in changed:
        click.echo(f"{'would rewrite' if check else 'rewrote'} {path}", err=True)
    if check and changed:
        sys.exit(1)
    click.echo(f"{len(changed)} file(s) {'to rewrite' if check else 'rewritten'} in {root}")


@main.command()
@root_option
@OUT
@click.option("--force", is_flag=True, help="Replace an existing build of the same version.")
def build(root: Path | None, out: Path | None, force: bool) -> None:
    """Validate, then write the release folder: CSV, Parquet, SQLite, documents, descriptor, SHA256SUMS."""
    from .build import build_release
    from .paths import dist_dir

    root = resolve_root(root)
    click.echo(str(build_release(root, (out or dist_dir(root)).resolve(), force=force, progress=progress())))


@main.command()
@root_option
@click.option("--bump", type=click.Choice(["major", "minor", "patch"]), help="Which part of the version to raise.")
@click.option("--version", "version", help="Explicit new version X.Y.Z instead of --bump.")
@click.option("--date", help="Release date (YYYY-MM-DD) [default: today].")
@OUT
def release(root: Path | None, bump: str | None, version: str | None, date: str | None, out: Path | None) -> None:
    """Cut a new version: check the bump fits the change, build, archive into releases/, record it."""
    from .paths import dist_dir
    from .release import cut_release

    root = resolve_root(root)
    done = cut_release(root, (out or dist_dir(root)).resolve(), bump=bump, version=version, date=date)
    click.echo(f"released {done.version}: {done.archive} sha256 {done.sha256}")
    click.echo(
        f"now commit it: git add releases/ datapackage.json releases.json CHANGELOG.md CITATION.cff CODEBOOK.md && git commit -m 'Release {done.version}'",
        err=True,
    )


@main.command()
@root_option
@click.argument("version")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep the rebuild in this new folder [default: a temporary one].",
)
def rebuild(root: Path | None, version: str, out: Path | None) -> None:
    """Rebuild a recorded release with the code and seeds of its commit and compare its sha256 (touches nothing published)."""
    from .release import rebuild_release

    done = rebuild_release(resolve_root(root), version, out.resolve() if out else None)
    click.echo(f"rebuilt {done.version}: sha256 {done.sha256} matches releases.json")


@main.command("build-recorded", hidden=True)
@click.argument("version")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--tree", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
def build_recorded_command(version: str, root: Path, tree: Path, out: Path) -> None:
    """Build a recorded release from an exported tree with this code (run by `dwe rebuild`)."""
    from .release import build_recorded

    click.echo(str(build_recorded(root.resolve(), tree.resolve(), version, out.resolve())))


@main.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--index",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="releases.json to compare an archive with [default: the package's, else the bundled one].",
)
def verify(path: Path, index: Path | None) -> None:
    """Check a release folder or archive against SHA256SUMS, its descriptor and releases.json."""
    from .commands import verify_release

    result = verify_release(path, index)
    for line in result.notes:
        click.echo(f"note: {line}", err=True)
    for line in result.differences:
        click.echo(line, err=True)
    if result.differences:
        click.echo(f"{len(result.differences)} difference(s): {path} is not the release it claims to be", err=True)
        sys.exit(1)
    click.echo(f"ok: {path}")


@main.command()
@click.argument("old", type=click.Path(exists=True, path_type=Path))
@click.argument("new", type=click.Path(exists=True, path_type=Path))
@FORMAT
def diff(old: Path, new: Path, fmt: str) -> None:
    """Show per-record changes between two releases (folders or archives)."""
    import json

    from .reader import diff_releases, format_changes

    changes = diff_releases(old, new)
    if fmt == "json":
        click.echo(json.dumps(changes.to_pylist(), indent=2, sort_keys=True))
    else:
        click.echo(format_changes(changes), nl=False)
        click.echo(f"{changes.num_rows} change(s)", err=True)


@main.command()
@root_option
@click.option(
    "--format", "fmt", type=click.Choice(["text", "markdown"]), default="text", show_default=True, help="Output format."
)
def report(root: Path | None, fmt: str) -> None:
    """Curator's report: gaps, single-source figures, conflicts, country sums, narrower scopes, coverage."""
    from .report import build_sections, render
    from .validate import require_valid

    click.echo(render(build_sections(require_valid(resolve_root(root))), markdown=fmt == "markdown"))


@main.command()
@root_option
@click.option("--check", is_flag=True, help="Exit 1 if the committed CODEBOOK.md is stale instead of rewriting it.")
def codebook(root: Path | None, check: bool) -> None:
    """Regenerate CODEBOOK.md (and the rule table of CURATING.md) from the schemas, the seeds and the rule registry."""
    from .documents import curating_with_rules, render_codebook, write_codebook
    from .validate import require_valid

    root = resolve_root(root)
    validation, path, curating = require_valid(root), root / "CODEBOOK.md", root / "CURATING.md"
    if check:
        stale = not path.exists() or path.read_text(encoding="utf-8") != render_codebook(validation)
        if curating.exists():
            text = curating.read_text(encoding="utf-8")
            stale = stale or text != curating_with_rules(text)
        if stale:
            click.echo("CODEBOOK.md or CURATING.md is stale; run `dwe codebook` and commit them", err=True)
            sys.exit(1)
        click.echo("CODEBOOK.md and CURATING.md are current")
        return
    for written in write_codebook(validation, root):
        click.echo(str(written))


@main.command()
@click.argument("version")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder to unpack the release into.",
)
@click.option("--index", default=None, help="releases.json, a path or URL [default: $DWE_INDEX, else the bundled one].")
@click.option(
    "--base-url", default=None, help="Where the archives are [default: $DWE_BASE_URL, else the index's base_url]."
)
def get(version: str, out: Path, index: str | None, base_url: str | None) -> None:
    """Download (or take from the bundle or cache) one version, verify it, and unpack it."""
    from .commands import get_release

    click.echo(str(get_release(version, out.resolve(), index, base_url)))


@main.command("versions")
@click.option("--index", default=None, help="releases.json, a path or URL [default: $DWE_INDEX, else the bundled one].")
def versions_command(index: str | None) -> None:
    """List the published versions with their status, date, and whether each is bundled or cached."""
    from .loader import versions

    for row in versions(index).to_dict("records"):
        where = ", ".join(w for w in ("bundled", "cached") if row[w]) or "download"
        click.echo(f"{row['version']}\t{row['status']}\t{row['date']}\t{where}")


@main.command()
@root_option
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder of the static mirror."
)
@click.option(
    "--base-url", default="", help="Public URL the mirror will be served from (written into its releases.json)."
)
def publish(root: Path | None, out: Path, base_url: str) -> None:
    """Write a static mirror: releases.json, every archive, SHA256SUMS, release notes and the site."""
    from .release import publish_mirror

    summary = publish_mirror(resolve_root(root), out.resolve(), base_url)
    click.echo(f"published {summary['archives']} archive(s) and the site of {summary['current']} to {out}")


@main.command()
@RELEASE
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder of the site (new, or an earlier site).",
)
def site(release_path: Path | None, out: Path) -> None:
    """Generate the static web site of a built release (works from file:// and any web server)."""
    from .commands import site_of

    summary = site_of(release_path, out.resolve())
    click.echo(f"wrote {summary['pages']} pages ({summary['bytes']:,} bytes) to {out}")


@main.command()
@RELEASE
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder for the SVG and PNG files."
)
def figures(release_path: Path | None, out: Path) -> None:
    """Draw the figures of a release (SVG and PNG), for the README or a paper."""
    from .commands import figures_of

    for path in figures_of(release_path, out.resolve()):
        click.echo(str(path))


@main.command()
@RELEASE
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (only this machine by default).")
@click.option("--port", default=8001, show_default=True, help="Port.")
def serve(release_path: Path | None, host: str, port: int) -> None:
    """Browse the release's SQLite database in Datasette (pip install 'darkweb-enforcement[serve]')."""
    from .commands import serve_release

    serve_release(release_path, host, port)


if __name__ == "__main__":
    run()
