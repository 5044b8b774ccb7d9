"""A static website of a verified release: home, operations, markets, claims, codebook, figures, downloads.

Plain HTML and CSS with relative links only, so the pages work from file:// and from any static
web server; the page of an operation or market is named after its id, so its address is stable.
"""

from __future__ import annotations

import datetime
import html
import json
import math
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from . import load as load_release
from .checksums import sha256_file
from .errors import DatapackageError
from .figures import draw_figures
from .reader import verify_folder
from .site_pages import (
    NAV,
    SiteData,
    claims_page,
    esc,
    external,
    frame,
    link,
    market_page,
    markets_list_page,
    operation_page,
    operations_list_page,
    table,
)
from .sqlite import write_sqlite

SITE_MARKER = ".dwe-site"
STATIC = Path(__file__).resolve().parent / "site_static"
DOWNLOADS = "download"
REQUIRED = ("operations", "reported_totals", "sources")
SAFE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def build_site(release: Path, out: Path, index: Path | None = None) -> dict:
    """Write a static website of a verified release folder into `out`; return {site, pages, files, bytes}.

    `out` must be new, empty, or a site written here before (it holds a .dwe-site file). The site is
    written into a temporary folder beside `out`, then renamed into place. `index` is a releases.json
    recording the archive's sha256 (default: the one beside the release folder, if any).
    """
    refuse_unverified(release)
    refuse_target(out, release)
    descriptor = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    tables = load_release(path=release)
    data = site_data(descriptor, tables)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        tmp.chmod(0o755)  # mkdtemp makes it private; a web server must read it
        write_site(release, tables, data, tmp, index if index is not None else release.parent / "releases.json")
        replace_folder(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return site_summary(out)


def refuse_unverified(release: Path) -> None:
    """Refuse a release folder that differs from its SHA256SUMS or descriptor, before writing anything."""
    if not release.is_dir():
        raise DatapackageError(f"{release}: not a release folder; build one with `dwe build` (no site was written)")
    problems = verify_folder(release)
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise DatapackageError(
            f"{release.name} does not match its SHA256SUMS or descriptor: {'; '.join(problems[:3])}{more}; "
            f"no site was written (`dwe verify {release}` shows every difference)"
        )


def refuse_target(out: Path, release: Path) -> None:
    """Refuse to write over anything but an earlier site, or inside the release folder."""
    if out.resolve().is_relative_to(release.resolve()):
        raise DatapackageError(
            f"{out}: is inside the release folder {release}, whose files SHA256SUMS lists; choose a folder outside it"
        )
    if out.exists() and not out.is_dir():
        raise DatapackageError(f"{out}: is a file, not a folder; choose a new or empty folder for the site")
    if out.is_dir() and any(out.iterdir()) and not (out / SITE_MARKER).is_file():
        raise DatapackageError(
            f"{out}: folder is not empty and has no {SITE_MARKER} file, so it is not a site written by dwe; "
            "choose a new or empty folder (nothing was written)"
        )


def replace_folder(new: Path, out: Path) -> None:
    """Rename `new` to `out`; an earlier site at `out` is moved aside first, then removed."""
    if not out.exists():
        new.rename(out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent))
    old.rmdir()
    out.rename(old)
    new.rename(out)
    shutil.rmtree(old)


def site_summary(out: Path) -> dict:
    """Pages, files and bytes of a written site."""
    files = [p for p in out.rglob("*") if p.is_file()]
    return {
        "site": str(out),
        "pages": sum(p.suffix == ".html" for p in files),
        "files": len(files),
        "bytes": sum(p.stat().st_size for p in files),
    }


def site_data(descriptor: dict, tables: dict[str, pd.DataFrame]) -> SiteData:
    """The rows of every table as plain Python values; refuses ids that cannot be file names."""
    missing = [t for t in REQUIRED if t not in tables]
    if missing:
        raise DatapackageError(f"the release has no {missing[0]!r} table; a site needs {', '.join(REQUIRED)}")
    rows = {name: plain_rows(frame) for name, frame in sorted(tables.items())}
    for table_name, key in (("operations", "operation_id"), ("markets", "market_id")):
        bad = [r[key] for r in rows.get(table_name, []) if not SAFE_KEY.match(str(r[key]))]
        if bad:
            raise DatapackageError(
                f"{table_name}: {key} {bad[0]!r} cannot name a page (letters, digits, '.', '_' and '-' only)"
            )
    return SiteData(descriptor, rows)


def plain_rows(df: pd.DataFrame) -> list[dict]:
    """Rows as dicts of None, str, int, float, bool and datetime.date."""
    columns = list(df.columns)
    return [dict(zip(columns, map(plain, values))) for values in df.itertuples(index=False, name=None)]


def plain(value):
    """One pandas or numpy value as a plain Python value; every kind of missing value is None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, np.generic):
        value = value.item()
    return None if isinstance(value, float) and math.isnan(value) else value


def write_site(release: Path, tables: dict[str, pd.DataFrame], data: SiteData, folder: Path, index: Path) -> None:
    """Write every file of the site into an empty `folder`."""
    shutil.copytree(STATIC, folder / "static", ignore=shutil.ignore_patterns("__pycache__"))
    archive_html, archive = archive_paragraph(release, data, index)
    downloads = copy_downloads(release, data, folder, archive)
    figures = [p.relative_to(folder).as_posix() for p in draw_figures(tables, folder / "figures")]
    pages = {
        "index.html": home_page(release, data, downloads, figures, archive_html),
        "operations.html": operations_list_page(data),
        "markets.html": markets_list_page(data),
        "claims.html": claims_page(data),
        "codebook.html": codebook_page(release, data),
    }
    pages.update(
        {
            f"operations/{o['operation_id']}.html": operation_page(data, o["operation_id"])
            for o in data.table("operations")
        }
    )
    pages.update({f"markets/{m['market_id']}.html": market_page(data, m["market_id"]) for m in data.table("markets")})
    for rel, content in pages.items():
        (folder / rel).parent.mkdir(exist_ok=True)
        (folder / rel).write_text(content, encoding="utf-8", newline="\n")
    (folder / SITE_MARKER).write_text(
        "A website written by `dwe site`; dwe replaces this folder when asked to write the site again.\n",
        encoding="utf-8",
    )


def copy_downloads(
    release: Path, data: SiteData, folder: Path, archive: Path | None
) -> list[tuple[str, int, str, str]]:
    """Copy the release's files (those SHA256SUMS lists), the archive if known, and a SQLite copy if the release has none.

    Returns (path in the site, bytes, sha256, note) per file; the note is the resource's description.
    """
    target, resources = folder / DOWNLOADS, data.descriptor.get("resources", [])
    notes = {"SHA256SUMS": "checks every other file: sha256sum -c SHA256SUMS"}
    for r in resources:
        notes[r.get("path", "")] = r.get("description", "")
        notes[(r.get("parquet") or {}).get("path", "")] = f"{r.get('name')} as typed Parquet"
    listed = [
        line.split("  ", 1)
        for line in (release / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
        if "  " in line
    ]
    files = [("SHA256SUMS", "")] + sorted(((rel, digest) for digest, rel in listed))
    for rel, _ in files:
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(release / rel, target / rel)
    if archive is not None:
        shutil.copyfile(archive, target / archive.name)
        files.insert(0, (archive.name, sha256_file(archive)))
        notes[archive.name] = "the release archive, as published"
    if not any(r.get("format") == "sqlite" for r in resources):
        name = f"{data.descriptor.get('name', 'data')}-{data.descriptor.get('version', '')}.sqlite"
        write_sqlite(release, resources, target / name)
        files.append((name, ""))
        notes[name] = (
            "every table in one SQLite database, with keys, full-text search and views (derived here; not in SHA256SUMS)"
        )
    return [
        (f"{DOWNLOADS}/{rel}", (target / rel).stat().st_size, digest or sha256_file(target / rel), notes.get(rel, ""))
        for rel, digest in files
    ]


def archive_paragraph(release: Path, data: SiteData, index: Path) -> tuple[str, Path | None]:
    """How to cite this exact version: the archive's sha256 from releases.json when it records it.

    The recorded hash is claimed for this folder only when the archive lies beside releases.json and
    its SHA256SUMS equals the folder's; a build of later seeds under the same version is told apart.
    """
    version = data.descriptor.get("version", "")
    how = f"compute it with <code>sha256sum {esc(release.name)}.zip</code> on the archive you cite (<code>dwe release</code> writes the archive and records the hash in releases.json)"
    entries = json.loads(index.read_text(encoding="utf-8")).get("releases", []) if index.is_file() else []
    entry = next((e for e in entries if e.get("version") == version and e.get("archive_sha256")), None)
    if entry is None:
        return f"<p>No releases.json beside this release records its archive's sha256; {how}.</p>", None
    sha, name = entry["archive_sha256"], str(entry.get("archive", ""))
    candidates = (
        [index.parent / "releases" / name, index.parent / name, release.parent / name]
        if name and Path(name).name == name
        else []
    )
    archive = next((p for p in candidates if p.is_file()), None)
    if archive is None:
        return (
            f"<p>releases.json records the archive <code>{esc(name)}</code> of version {esc(version)} with sha256 <code>{esc(sha)}</code>; check your copy with <code>sha256sum {esc(name)}</code>.</p>",
            None,
        )
    if sha256_file(archive) == sha and archive_checksums(archive) == (release / "SHA256SUMS").read_bytes():
        return (
            f'<p>Archive <a href="{DOWNLOADS}/{esc(name)}">{esc(name)}</a>, sha256 <code>{esc(sha)}</code> (releases.json); this site shows exactly its files.</p>',
            archive,
        )
    return (
        f'<p class="warning">These files are not the published {esc(version)}: they differ from the archive {esc(name)} that releases.json '
        f"records (sha256 <code>{esc(sha)}</code>). Cite the published archive, or {how}.</p>"
    ), None


def archive_checksums(archive: Path) -> bytes | None:
    """The SHA256SUMS inside a release archive (in its one top-level folder), or None."""
    try:
        with zipfile.ZipFile(archive) as zf:
            names = [n for n in zf.namelist() if n.count("/") == 1 and n.endswith("/SHA256SUMS")]
            return zf.read(names[0]) if len(names) == 1 else None
    except zipfile.BadZipFile:
        return None


# ---- the release's Markdown documents: the subset they use (headings, paragraphs, lists, tables, code) ----

INLINE_LINK = re.compile(r"\[([^\]]+)\]\(((?:[^()\s]|\([^()\s]*\))+)\)")  # one level of (parentheses) in an address


def inline(source: str) -> str:
    """Inline Markdown: `code`, **strong**, and [links](http...) (other addresses stay text)."""
    parts = re.split(r"(`[^`]+`)", source)
    out = []
    for index, part in enumerate(parts):
        if index % 2:
            out.append(f"<code>{esc(part[1:-1])}</code>")
            continue
        escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", esc(part))
        out.append(INLINE_LINK.sub(lambda m: external(html.unescape(m.group(2)), html.unescape(m.group(1))), escaped))
    return "".join(out)


def table_cells(line: str) -> list[str]:
    """The cells of a Markdown table row; `\\|` is a pipe inside a cell."""
    line = line.strip()
    line = line[1:] if line.startswith("|") else line
    line = line[:-1] if line.endswith("|") and not line.endswith("\\|") else line
    return [cell.replace("\\|", "|").strip() for cell in re.split(r"(?<!\\)\|", line)]


def slug(heading: str) -> str:
    """An anchor id for a heading."""
    return re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-") or "section"


LIST_ITEM = re.compile(r"^\s*([-*]|\d+\.)\s+(.*)$")


def markdown(source: str) -> str:
    """Render Markdown to HTML: headings, paragraphs, lists, tables, fenced code; all text escaped."""
    lines, out, i = source.splitlines(), [], 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
        elif line.startswith("```"):
            end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("```")), len(lines))
            out.append(f"<pre><code>{esc(chr(10).join(lines[i + 1 : end]))}</code></pre>")
            i = end + 1
        elif m := re.match(r"^(#{1,6})\s+(.*)$", line):
            level, title = len(m.group(1)), m.group(2).strip()
            out.append(f'<h{level} id="{slug(title)}">{inline(title)}</h{level}>')
            i += 1
        elif line.lstrip().startswith("|") and i + 1 < len(lines) and re.match(r"^\s*\|?[\s:|-]+\|?\s*$", lines[i + 1]):
            end = next((j for j in range(i + 2, len(lines)) if not lines[j].lstrip().startswith("|")), len(lines))
            out.append(table(table_cells(line), ([inline(c) for c in table_cells(row)] for row in lines[i + 2 : end])))
            i = end
        elif LIST_ITEM.match(line):
            i = _list(lines, i, out)
        else:
            end = next(
                (j for j in range(i + 1, len(lines)) if not lines[j].strip() or _starts_block(lines[j])), len(lines)
            )
            out.append(f"<p>{inline(' '.join(s.strip() for s in lines[i:end]))}</p>")
            i = end
    return "\n".join(out)


def _starts_block(line: str) -> bool:
    return bool(line.startswith(("#", "```")) or line.lstrip().startswith("|") or LIST_ITEM.match(line))


def _list(lines: list[str], i: int, out: list[str]) -> int:
    """Render the list starting at lines[i]; indented lines continue the item before them."""
    first = LIST_ITEM.match(lines[i])
    tag = "ol" if first and first.group(1)[0].isdigit() else "ul"
    items: list[str] = []
    while i < len(lines) and lines[i].strip():
        m = LIST_ITEM.match(lines[i])
        if m:
            items.append(m.group(2).strip())
        elif lines[i].startswith((" ", "\t")) and items:
            items[-1] += " " + lines[i].strip()
        else:
            break
        i += 1
    out.append(f"<{tag}>" + "".join(f"<li>{inline(item)}</li>" for item in items) + f"</{tag}>")
    return i


def section(source: str, heading: str | None = None) -> str:
    """The Markdown under the `## heading` (the first `##` section when None), up to the next `##`."""
    lines, start = source.splitlines(), None
    for number, line in enumerate(lines):
        if line.startswith("## ") and (heading is None or line[3:].strip().lower() == heading.lower()):
            start = number
            break
    if start is None:
        return ""
    end = next((j for j in range(start + 1, len(lines)) if lines[j].startswith("## ")), len(lines))
    return "\n".join(lines[start + 1 : end] if heading else lines[start:end])


def read_document(release: Path, name: str) -> str:
    """A Markdown document of the release, or empty when the release has none."""
    path = release / name
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def home_page(release: Path, data: SiteData, downloads: list, figures: list[str], archive_html: str) -> str:
    """What the dataset is, how to cite this version, downloads, what changed, coverage by year, figures."""
    d = data.descriptor
    counts = ", ".join(
        f"{len(data.table(t)):,} {label}"
        for t, label in (
            ("operations", "operations"),
            ("markets", "markets"),
            ("agencies", "agencies"),
            ("sources", "sources"),
            ("reported_totals", "claims"),
        )
        if t in data.rows
    )
    cite = (
        markdown(section(read_document(release, "README.md"), "How to cite"))
        or f"<p>{esc(d.get('title'))}, version {esc(d.get('version'))}.</p>"
    )
    changes = section(read_document(release, "CHANGELOG.md")).replace("## ", "### ", 1)
    rows = [
        [
            f'<a href="{esc(rel)}">{esc(rel.removeprefix(DOWNLOADS + "/"))}</a>',
            esc(size),
            f"<code>{esc(digest)}</code>",
            esc(note),
        ]
        for rel, size, digest, note in downloads
    ]
    body = [
        f'<h1>{esc(d.get("title"))} <span class="version">{esc(d.get("version"))}</span></h1>',
        f'<p class="lead">{esc(d.get("description"))}</p>',
        f"<p>This version holds {esc(counts)}. Browse the {', '.join(link(href, label.lower()) for href, label in NAV[1:])}.</p>",
        f'<h2 id="cite">How to cite this version</h2>\n{cite}\n{archive_html}',
        '<h2 id="downloads">Downloads</h2>\n'
        + table(["file", "bytes", "sha256", "note"], rows, ' id="downloads-table"'),
        f'<h2 id="changes">What changed since the previous release</h2>\n{markdown(changes) or "<p>No changelog in this release.</p>"}',
        f'<h2 id="coverage">Coverage by year</h2>\n{coverage_table(data)}',
    ]
    if figures:
        body.append(
            '<h2 id="figures">Figures</h2>\n'
            + "\n".join(
                f'<figure><img src="{esc(svg)}" alt="{esc(Path(svg).stem.replace("_", " "))}"><figcaption><a href="{esc(svg)}">SVG</a> · '
                f'<a href="{esc(svg[:-4])}.png">PNG</a></figcaption></figure>'
                for svg in figures
                if svg.endswith(".svg")
            )
        )
    return frame(data, "Home", "\n".join(body))


def coverage_table(data: SiteData) -> str:
    """Per year of announcement (else takedown, else start): operations, claims, sources, worldwide arrests.

    The arrests sum leaves out operations that sit inside another, which would count twice.
    """
    years: dict = {}
    for op in data.table("operations"):
        day = op.get("announced_on") or op.get("takedown_on") or op.get("started_on")
        slot = years.setdefault(
            day.year if isinstance(day, datetime.date) else "undated",
            {"operations": 0, "claims": 0, "sources": set(), "with": 0, "sum": 0.0},
        )
        claims = data.by("reported_totals", "operation_id").get(op["operation_id"], [])
        arrests = [
            h["value"]
            for h in data.by("headline_totals", "operation_id").get(op["operation_id"], [])
            if h.get("metric") == "arrests" and h.get("scope_code") == "WORLD" and h.get("value") is not None
        ]
        slot["operations"] += 1
        slot["claims"] += len(claims)
        slot["sources"].update(c.get("source_id") for c in claims)
        slot["with"] += bool(arrests)
        slot["sum"] += sum(arrests) if op.get("parent_operation_id") is None else 0.0
    ordered = sorted(years.items(), key=lambda item: (isinstance(item[0], str), str(item[0])))
    rows = [
        [esc(str(year)), esc(s["operations"]), esc(s["claims"]), esc(len(s["sources"])), esc(s["with"]), esc(s["sum"])]
        for year, s in ordered
    ]
    headers = [
        "year",
        "operations",
        "claims",
        "sources cited",
        "with a worldwide arrests headline",
        "sum of those headlines (top-level operations)",
    ]
    return table(headers, rows, ' id="coverage-table"')


def codebook_page(release: Path, data: SiteData) -> str:
    """CODEBOOK.md of the release as HTML, with a table of contents."""
    source = read_document(release, "CODEBOOK.md")
    headings = [m.group(2).strip() for m in re.finditer(r"^(##|###) (.*)$", source, re.M)]
    toc = (
        '<nav class="toc"><ul>'
        + "".join(f'<li><a href="#{slug(h)}">{inline(h)}</a></li>' for h in headings)
        + "</ul></nav>"
        if headings
        else ""
    )
    return frame(
        data,
        "Codebook",
        (toc + "\n" + markdown(source)) if source else "<h1>Codebook</h1>\n<p>This release has no CODEBOOK.md.</p>",
    )
