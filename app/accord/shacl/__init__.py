"""SHACL validation: ``accord validate``, its reports, and the SHACL-SPARQL constraints run in bulk."""
