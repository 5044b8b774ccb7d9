"""The HTML of the release website: escaping, links, tables, the page frame, and the pages of the tables.

Every text from the data goes through esc(); only http(s) addresses become links; internal links are
relative, so the pages work from file:// and from any static web server.
"""

from __future__ import annotations

import datetime
import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

NAV = (
    ("index.html", "Home"),
    ("operations.html", "Operations"),
    ("markets.html", "Markets"),
    ("claims.html", "Claims"),
    ("codebook.html", "Codebook"),
)


@dataclass(frozen=True)
class SiteData:
    """A release's descriptor and rows (plain Python values), with lookups by field."""

    descriptor: dict
    rows: dict[str, list[dict]]
    _groups: dict = field(default_factory=dict, repr=False, compare=False)

    def table(self, name: str) -> list[dict]:
        """Rows of a table in release order (by primary key); none when the table is missing."""
        return self.rows.get(name, [])

    def by(self, table: str, key: str) -> dict[object, list[dict]]:
        """Rows of `table` grouped by the value of `key`."""
        if (table, key) not in self._groups:
            groups: dict[object, list[dict]] = {}
            for row in self.table(table):
                groups.setdefault(row.get(key), []).append(row)
            self._groups[(table, key)] = groups
        return self._groups[(table, key)]

    def one(self, table: str, key: str, value) -> dict:
        """The first row of `table` whose `key` is `value`, or an empty dict."""
        return (self.by(table, key).get(value) or [{}])[0] if value is not None else {}

    def columns(self, table: str) -> list[str]:
        """Field names of a table, in schema order."""
        resource: dict = next((r for r in self.descriptor.get("resources", []) if r.get("name") == table), {})
        return [f["name"] for f in (resource.get("schema") or {}).get("fields", [])]

    def name_of(self, table: str, key: str, value) -> str:
        """The display name of a row: its name or title, else the key itself."""
        row = self.one(table, key, value) or {}
        return str(row.get("name") or row.get("title") or value or "")


def esc(value) -> str:
    """Escape any value for HTML text or a double-quoted attribute; None is empty."""
    return html.escape(text(value), quote=True)


def text(value) -> str:
    """A value as plain text: numbers with thousands separators, dates in ISO, booleans yes/no."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{int(value):,}" if value.is_integer() and abs(value) < 1e15 else f"{value:,.10g}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def safe_url(url) -> str | None:
    """The address when it is http(s) with a host, else None: nothing else is ever a link."""
    if not isinstance(url, str):
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def link(href: str, label, title: str | None = None, cls: str | None = None) -> str:
    """An internal, relative link."""
    extra = (f' title="{esc(title)}"' if title else "") + (f' class="{esc(cls)}"' if cls else "")
    return f'<a href="{esc(href)}"{extra}>{esc(label)}</a>'


def external(url, label, title: str | None = None) -> str:
    """A link to an http(s) address; any other address is shown as text, never linked."""
    target = safe_url(url)
    if target is None:
        return esc(label)
    extra = f' title="{esc(title)}"' if title else ""
    return f'<a href="{esc(target)}" rel="noreferrer"{extra}>{esc(label)}</a>'


def page_href(kind: str, key: str, root: str = "") -> str:
    """Address of an operation's or a market's page (`kind` is its folder), relative to the site root."""
    return f"{root}{kind}/{quote(key, safe='')}.html"


def dated(value, precision=None) -> str:
    """A date at its precision: 2023-05-02, 2021-10 (month) or 2021 (year)."""
    if not isinstance(value, datetime.date):
        return ""
    if precision == "year":
        return f"{value:%Y} (year)"
    if precision == "month":
        return f"{value:%Y-%m} (month)"
    return value.isoformat()


def table(
    headers: Iterable[str], rows: Iterable[Iterable[str]], attrs: str = "", row_attrs: Iterable[str] | None = None
) -> str:
    """A scrollable HTML table; headers are text, cells are HTML already escaped by the caller."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    extras = list(row_attrs) if row_attrs is not None else None
    body = "\n".join(
        f"<tr{extras[i] if extras else ''}>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>"
        for i, row in enumerate(rows)
    )
    return (
        f'<div class="scroll"><table{attrs}>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table></div>'
    )


def frame(data: SiteData, title: str, body: str, depth: int = 0, scripts: Iterable[str] = ()) -> str:
    """A complete page: head, navigation, the body, a footer; `depth` is the page's folder depth."""
    root = "../" * depth
    name, version = data.descriptor.get("name", ""), data.descriptor.get("version", "")
    nav = " ".join(link(root + href, label) for href, label in NAV)
    licence = (data.descriptor.get("licenses") or [{}])[0]
    tags = "".join(f'\n<script src="{esc(root + s)}"></script>' for s in scripts)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)} · {esc(name)} {esc(version)}</title>\n"
        f'<link rel="stylesheet" href="{root}static/site.css">\n'
        f'<link rel="icon" href="{root}static/favicon.svg" type="image/svg+xml">\n</head>\n<body>\n'
        f'<header><span class="brand">{esc(name)} <span class="version">{esc(version)}</span></span>\n<nav>{nav}</nav></header>\n'
        f"<main>\n{body}\n</main>\n"
        f"<footer>{esc(name)} {esc(version)} · data licence {external(licence.get('path'), licence.get('name', ''))} · "
        f"every figure is a claim tied to its source</footer>{tags}\n</body>\n</html>\n"
    )


# ---- pages of the tables ----


def source_link(data: SiteData, source_id, publisher: bool = True) -> str:
    """A source's title linked to its address (as text when not http(s)), with the publisher."""
    source = data.one("sources", "source_id", source_id)
    if source is None:
        return esc(source_id)
    by = (
        f' <span class="muted">({esc(source.get("publisher"))})</span>' if publisher and source.get("publisher") else ""
    )
    return external(source.get("url"), source.get("title") or source_id, title=source_id) + by


def value_cell(value) -> str:
    """A number for display, with its raw value for sorting."""
    return f'<span data-sort="{esc(repr(value) if value is not None else "")}">{esc(value)}</span>'


def operation_link(data: SiteData, operation_id, root: str = "") -> str:
    """A link to an operation's page, labelled with its name."""
    if data.one("operations", "operation_id", operation_id) is None:
        return esc(operation_id)
    return link(
        page_href("operations", operation_id, root),
        data.name_of("operations", "operation_id", operation_id),
        title=operation_id,
    )


def market_link(data: SiteData, market_id, root: str = "") -> str:
    """A link to a market's page, labelled with its name; empty for no market."""
    if market_id is None or data.one("markets", "market_id", market_id) is None:
        return esc(market_id)
    return link(page_href("markets", market_id, root), data.name_of("markets", "market_id", market_id), title=market_id)


def claim_link(claim_id, operation_id, root: str = "") -> str:
    """A link to a claim's row on its operation's page."""
    if claim_id is None:
        return ""
    return link(f"{page_href('operations', operation_id, root)}#claim-{quote(claim_id, safe='')}", claim_id, cls="id")


def dates_list(row: dict, columns: list[str]) -> str:
    """A definition list of the row's dates (fields ending in _on), each at its precision."""
    items = [(c, row.get(c)) for c in columns if c.endswith("_on") and not c.endswith("_precision")]
    shown = [
        f"<dt>{esc(c.removesuffix('_on').replace('_', ' '))}</dt><dd>{esc(dated(v, row.get(c + '_precision')) or 'not known')}</dd>"
        for c, v in items
    ]
    return f'<dl class="dates">{"".join(shown)}</dl>' if shown else ""


def operations_list_page(data: SiteData) -> str:
    """All operations in order of announcement, with their worldwide arrests headline."""
    arrests = {
        h["operation_id"]: h
        for h in data.table("headline_totals")
        if h.get("metric") == "arrests" and h.get("scope_code") == "WORLD"
    }
    claims = data.by("reported_totals", "operation_id")
    ordered = sorted(
        data.table("operations"), key=lambda o: (o.get("announced_on") or datetime.date.max, o["operation_id"])
    )
    rows = [
        [
            esc(dated(o.get("announced_on"), o.get("announced_on_precision"))),
            operation_link(data, o["operation_id"]),
            esc(o.get("operation_type")),
            value_cell((arrests.get(o["operation_id"]) or {}).get("value")),
            esc(len(claims.get(o["operation_id"], []))),
        ]
        for o in ordered
    ]
    body = f"<h1>Operations</h1>\n<p>{len(rows)} operations, in order of announcement.</p>\n"
    return frame(
        data,
        "Operations",
        body + table(["announced", "operation", "type", "worldwide arrests (headline)", "claims"], rows),
    )


def operation_page(data: SiteData, operation_id: str) -> str:
    """One operation: summary, dates, headline figures, agencies, countries, markets and every claim."""
    op = data.one("operations", "operation_id", operation_id)
    parent = op.get("parent_operation_id")
    meta = [esc(operation_id), esc(op.get("operation_type"))] + (
        [f"part of {operation_link(data, parent, '../')}"] if parent else []
    )
    children = [
        operation_link(data, c["operation_id"], "../")
        for c in data.by("operations", "parent_operation_id").get(operation_id, [])
    ]
    body = [
        f'<p class="crumbs">{link("../operations.html", "Operations")} ›</p>',
        f"<h1>{esc(op.get('name'))}</h1>",
        f'<p class="meta">{" · ".join(meta)}</p>',
        f"<p>{esc(op.get('summary'))}</p>",
        dates_list(op, data.columns("operations")),
        f"<p>Dates and type from: {source_link(data, op.get('source_id'))}</p>",
    ]
    if children:
        body.append(f"<p>Parts of this operation: {', '.join(children)}</p>")
    body += [
        headline_section(data, operation_id),
        agencies_section(data, operation_id),
        countries_section(data, operation_id),
        markets_section(data, operation_id),
        claims_section(data, operation_id),
    ]
    return frame(data, op.get("name") or operation_id, "\n".join(b for b in body if b), depth=1)


# shown in their own cells, or in the note (rule_version), or left to the claim (value_kg: the spread is in kg already)
HEADLINE_SHOWN = {
    "operation_id",
    "metric",
    "item",
    "market_id",
    "scope_code",
    "unit_family",
    "value",
    "unit",
    "qualifier",
    "preferred_claim_id",
    "source_id",
    "n_claims",
    "n_sources",
    "min_value",
    "max_value",
    "conflict",
    "value_kg",
    "rule_version",
}


def headline_columns(data: SiteData) -> list[tuple[str, Callable[[dict], str]]]:
    """(heading, cell) of the headline table; a column a later release adds is shown as it is."""
    present = data.columns("headline_totals")
    columns = [("metric", lambda h: esc(h.get("metric"))), ("item", lambda h: esc(h.get("item")))]
    if "market_id" in present:
        columns.append(("market", lambda h: market_link(data, h.get("market_id"), "../")))
    columns += [
        ("scope", lambda h: esc(h.get("scope_code"))),
        ("value", lambda h: f'<span class="figure">{preferred_value(h)} {esc(h.get("unit"))}</span>'),
        ("qualifier", lambda h: esc(h.get("qualifier"))),
        ("claims / sources", lambda h: f"{esc(h.get('n_claims'))} / {esc(h.get('n_sources'))}"),
        ("spread", lambda h: esc(spread(h))),
        ("conflict", lambda h: '<span class="flag">conflict</span>' if h.get("conflict") else "no"),
        ("source", lambda h: source_link(data, h.get("source_id"), publisher=False)),
    ]
    return columns + [(c, lambda h, c=c: esc(h.get(c))) for c in present if c not in HEADLINE_SHOWN]


def headline_section(data: SiteData, operation_id: str) -> str:
    """The operation's headline figures, worldwide first, with their spread and conflict flag."""
    rows = sorted(
        data.by("headline_totals", "operation_id").get(operation_id, []),
        key=lambda h: (
            h.get("scope_code") != "WORLD",
            str(h.get("metric")),
            str(h.get("item") or ""),
            str(h.get("market_id") or ""),
            str(h.get("scope_code")),
        ),
    )
    if not rows:
        return "<h2>Headline figures</h2>\n<p>No headline figure.</p>"
    columns = headline_columns(data)
    rules = sorted({text(h.get("rule_version")) for h in rows if h.get("rule_version") is not None})
    note = (
        f"<p>One preferred claim per group of claims (headline rule {esc(', '.join(rules) or 'unknown')}), worldwide first; "
        "its value links to the claim. The spread runs over all current claims of the group (kg for masses).</p>"
    )
    cells = [[cell(h) for _, cell in columns] for h in rows]
    return f'<h2 id="headline">Headline figures</h2>\n{note}\n' + table(
        [name for name, _ in columns], cells, attrs=' id="headline-table"'
    )


def preferred_value(row: dict) -> str:
    """A headline value linked to its preferred claim's row."""
    claim = row.get("preferred_claim_id")
    if claim is None:
        return esc(row.get("value"))
    return link(
        f"#claim-{quote(claim, safe='')}", text(row.get("value")) or "(no value)", title=f"preferred claim {claim}"
    )


def spread(row: dict) -> str:
    """min–max of a headline group, or the single value."""
    low, high = row.get("min_value"), row.get("max_value")
    return text(low) if low == high else f"{text(low)}–{text(high)}"


def agencies_section(data: SiteData, operation_id: str) -> str:
    rows = data.by("operation_agencies", "operation_id").get(operation_id, [])
    cells = []
    for r in rows:
        agency = data.one("agencies", "agency_id", r.get("agency_id")) or {}
        label = f"{agency.get('name') or r.get('agency_id')}" + (
            f" ({agency['acronym']})" if agency.get("acronym") else ""
        )
        cells.append(
            [
                external(agency.get("url"), label),
                esc(data.name_of("countries", "code", agency.get("country_code"))),
                esc(r.get("role")),
                source_link(data, r.get("source_id")),
            ]
        )
    return "<h2>Agencies</h2>\n" + (
        table(["agency", "country", "role", "source"], cells) if cells else "<p>None recorded.</p>"
    )


def countries_section(data: SiteData, operation_id: str) -> str:
    rows = data.by("operation_countries", "operation_id").get(operation_id, [])
    names = sorted(
        f"{data.name_of('countries', 'code', r.get('country_code'))} ({r.get('country_code')})" for r in rows
    )
    return "<h2>Countries</h2>\n" + (f"<p>{esc(', '.join(names))}</p>" if names else "<p>None recorded.</p>")


def markets_section(data: SiteData, operation_id: str) -> str:
    rows = data.by("operation_markets", "operation_id").get(operation_id, [])
    cells = [
        [market_link(data, r.get("market_id"), "../"), esc(r.get("action")), source_link(data, r.get("source_id"))]
        for r in rows
    ]
    return "<h2>Markets</h2>\n" + (table(["market", "action", "source"], cells) if cells else "<p>None recorded.</p>")


def claims_section(data: SiteData, operation_id: str) -> str:
    """Every claim of the operation, each row anchored at #claim-<claim_id>."""
    rows = data.by("reported_totals", "operation_id").get(operation_id, [])
    headers = [
        "claim",
        "metric",
        "item",
        "scope",
        "market",
        "value",
        "unit",
        "qualifier",
        "as of",
        "status",
        "source",
        "attributed to",
        "locator",
        "note",
    ]
    cells = [
        [
            esc(c["claim_id"]),
            esc(c.get("metric")),
            esc(c.get("item")),
            esc(c.get("scope_code")),
            market_link(data, c.get("market_id"), "../"),
            value_cell(c.get("value")),
            esc(c.get("unit")),
            esc(c.get("qualifier")),
            esc(c.get("as_of")),
            status_cell(c, "../"),
            source_link(data, c.get("source_id")),
            esc(data.name_of("agencies", "agency_id", c.get("attributed_to_agency_id"))),
            esc(c.get("locator")),
            esc(c.get("note")),
        ]
        for c in rows
    ]
    attrs = [f' id="claim-{esc(c["claim_id"])}" class="status-{esc(c.get("status") or "current")}"' for c in rows]
    more = link(f"../claims.html?operation={quote(operation_id, safe='')}", "filter the table of all claims")
    return (
        f'<h2 id="claims">All claims ({len(rows)})</h2>\n<p>Every number a source reported, as reported. Or {more}.</p>\n'
        + table(headers, cells, ' id="operation-claims"', attrs)
    )


def status_cell(claim: dict, root: str) -> str:
    """A claim's status, its reason, and the claim that corrects it."""
    parts = [esc(claim.get("status") or "current")] + (
        [f"({esc(claim['status_reason'])})"] if claim.get("status_reason") else []
    )
    if claim.get("corrected_by_claim_id"):
        parts.append("→ " + claim_link(claim["corrected_by_claim_id"], claim.get("operation_id"), root))
    return " ".join(parts)


def markets_list_page(data: SiteData) -> str:
    """All markets with category, dates and how they closed."""
    actions = data.by("operation_markets", "market_id")
    rows = [
        [
            market_link(data, m["market_id"]),
            esc(m.get("market_category")),
            esc(dated(m.get("launched_on"), m.get("launched_on_precision"))),
            esc(dated(m.get("closed_on"), m.get("closed_on_precision"))),
            esc(m.get("closure_type")),
            esc(len(actions.get(m["market_id"], []))),
        ]
        for m in data.table("markets")
    ]
    body = f"<h1>Markets</h1>\n<p>{len(rows)} markets, forums and shops.</p>\n"
    return frame(
        data,
        "Markets",
        body + table(["market", "category", "launched", "closed", "closure", "operation actions"], rows),
    )


def market_page(data: SiteData, market_id: str) -> str:
    """One market: dates, closure, the operations that acted on it and the claims about it."""
    m = data.one("markets", "market_id", market_id)
    actions = [
        [
            operation_link(data, a.get("operation_id"), "../"),
            esc(a.get("action")),
            source_link(data, a.get("source_id")),
        ]
        for a in data.by("operation_markets", "market_id").get(market_id, [])
    ]
    claims = [
        [
            claim_link(c["claim_id"], c.get("operation_id"), "../"),
            esc(c.get("metric")),
            value_cell(c.get("value")),
            esc(c.get("unit")),
            esc(c.get("qualifier")),
            esc(c.get("status")),
            source_link(data, c.get("source_id")),
        ]
        for c in data.by("reported_totals", "market_id").get(market_id, [])
    ]
    body = [
        f'<p class="crumbs">{link("../markets.html", "Markets")} ›</p>',
        f"<h1>{esc(m.get('name'))}</h1>",
        f'<p class="meta">{esc(market_id)} · {esc(m.get("market_category"))} · closure: {esc(m.get("closure_type"))}</p>',
        dates_list(m, data.columns("markets")),
        f"<p>{esc(m.get('note'))}</p>" if m.get("note") else "",
        f"<p>Dates and closure from: {source_link(data, m.get('source_id'))}</p>",
        "<h2>Operations that acted on it</h2>\n"
        + (table(["operation", "action", "source"], actions) if actions else "<p>None recorded.</p>"),
        "<h2>Claims about it</h2>\n"
        + (
            table(["claim", "metric", "value", "unit", "qualifier", "status", "source"], claims)
            if claims
            else "<p>None recorded.</p>"
        ),
    ]
    return frame(data, m.get("name") or market_id, "\n".join(b for b in body if b), depth=1)


def claims_page(data: SiteData) -> str:
    """Every claim in one sortable, filterable table (static/claims.js); every column of the schema."""
    columns = data.columns("reported_totals")
    rows = data.table("reported_totals")
    options = "".join(
        f'<option value="{esc(o["operation_id"])}">{esc(o.get("name"))} ({esc(o["operation_id"])})</option>'
        for o in sorted(data.table("operations"), key=lambda o: (str(o.get("name")), o["operation_id"]))
    )
    controls = (
        f'<div class="filters" role="search"><label>Operation <select id="filter-operation"><option value="">all operations</option>{options}</select></label>\n'
        '<label>Text <input id="filter-text" type="search" placeholder="any word in the row"></label>\n'
        f'<output id="claims-count">{len(rows)} claims</output></div>'
    )
    cells = [[claim_cell(data, c, column) for column in columns] for c in rows]
    attrs = [f' data-operation="{esc(c.get("operation_id"))}"' for c in rows]
    body = (
        f"<h1>Claims</h1>\n<p>All {len(rows)} claims: one number, from one source. Click a column heading to sort.</p>\n{controls}\n"
        + table(columns, cells, ' id="claims" class="sortable"', attrs)
    )
    return frame(data, "Claims", body, scripts=["static/claims.js"])


def claim_cell(data: SiteData, claim: dict, column: str) -> str:
    """One cell of the claims table: ids become links, numbers keep their raw value for sorting."""
    value = claim.get(column)
    if column in ("claim_id", "corrected_by_claim_id"):
        return claim_link(value, claim.get("operation_id"))
    if column == "operation_id":
        return (
            link(page_href("operations", str(value)), value)
            if data.one("operations", "operation_id", value)
            else esc(value)
        )
    if column == "market_id":
        return link(page_href("markets", str(value)), value) if data.one("markets", "market_id", value) else esc(value)
    if column == "source_id":
        source = data.one("sources", "source_id", value) or {}
        return external(source.get("url"), value, title=source.get("title"))
    return value_cell(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else esc(value)
