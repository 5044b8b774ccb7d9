"""darkweb-enforcement: a validated, versioned dataset of law-enforcement operations against dark-web markets."""

__version__ = "0.1.0"


def load(*args, **kwargs):
    """Return {table: DataFrame} of a release; see darkweb_enforcement.loader.load (imported on first use)."""
    from .loader import load as _load

    return _load(*args, **kwargs)


def load_table(*args, **kwargs):
    """Return one table of a release; see darkweb_enforcement.loader.load_table (imported on first use)."""
    from .loader import load_table as _load_table

    return _load_table(*args, **kwargs)
