"""Table Schema of the derived headline_totals table."""

from .headline import RULE_VERSION

_ID = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


def _f(name: str, type_: str, description: str, **constraints) -> dict:
    field = {"name": name, "type": type_, "description": description}
    if type_ == "boolean":
        field.update(trueValues=["true"], falseValues=["false"])
    if constraints:
        field["constraints"] = constraints
    return field


HEADLINE_SCHEMA = {
    "fields": [
        _f("operation_id", "string", "Operation (operations.operation_id).", required=True, pattern=_ID),
        _f("metric", "string", "Metric of the group.", required=True),
        _f("item", "string", "Item of the group; empty for plain counts."),
        _f("scope_code", "string", "WORLD or a country code.", required=True),
        _f("unit_family", "string", "count, mass, or the currency or coin itself (no exchange rates are applied).", required=True),
        _f("preferred_claim_id", "string", f"The claim chosen by headline rule {RULE_VERSION} (reported_totals.claim_id).", required=True, pattern=_ID),
        _f("value", "number", "Value of the preferred claim, in its unit."),
        _f("unit", "string", "Unit of the preferred claim.", required=True),
        _f("qualifier", "string", "Qualifier of the preferred claim.", required=True),
        _f("value_kg", "number", "For masses: the preferred value in kilograms (1 lb = 0.45359237 kg, 1 oz = 0.028349523125 kg, 1 t = 1000 kg)."),
        _f("source_id", "string", "Source of the preferred claim.", required=True),
        _f("tier", "integer", "1 primary source, 2 attributed to an agency that took part, 3 other.", required=True, minimum=1),
        _f("rule_version", "string", "Version of the headline rule that chose the claim.", required=True),
        _f("n_claims", "integer", "Current claims in the group.", required=True, minimum=1),
        _f("n_sources", "integer", "Distinct sources of those claims.", required=True, minimum=1),
        _f("min_value", "number", "Smallest value in the group (kg for masses)."),
        _f("max_value", "number", "Largest value in the group (kg for masses)."),
        _f("conflict", "boolean", "true when the group's claims give different values.", required=True),
    ],
    "missingValues": [""],
}
