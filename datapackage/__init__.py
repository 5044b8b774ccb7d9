"""darkweb-enforcement: a validated, versioned dataset of law-enforcement operations against dark-web markets.

Readers: `load()` (the bundled current release), `load(version)`, `load(path=)`, `load_table`,
`versions()`. Map of the package, one line per module, for contributors:

    paths        every path of the repository, a release and the installed package; find_root
    errors       the error classes (one base, subclasses where callers branch)
    problems     validation problems as records, and how they print
    versions     X.Y.Z: parse strictly, compare, bump, and the bump a change needs
    schema       Table Schemas as frozen records (malformed schemas are clear errors)
    descriptor   the package descriptor: resources, safe paths, frictionless's judgement
    csvfiles     every CSV read (string columns, per-row structural faults) and canonical writing; dwe fmt
    arrays       vectorised helpers on arrow arrays
    constraints  types, Table Schema constraints and foreign keys, with messages that say the fix
    rules        the business-rule registry and the rules on text, dates, order and parents
    claim_rules  the business rules on claims, sources and operations
    privacy      deny-list and heuristics against personal names
    validate     validate a package: every check, skipped ones named; require_valid
    vocabulary   metrics, units, unit families and the definition of every enum value
    headline     headline rule 2: the preferred claim per group, with its spread
    derived      the derived tables (headline_totals, coverage, changes): schemas, coverage, writing
    changes      snapshots of a version's tables and the per-record changes between two
    parquet      typed Parquet written and read back against the Table Schema
    checksums    sha256 and SHA256SUMS
    archive      deterministic zip archives; defensive extraction
    reader       the one reader of built releases: verify, open, read tables, diff
    build        write a release folder atomically
    sqlite       the release's SQLite database and Datasette metadata
    documents    codebook, release README, changelog, citation
    index        releases.json: shape checks, lookups, atomic writes
    history      safe git calls: commits, files at a commit, whole trees
    release      cut a release, rebuild one with the code it was cut with, publish a static mirror
    fetch        find a version: bundled, cached or downloaded (pooch, sha256 checked)
    loader       load(), load_table(), versions(): typed pandas frames
    figures      the figures, drawn in-process (for the site and the README)
    site         the static web site of a release
    site_pages   the HTML of each page of the site
    report       the curator's report
    synthetic    synthetic packages for tests and the benchmark
    cli          the dwe command line
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("darkweb-enforcement")
except PackageNotFoundError:  # run from a checkout without installing
    __version__ = "0+unknown"


def load(*args, **kwargs):
    """Return {table: DataFrame} of a release; see darkweb_enforcement.loader.load (imported on first use)."""
    from .loader import load as _load

    return _load(*args, **kwargs)


def load_table(*args, **kwargs):
    """Return one table of a release; see darkweb_enforcement.loader.load_table (imported on first use)."""
    from .loader import load_table as _load_table

    return _load_table(*args, **kwargs)


def versions(*args, **kwargs):
    """List published versions with status, date, bundled and cached; see darkweb_enforcement.loader.versions."""
    from .loader import versions as _versions

    return _versions(*args, **kwargs)
