"""How signing errors answer over HTTP (``api.problems`` maps every ``SigningError`` through here).

409: the state does not allow it (request closed or expired, field already signed); 404: no such
request; 503: the timestamp authority did not answer (retry later); 422 for the rest: the request
was understood but the document or certificate cannot be signed as asked (S15, changed document,
wrong key).
"""

from . import exceptions

STATUS = [
    (exceptions.SignatureRequestNotFound, 404),
    (exceptions.SignatureRequestExpired, 409),
    (exceptions.SignatureRequestClosed, 409),
    (exceptions.SignatureFieldError, 409),
    (exceptions.TimestampUnavailable, 503),
    (exceptions.SigningError, 422),
]


def status_of(error: exceptions.SigningError) -> int:
    return next(code for cls, code in STATUS if isinstance(error, cls))
