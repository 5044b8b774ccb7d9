"""CITATION.cff and the how-to-cite line of a release."""

from __future__ import annotations

TITLE = "darkweb-enforcement: law-enforcement operations against dark-web markets"


def citation_cff(version: str, date: str, license_name: str = "CC-BY-4.0") -> str:
    """Return a CITATION.cff (CFF 1.2.0) for a dataset release."""
    return (
        "cff-version: 1.2.0\n"
        "message: If you use this dataset, please cite the version you used.\n"
        "type: dataset\n"
        f'title: "{TITLE}"\n'
        f'version: "{version}"\n'
        f'date-released: "{date}"\n'
        f'license: "{license_name}"\n'
        "authors:\n"
        '  - name: "darkweb-enforcement curators"\n'
        "keywords:\n"
        '  - "dark web"\n'
        '  - "law enforcement"\n'
        '  - "drug markets"\n'
    )


def cite_line(version: str, date: str) -> str:
    """Return a one-line citation of a release."""
    return f"darkweb-enforcement curators ({date[:4]}). {TITLE} (version {version}) [Data set]."
