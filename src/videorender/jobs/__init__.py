"""Durable jobs: the store (the job row is the truth), the worker pool with leases, and the
webhook outbox dispatcher. `JobService` ties them together for the API."""
