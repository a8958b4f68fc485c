"""Helpers of a running job: `clock` (stage progress, cancellation), `deadline` (the job's time
limit, seen by every FFmpeg run), `heap` (returning freed memory to the system)."""
