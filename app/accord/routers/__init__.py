"""HTTP routers, one per concern: ``sparql`` (the SPARQL 1.1 Protocol endpoint and its
service description), ``named_queries`` (the catalogue of ``queries/*.rq``), ``ui`` (the
query page); ``errors`` turns Accord's typed errors into HTTP answers."""
