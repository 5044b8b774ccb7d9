"""The static website of a release: its pages, escaping, links, and where it may be written."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import darkweb_enforcement
import pytest
from darkweb_enforcement import site as site_module
from darkweb_enforcement.errors import DatapackageError
from darkweb_enforcement.site import SITE_MARKER, build_site, markdown, site_data
from darkweb_enforcement.site_pages import operation_page, safe_url

HOSTILE_TITLE = '<script>alert("x")</script> "Quoted" & <b>bold</b>'


class Page(HTMLParser):
    """What a test needs from an HTML page: links, ids, and the text of each table's cells by table id."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.links, self.ids, self.tables, self.row_attrs = [], set(), {}, {}
        self._table, self._cell = None, None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        for name in ("href", "src"):
            if attrs.get(name) is not None:
                self.links.append((tag, attrs[name]))
        if tag == "table":
            self._table = attrs.get("id", f"table-{len(self.tables)}")
            self.tables[self._table], self.row_attrs[self._table] = [], []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
            self.row_attrs[self._table].append(attrs)
        elif tag in ("td", "th") and self._table:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def rows(self, table_id: str) -> list[dict]:
        """Body rows of a table as {heading: cell text}."""
        header, *body = self.tables[table_id]
        return [dict(zip(header, row)) for row in body]


def read_page(path: Path) -> Page:
    return Page(path.read_text(encoding="utf-8"))


def csv_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def site(real_release: Path, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("site") / "www"
    return out, build_site(real_release, out)


def test_summary_counts_the_pages_and_bytes_written(site, real_release):
    out, summary = site
    operations, markets = csv_rows(real_release / "data/operations.csv"), csv_rows(real_release / "data/markets.csv")
    files = [p for p in out.rglob("*") if p.is_file()]
    assert summary["pages"] == 5 + len(operations) + len(markets)
    assert (summary["files"], summary["bytes"]) == (len(files), sum(p.stat().st_size for p in files))
    assert {p.stem for p in (out / "operations").iterdir()} == {o["operation_id"] for o in operations}
    assert {p.stem for p in (out / "markets").iterdir()} == {m["market_id"] for m in markets}
    assert (out / SITE_MARKER).is_file()


def test_home_page_says_what_the_dataset_is_and_how_to_cite_this_version(site, real_release):
    out, _ = site
    home = (out / "index.html").read_text(encoding="utf-8")
    descriptor = json.loads((real_release / "datapackage.json").read_text(encoding="utf-8"))
    version = descriptor["version"]
    assert f'{descriptor["title"]} <span class="version">{version}</span>' in home
    assert (
        f"darkweb-enforcement: law-enforcement operations against dark-web markets (version {version}) [Data set]."
        in home
    )
    assert f"<code>sha256sum darkweb-enforcement-{version}.zip</code>" in home  # no releases.json beside the release


def test_home_page_links_every_release_file_and_the_sqlite_copy(site, real_release):
    out, _ = site
    page = read_page(out / "index.html")
    sums = dict(
        reversed(line.split("  ", 1)) for line in (real_release / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    )
    downloads = {row["file"]: row for row in page.rows("downloads-table")}
    assert set(sums) | {"SHA256SUMS"} <= set(downloads)
    assert downloads["data/reported_totals.csv"]["sha256"] == sums["data/reported_totals.csv"]
    assert (out / "download/data/reported_totals.csv").read_bytes() == (
        real_release / "data/reported_totals.csv"
    ).read_bytes()
    assert any(name.endswith(".sqlite") for name in downloads)


def test_home_page_shows_what_changed_and_coverage_by_year(site, real_release):
    out, _ = site
    page = read_page(out / "index.html")
    claims = csv_rows(real_release / "data/reported_totals.csv")
    assert "`reported_totals`" not in (out / "index.html").read_text(
        encoding="utf-8"
    )  # the changelog's Markdown is rendered
    changes = csv_rows(real_release / "data/changes.csv")
    added = {c["key"] for c in changes if c["table"] == "reported_totals" and c["change"] == "added"}
    assert f"<code>reported_totals</code>: {len(added)} added" in (out / "index.html").read_text(encoding="utf-8")
    coverage = {row["year"]: row for row in page.rows("coverage-table")}
    spector_year = [
        c
        for c in claims
        if c["operation_id"]
        in {
            o["operation_id"]
            for o in csv_rows(real_release / "data/operations.csv")
            if o["announced_on"].startswith("2023")
        }
    ]
    assert coverage["2023"]["claims"] == f"{len(spector_year):,}"
    assert int(coverage["2023"]["with a worldwide arrests headline"]) >= 1


def test_figures_are_drawn_as_svg_and_png_and_shown(site):
    out, _ = site
    assert sorted(p.name for p in (out / "figures").iterdir()) == [
        "arrests_per_operation.png",
        "arrests_per_operation.svg",
        "seizures_by_year.png",
        "seizures_by_year.svg",
    ]
    assert ("img", "figures/arrests_per_operation.svg") in read_page(out / "index.html").links
    assert "<dc:date>" not in (out / "figures/arrests_per_operation.svg").read_text(encoding="utf-8")


def test_spector_page_shows_the_worldwide_arrests_headline_with_spread_and_conflict(site, real_release):
    out, _ = site
    page = read_page(out / "operations/spector-2023.html")
    rows = page.rows("headline-table")
    world = [r for r in rows if (r["metric"], r["scope"]) == ("arrests", "WORLD")]
    head = next(
        h
        for h in csv_rows(real_release / "data/headline_totals.csv")
        if (h["operation_id"], h["metric"], h["scope_code"]) == ("spector-2023", "arrests", "WORLD")
    )
    spread = f"{float(head['min_value']):g}–{float(head['max_value']):g}"
    assert [(r["value"], r["qualifier"], r["spread"], r["conflict"]) for r in world] == [
        ("288 persons", "exact", spread, "conflict")
    ]
    assert world[0]["claims / sources"] == f"{head['n_claims']} / {head['n_sources']}"
    preferred = head["preferred_claim_id"]
    assert ("a", f"#claim-{preferred}") in page.links


def test_spector_page_lists_every_claim_with_a_link_to_its_source(site, real_release):
    out, _ = site
    page = read_page(out / "operations/spector-2023.html")
    claims = [c for c in csv_rows(real_release / "data/reported_totals.csv") if c["operation_id"] == "spector-2023"]
    sources = {s["source_id"]: s for s in csv_rows(real_release / "data/sources.csv")}
    shown = page.rows("operation-claims")
    assert [r["claim"] for r in shown] == [c["claim_id"] for c in claims]
    assert {f"claim-{c['claim_id']}" for c in claims} <= page.ids
    assert {sources[c["source_id"]]["url"] for c in claims} <= {href for _, href in page.links}
    first = shown[0]
    assert (first["value"], first["unit"], first["qualifier"], first["scope"], first["status"]) == (
        "288",
        "persons",
        "exact",
        "WORLD",
        "current",
    )


def test_spector_page_gives_dates_at_their_precision_agencies_countries_and_markets(site):
    out, _ = site
    text = (out / "operations/spector-2023.html").read_text(encoding="utf-8")
    assert "<dt>started</dt><dd>2021-10 (month)</dd>" in text
    assert "<dt>announced</dt><dd>2023-05-02</dd>" in text
    assert "<dt>takedown</dt><dd>not known</dd>" in text
    assert '<a href="../markets/monopoly-market.html" title="monopoly-market">Monopoly Market</a>' in text
    assert "Germany (DE)" in text
    assert "Federal Bureau of Investigation (FBI)" in text


def test_market_page_names_the_operations_that_acted_on_it(site):
    out, _ = site
    rows = read_page(out / "markets/monopoly-market.html").tables
    actions = [r for table in rows.values() for r in table if "Operation SpecTor" in r]
    assert actions and actions[0][1] == "data_exploited"


def test_claims_page_holds_every_claim_filterable_by_operation(site, real_release):
    out, _ = site
    page = read_page(out / "claims.html")
    claims = csv_rows(real_release / "data/reported_totals.csv")
    assert [attrs["data-operation"] for attrs in page.row_attrs["claims"][1:]] == [c["operation_id"] for c in claims]
    assert list(page.rows("claims")[0]) == list(claims[0])  # every column of the schema, in order
    assert ("script", "static/claims.js") in page.links
    assert 'id="filter-operation"' in (out / "claims.html").read_text(encoding="utf-8")


def test_codebook_is_rendered_from_markdown(site, real_release):
    out, _ = site
    text = (out / "codebook.html").read_text(encoding="utf-8")
    assert '<h3 id="reported-totals-' in text
    assert "&lt;country code&gt;-&lt;acronym&gt;" in text  # text that looks like a tag stays text
    assert "<code>^(?:[A-Z]{2}|WORLD|INTL|UNSPECIFIED)$</code>" in text  # \| in a table cell is a pipe
    assert "**" not in text and "<strong>claims, not facts</strong>" in text


def internal_links(site_root: Path) -> list[tuple[Path, str]]:
    found = []
    for page in sorted(site_root.rglob("*.html")):
        for _, href in read_page(page).links:
            if not urlsplit(href).scheme and not href.startswith("//"):
                found.append((page, href))
    return found


@pytest.mark.slow
def test_every_internal_link_and_anchor_resolves(site):
    out, _ = site
    links = internal_links(out)
    assert len(links) > 1000
    broken, pages = [], {}
    for page, href in links:
        parts = urlsplit(href)
        target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
        if not target.is_relative_to(out.resolve()) or not target.is_file():
            broken.append(f"{page.relative_to(out)}: {href}")
        elif parts.fragment and target.suffix == ".html":
            if target not in pages:
                pages[target] = read_page(target).ids
            if parts.fragment not in pages[target]:
                broken.append(f"{page.relative_to(out)}: {href} (no such anchor)")
    assert broken == []


@pytest.mark.slow
def test_no_link_is_absolute_within_the_site(site):
    out, _ = site
    assert [href for _, href in internal_links(out) if href.startswith("/")] == []


def hostile_load(real_release: Path):
    """load() of the real release with two sources' titles full of markup, one of them with a URL that is not http(s)."""
    tables = darkweb_enforcement.load(path=real_release)

    def load(path):
        sources = tables["sources"].copy()
        mask = sources["source_id"] == "highergroundtimes-2023-05-02-spector"
        sources.loc[mask, "title"] = HOSTILE_TITLE
        sources.loc[mask, "url"] = "javascript:alert(1)"
        sources.loc[sources["source_id"] == "eurasiareview-2023-05-03-spector", "title"] = HOSTILE_TITLE
        return {**tables, "sources": sources}

    return load


def test_markup_in_the_data_renders_as_text_and_a_non_http_url_is_never_a_link(real_release, tmp_path, monkeypatch):
    monkeypatch.setattr(site_module, "load_release", hostile_load(real_release))
    build_site(real_release, tmp_path / "www")
    texts = {
        p.relative_to(tmp_path / "www").as_posix(): p.read_text(encoding="utf-8")
        for p in (tmp_path / "www").rglob("*.html")
    }
    assert [name for name, text in texts.items() if "<script>alert" in text or "javascript:" in text] == []
    spector = texts["operations/spector-2023.html"]
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &quot;Quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;" in spector
    )
    assert 'title="&lt;script&gt;alert(&quot;x&quot;)' in texts["claims.html"]  # inside a quoted attribute


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://www.europol.europa.eu/a?b=1&c=2", "https://www.europol.europa.eu/a?b=1&c=2"),
        ("HTTP://example.org/", "HTTP://example.org/"),
        ("javascript:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("//evil.example/x", None),
        ("ftp://example.org/file", None),
        ("http:///no-host", None),
        ("", None),
        (None, None),
    ],
)
def test_only_http_and_https_addresses_can_be_links(url, expected):
    assert safe_url(url) == expected


def test_markdown_escapes_text_and_links_only_http_addresses():
    assert markdown("A <b>tag</b> & [bad](javascript:alert(1)) and [good](https://example.org/?a=1&b=2)") == (
        '<p>A &lt;b&gt;tag&lt;/b&gt; &amp; bad and <a href="https://example.org/?a=1&amp;b=2" rel="noreferrer">good</a></p>'
    )
    assert markdown("# Title\n\n- one\n- two\n  continued\n\n1. first\n\n```\n<x>\n```") == (
        '<h1 id="title">Title</h1>\n<ul><li>one</li><li>two continued</li></ul>\n<ol><li>first</li></ol>\n<pre><code>&lt;x&gt;</code></pre>'
    )


def test_an_operation_page_without_headline_or_market_tables(real_release):
    tables = darkweb_enforcement.load(path=real_release)
    descriptor = json.loads((real_release / "datapackage.json").read_text(encoding="utf-8"))
    data = site_data(
        descriptor,
        {name: t for name, t in tables.items() if name not in ("headline_totals", "markets", "operation_markets")},
    )
    page = Page(operation_page(data, "spector-2023"))
    assert "No headline figure." in operation_page(data, "spector-2023")
    assert len(page.rows("operation-claims")) == 200


def test_refuses_a_non_empty_folder_that_is_not_an_earlier_site(real_release, tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "thesis.tex").write_text("keep me", encoding="utf-8")
    with pytest.raises(DatapackageError) as error:
        build_site(real_release, tmp_path / "notes")
    assert str(error.value) == (
        f"{tmp_path / 'notes'}: folder is not empty and has no .dwe-site file, so it is not a site written by dwe; "
        "choose a new or empty folder (nothing was written)"
    )
    assert [p.name for p in (tmp_path / "notes").iterdir()] == ["thesis.tex"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes"]


def test_refuses_a_folder_inside_the_release(real_release):
    with pytest.raises(DatapackageError, match=r"is inside the release folder .*; choose a folder outside it$"):
        build_site(real_release, real_release / "site")
    assert not (real_release / "site").exists()


def test_refuses_a_release_that_fails_verification_before_writing_anything(real_release, tmp_path):
    folder = shutil.copytree(real_release, tmp_path / "tampered")
    (folder / "data/operations.csv").write_bytes((folder / "data/operations.csv").read_bytes() + b"x")
    with pytest.raises(
        DatapackageError,
        match=r"^tampered does not match its SHA256SUMS or descriptor: data/operations.csv: sha256 expected \w+ but got \w+",
    ):
        build_site(folder, tmp_path / "www")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tampered"]


@pytest.mark.slow
def test_an_earlier_site_is_replaced_and_the_same_release_gives_the_same_files(site, real_release, tmp_path):
    out, _ = site
    again = tmp_path / "www"
    again.mkdir()
    (again / SITE_MARKER).write_text("earlier\n", encoding="utf-8")
    (again / "stale.html").write_text("old", encoding="utf-8")
    build_site(real_release, again)
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert sorted(p.relative_to(again).as_posix() for p in again.rglob("*") if p.is_file()) == files
    assert [f for f in files if (out / f).read_bytes() != (again / f).read_bytes()] == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["www"]  # no temporary folder left beside it


def zip_release(folder: Path, archive: Path) -> str:
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            zf.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
    return hashlib.sha256(archive.read_bytes()).hexdigest()


def write_index(path: Path, version: str, archive: str, sha: str) -> None:
    path.write_text(
        json.dumps(
            {"releases": [{"version": version, "archive": archive, "archive_sha256": sha, "status": "current"}]}
        ),
        encoding="utf-8",
    )


@pytest.mark.slow
def test_the_archive_sha256_from_releases_json_is_given_when_the_archive_matches(real_release, tmp_path):
    version = json.loads((real_release / "datapackage.json").read_text(encoding="utf-8"))["version"]
    name = f"{real_release.name}.zip"
    sha = zip_release(real_release, tmp_path / name)
    write_index(tmp_path / "releases.json", version, name, sha)
    build_site(real_release, tmp_path / "www", index=tmp_path / "releases.json")
    home = (tmp_path / "www/index.html").read_text(encoding="utf-8")
    assert (
        f'<p>Archive <a href="download/{name}">{name}</a>, sha256 <code>{sha}</code> (releases.json); this site shows exactly its files.</p>'
        in home
    )
    assert (tmp_path / "www/download" / name).read_bytes() == (tmp_path / name).read_bytes()


@pytest.mark.slow
def test_a_folder_that_differs_from_the_recorded_archive_says_so(real_release, tmp_path):
    version = json.loads((real_release / "datapackage.json").read_text(encoding="utf-8"))["version"]
    other = shutil.copytree(real_release, tmp_path / "other" / real_release.name)
    (other / "SHA256SUMS").write_text("0" * 64 + "  README.md\n", encoding="utf-8")
    name = f"{real_release.name}.zip"
    sha = zip_release(other, tmp_path / name)
    write_index(tmp_path / "releases.json", version, name, sha)
    build_site(real_release, tmp_path / "www", index=tmp_path / "releases.json")
    home = (tmp_path / "www/index.html").read_text(encoding="utf-8")
    assert (
        f'<p class="warning">These files are not the published {version}: they differ from the archive {name} that releases.json records (sha256 <code>{sha}</code>).'
        in home
    )
    assert not (tmp_path / "www/download" / name).exists()
