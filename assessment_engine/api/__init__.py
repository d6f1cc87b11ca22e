"""HTTP plumbing shared by every app: errors, middleware, pagination, health."""
