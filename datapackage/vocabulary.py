"""The words of the data: unit families, the units each metric accepts, and a definition of every enum value."""

from __future__ import annotations

COUNT_UNITS = ("persons", "count", "units")
MASS_UNITS = ("kg", "g", "lb", "oz", "t")
CURRENCY_UNITS = (
    "USD",
    "EUR",
    "GBP",
    "AUD",
    "CAD",
    "CHF",
    "SEK",
    "NOK",
    "DKK",
    "PLN",
    "BRL",
    "RUB",
    "INR",
    "JPY",
    "KRW",
    "CNY",
)
COIN_UNITS = ("BTC", "XMR", "ETH", "BCH", "LTC", "USDT", "DASH", "ZEC")

UNIT_FAMILY = {
    **{u: "count" for u in COUNT_UNITS},
    **{u: "mass" for u in MASS_UNITS},
    **{u: "currency" for u in CURRENCY_UNITS},
    **{u: "coin" for u in COIN_UNITS},
}


def family_of_units(units):
    """Map a column of units to unit families for grouping: count, mass, or the currency or coin itself
    (no exchange rate is part of the claims, so each currency and coin is its own family)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from .arrays import plain

    known = pa.array(list(UNIT_FAMILY), pa.string())
    families = pa.array([f if f in ("count", "mass") else u for u, f in UNIT_FAMILY.items()], pa.string())
    return pc.take(families, pc.index_in(plain(units), known))


KG_PER_UNIT = {"kg": 1.0, "g": 0.001, "lb": 0.45359237, "oz": 0.028349523125, "t": 1000.0}

_PERSONS = ("persons",)
_PEOPLE_OR_COUNT = ("persons", "count")
_COUNT = ("count",)
_MONEY = CURRENCY_UNITS + COIN_UNITS

METRIC_UNITS: dict[str, tuple[str, ...]] = {
    "arrests": _PERSONS,
    "identifications": _PERSONS,
    "contacts": _PERSONS,
    "charges": _PEOPLE_OR_COUNT,
    "convictions": _PEOPLE_OR_COUNT,
    "market_users": _PEOPLE_OR_COUNT,
    "market_vendors": _PEOPLE_OR_COUNT,
    "searches": _COUNT,
    "servers_seized": _COUNT,
    "hidden_services_seized": _COUNT,
    "accounts_shut_down": _COUNT,
    "countries_involved": _COUNT,
    "agencies_involved": _COUNT,
    "seizure_vehicles": _COUNT,
    "seizure_firearms": _COUNT,
    "market_listings": _COUNT,
    "market_transactions": _COUNT,
    "seizure_drugs_mass": MASS_UNITS,
    "seizure_drugs_units": ("units", "count"),
    "seizure_cash": CURRENCY_UNITS,
    "seizure_crypto": _MONEY,
    "seizure_cash_and_crypto": _MONEY,
    "seizure_assets_total": _MONEY,
    "market_turnover": _MONEY,
}

MARKET_METRICS = tuple(m for m in METRIC_UNITS if m.startswith("market_"))

# Scope codes that are not countries: left out of per-country sums (INTL and UNSPECIFIED may overlap countries)
NON_COUNTRY_SCOPES = ("WORLD", "INTL", "UNSPECIFIED")

# The reasons a claim may give for each status other than current
STATUS_REASONS = {
    "erratum": ("misprint", "swapped", "misread"),
    "partial": ("agency_share", "mixed_count", "partial_scope"),
    "withdrawn": ("curation_error", "retracted", "conversion"),
}

# A WORLD figure with one of these qualifiers is an upper bound the per-country sum must respect.
BOUNDING_QUALIFIERS = ("exact", "up_to", "less_than")

DEFINITIONS: dict[str, dict[str, str]] = {
    "agency_type": {
        "police": "Police force or criminal investigation body.",
        "drug_enforcement": "Agency specialised in drug law enforcement (DEA).",
        "customs_border": "Customs, border or immigration enforcement (HSI, Finnish Customs).",
        "postal_inspection": "Postal law enforcement (USPIS).",
        "tax_financial": "Tax or financial crime investigators (IRS-CI, Guardia di Finanza).",
        "prosecution": "Public prosecutors (US Attorney's Offices, ZIT Frankfurt).",
        "judicial_cooperation": "Body that coordinates judicial authorities across borders (Eurojust).",
        "police_cooperation": "Body that coordinates police across borders (Europol, INTERPOL).",
        "task_force": "Multi-agency team (JCODE).",
        "ministry": "Government department (DOJ, DHS).",
        "other": "Any other body.",
    },
    "source_type": {
        "press_release": "Statement published by an agency or prosecutor.",
        "court_record": "Indictment, complaint, judgment or other court filing.",
        "official_report": "Report published by a government body.",
        "news_report": "Article by a news outlet (often relaying official figures).",
        "academic_paper": "Peer-reviewed or scholarly publication.",
        "industry_report": "Report by a company (blockchain analytics, threat intelligence).",
        "secondary_compilation": "Page that compiles or republishes other sources.",
    },
    "primacy": {
        "primary": "Press release or court record of a body that took part.",
        "secondary": "Everything else.",
    },
    "market_category": {
        "drugs": "Mainly a drug market.",
        "general": "General market: drugs plus other illicit goods and services.",
        "credentials_fraud": "Shop for stolen credentials, cards, identities or server access.",
        "forum": "Discussion forum (possibly with a market section).",
        "vendor_shop": "Single-vendor shop.",
        "directory": "Directory, review or link site.",
        "mixer": "Cryptocurrency mixer or tumbler that chiefly served these markets (Helix, ChipMixer, Bestmixer).",
        "hosting": "Bulletproof hosting that chiefly served these markets (Cyberbunker).",
    },
    "closure_type": {
        "law_enforcement": "Seized or shut down by law enforcement.",
        "exit_scam": "Operators disappeared with users' funds.",
        "voluntary": "Operators closed it and announced it.",
        "hack": "Closed after a hack or theft.",
        "unknown": "Closed; the reason is not reported.",
        "none_reported": "The cited sources report no closure; last_seen_active_on says when it was last seen running.",
    },
    "operation_type": {
        "market_takedown": "Seizure or shutdown of a market's infrastructure.",
        "covert_takeover": "Police ran the market covertly before shutting it (Hansa).",
        "vendor_sweep": "Coordinated arrests of vendors and buyers (SpecTor).",
        "combined": "A sweep that also took down markets.",
        "operator_prosecution": "Arrest or charging of a market's operators.",
        "deterrence_contact": "Contacting or warning identified users (Hyperion).",
        "undercover_sting": "Undercover operation posing as a service (Dark Gold).",
        "sanctions": "Financial sanctions.",
        "other": "Anything else (e.g. a domain seizure alone).",
    },
    "role": {
        "lead": "Led the operation.",
        "coordinating": "Coordinated the partners (Europol, Eurojust).",
        "participating": "Took part in the actions.",
        "prosecuting": "Prosecuted the cases.",
        "supporting": "Supported (analysis, technical or legal support).",
    },
    "action": {
        "seized": "Infrastructure or domain seized.",
        "covert_takeover": "Run covertly by police.",
        "shut_down": "Taken offline.",
        "operator_arrested": "Operators arrested or charged.",
        "data_exploited": "Data seized from this market fed the operation.",
        "vendors_targeted": "Vendors or users of this market were targeted.",
    },
    "qualifier": {
        "exact": "The number as stated, without qualification.",
        "approximately": "About, around, nearly, almost.",
        "more_than": "Over, more than.",
        "at_least": "At least, no fewer than.",
        "up_to": "Up to.",
        "less_than": "Less than, under.",
        "unquantified": "A figure is reported without a number (value empty).",
    },
    "status": {
        "current": "The claim stands and counts in headline figures.",
        "erratum": "The source misprints, swaps or misreads a figure whose origin says otherwise; kept, never used in headlines.",
        "partial": "A real figure that counts only part of what its metric and scope say; kept, never used in headlines.",
        "withdrawn": "A curation mistake kept for the record; never used in headlines.",
    },
    "status_reason": {
        "misprint": "erratum: a digit or number differs from the origin's figure (54 kg for 64 kg).",
        "swapped": "erratum: figures of two scopes or metrics are exchanged (UK and US counts swapped).",
        "misread": "erratum: a figure of another metric or scope is given as this one (people charged, arrested or searched given as arrests).",
        "agency_share": "partial: one agency's own share of the operation's total.",
        "mixed_count": "partial: counts this metric together with another (arrested or charged).",
        "partial_scope": "partial: covers only part of the scope (some countries of a worldwide total).",
        "curation_error": "withdrawn: the curator misread or mistyped the source.",
        "retracted": "withdrawn: the source withdrew or corrected the figure.",
        "conversion": "withdrawn: the value is the page's own conversion (in brackets, at a rate of its choosing) of a figure reported in another currency or unit; the reported figure is its own claim.",
    },
    "precision": {
        "day": "The day is known.",
        "month": "Only the month is known (date = first of month).",
        "year": "Only the year is known (date = 1 January).",
    },
}

METRIC_DEFINITIONS = {
    "arrests": "People arrested.",
    "searches": "Searches (house searches, warrants executed).",
    "charges": "People or counts charged.",
    "convictions": "People convicted.",
    "contacts": "People contacted or interviewed (deterrence).",
    "identifications": "People identified.",
    "seizure_cash": "Cash seized.",
    "seizure_crypto": "Virtual currency seized.",
    "seizure_cash_and_crypto": "Cash and virtual currency seized, reported as one sum.",
    "seizure_assets_total": "All assets seized, reported as one sum.",
    "seizure_drugs_mass": "Drugs seized, by mass.",
    "seizure_drugs_units": "Drugs seized, in pills or doses.",
    "seizure_firearms": "Firearms seized.",
    "seizure_vehicles": "Vehicles seized.",
    "servers_seized": "Servers or domains seized.",
    "hidden_services_seized": "Tor hidden services taken down.",
    "accounts_shut_down": "Accounts shut down.",
    "countries_involved": "Countries that took part.",
    "agencies_involved": "Agencies that took part.",
    "market_users": "Users of a market (market_id set).",
    "market_vendors": "Vendors of a market.",
    "market_listings": "Listings or offers on a market.",
    "market_transactions": "Transactions or sales on a market.",
    "market_turnover": "Turnover of a market, in the unit reported.",
}
