"""The one error hierarchy of the library; the CLI turns it into exit code 1.

Subclasses exist only where a caller branches on them.
"""


class DatapackageError(Exception):
    """An expected failure with a message meant for a person."""


class ValidationFailed(DatapackageError):
    """The package has problems; `problems` holds them."""

    def __init__(self, problems: list) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) found; run `dwe validate` to see them")


class ReleaseExists(DatapackageError):
    """A release of this version exists already."""


class ChecksumMismatch(DatapackageError):
    """A file does not match its recorded sha256."""


class ReleaseNotFound(DatapackageError):
    """No such version in the index, the bundle or the cache."""


class DownloadFailed(DatapackageError):
    """A host could not be reached or sent something that is not the release."""


class UnsafeRelease(DatapackageError):
    """An archive, descriptor or index asks for something a release may not do (paths out, bombs)."""


class MissingExtra(DatapackageError):
    """A command needs an optional extra that is not installed."""


def require_module(module: str, extra: str, purpose: str):
    """Import `module`, or say which extra of darkweb-enforcement provides it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(
            f"{purpose} needs {module}, which is not installed: pip install 'darkweb-enforcement[{extra}]'"
        ) from None
