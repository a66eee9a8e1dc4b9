"""Domain errors raised by services and understood by every caller.

Views turn them into a form error or a message; the API's exception handler maps
them to one JSON error shape (see api/errors.py). Field-level input errors stay
Django's `ValidationError` (with a message dict naming the fields).
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule refused the operation. `message` is user-facing (gettext'd)."""

    code = "invalid"
    http_status = 400

    def __init__(self, message: Any, **details: Any) -> None:
        super().__init__(str(message))
        self.message = message
        self.details = details


class NotAllowed(DomainError):
    """The user may see the object but not do this to it (wrong role, read-only)."""

    code = "not_allowed"
    http_status = 403


class TransitionNotAllowed(DomainError):
    """The move is not in the transition table from the current status."""

    code = "transition_not_allowed"
    http_status = 409


class VersionConflict(DomainError):
    """Someone saved a newer version first. `details["current"]` is the fresh object."""

    code = "version_conflict"
    http_status = 409


class AlreadyDecided(DomainError):
    """Another person decided first (two decisions at once: exactly one wins)."""

    code = "already_decided"
    http_status = 409


class DuplicateFound(DomainError):
    """Registration would create a duplicate person. `details` says which."""

    code = "duplicate"
    http_status = 409


class DuplicateReferral(DomainError):
    """The case already has a pending referral to that organization for that service."""

    code = "duplicate_referral"
    http_status = 409


class CapacityExhausted(DomainError):
    """The service has no free place left."""

    code = "capacity_exhausted"
    http_status = 409
