"""Worker processes: a fork pool for CPU-bound chunks, a spawned worker for self-contained jobs."""
