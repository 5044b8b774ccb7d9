"""darkweb-enforcement: a validated, versioned dataset of law-enforcement operations against dark-web markets."""

__version__ = "0.1.0"
