"""Typed errors: each one knows the HTTP status it maps to."""


class AccordError(Exception):
    """Base of Accord's errors; ``status`` is the HTTP status code to answer with."""

    status = 500


class QuerySyntaxError(AccordError):
    """The SPARQL query or update does not parse; the message names the position."""

    status = 400


class BadRequest(AccordError):
    status = 400


class UnsupportedFunction(AccordError):
    """A query calls a function the engine does not provide: by SPARQL 1.1 (17.6) the
    query is not evaluated and an error is returned, the client's."""

    status = 400


class NotFound(AccordError):
    status = 404


class Forbidden(AccordError):
    status = 403


class NotAcceptable(AccordError):
    status = 406


class UnsupportedMediaType(AccordError):
    status = 415


class QueryTimeout(AccordError):
    status = 503


class ClientGone(AccordError):
    """The client closed its connection before the answer was ready; its query was
    stopped.  Nobody reads this status; the access log and ``/metrics`` do (nginx's 499)."""

    status = 499
    reason = "client_gone"


class StorageFull(AccordError):
    """A write failed for lack of disk space (or another I/O error) and was undone:
    nothing changed (507 Insufficient Storage, RFC 4918)."""

    status = 507
    reason = "storage_full"


class WritesStopped(AccordError):
    """A failed write could not be undone or confirmed: writes are refused until the
    server is restarted (reads go on)."""

    status = 503
    reason = "writes_stopped"


class StoreError(AccordError):
    """The store could not answer (an external store down, a broken database)."""

    status = 502


class DataLoadError(AccordError):
    """An RDF file could not be read or parsed; the message names the file and line."""

    status = 500
