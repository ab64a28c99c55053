"""schemathesis hooks for .ci/fuzz.sh: SPARQL queries and updates go as UTF-8 text."""

import schemathesis


@schemathesis.serializer("application/sparql-query", "application/sparql-update")
def sparql_text(ctx: schemathesis.SerializationContext, value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8", "surrogatepass")
