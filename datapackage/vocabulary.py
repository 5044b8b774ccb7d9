"""What the metrics and units mean: unit families and the units each metric accepts."""

from __future__ import annotations

COUNT_UNITS = ("persons", "count", "units")
MASS_UNITS = ("kg", "g", "lb", "oz", "t")
CURRENCY_UNITS = ("USD", "EUR", "GBP", "AUD", "CAD", "CHF", "SEK", "NOK", "DKK", "PLN", "BRL", "RUB", "INR", "JPY", "KRW", "CNY")
COIN_UNITS = ("BTC", "XMR", "ETH", "BCH", "LTC", "USDT", "DASH", "ZEC")

UNIT_FAMILY = {
    **{u: "count" for u in COUNT_UNITS},
    **{u: "mass" for u in MASS_UNITS},
    **{u: "currency" for u in CURRENCY_UNITS},
    **{u: "coin" for u in COIN_UNITS},
}

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

# A WORLD figure with one of these qualifiers is an upper bound the per-country sum must respect.
BOUNDING_QUALIFIERS = ("exact", "up_to", "less_than")
