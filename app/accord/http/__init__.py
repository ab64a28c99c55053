"""HTTP plumbing: middleware (body cap, rate limit, access log, metrics), representations kept per dataset version, dependencies, serving with several processes."""
