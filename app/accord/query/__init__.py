"""Query execution: a request's text checked (guard), its dataset resolved, run on a sandboxed worker (executor, worker, zygote) and answered in the negotiated format."""
