"""The one error hierarchy of the library; the CLI turns it into exit code 1."""


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
