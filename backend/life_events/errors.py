"""The refusals of the life-event services, each with a stable code and a message that says what to do."""

from backend.errors import Conflict, Forbidden, ValidationFailed


class UnknownHospital(Forbidden):
    code, title = "unknown-hospital", "Unknown hospital"


class UnknownPerson(ValidationFailed):
    code, title = "unknown-person", "Not in the population registry"


class AlreadyDeceased(Conflict):
    code, title = "already-deceased", "Already recorded as deceased"


class AlreadyRegistered(Conflict):
    code, title = "already-registered", "Already registered"


class NotARelative(Forbidden):
    code, title = "not-a-relative", "Not a relative"


class StepNotReady(Conflict):
    code, title = "step-not-ready", "This step cannot be decided now"
