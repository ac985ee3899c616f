"""Domain exceptions raised by services; views and error handlers turn them into responses."""


class DomainError(Exception):
    """A rule of the domain refused the action; the message is shown to the user."""

    status_code = 400

    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = message


class NotAllowed(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class NotEligible(DomainError):
    status_code = 400


class InvalidInput(DomainError):
    """Bad input with per-line or per-field reasons in `problems`."""

    def __init__(self, message: str = "", problems: list | None = None):
        super().__init__(message)
        self.problems = problems or []
