from assessment_engine.api.errors import DomainError


class InvalidCredentials(DomainError):
    status_code = 401
    code = "NOT_AUTHENTICATED"
    default_message = "Invalid username or password."
