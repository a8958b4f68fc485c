"""Alembic migrations of the job store. See `videorender.jobs.db` for how they run, and
`versions/` (its README) for how to add one."""
