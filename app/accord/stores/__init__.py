"""Stores other than the embedded one (``app.store.OxigraphStore``).

``remote.RemoteStore``: an external SPARQL 1.1 store (Virtuoso 7, an Oxigraph server,
Fuseki...) reached over HTTP, selected with ``ACCORD_STORE=sparql+http(s)://...``.
Publishing the dataset to such a store is ``accord load`` (``app.load``).
"""
