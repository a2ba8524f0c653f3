"""The queue worker: pops the jobs the web process pushes to a Redis list
and records each in Postgres with its own version (edit it while
`devparity up` runs: the worker reloads like the web process)."""

import store

WORKER = "w1"

store.wait_for_services()
print(f"worker {WORKER} waiting for jobs", flush=True)
r = store.cache()
while True:
    popped = r.blpop([store.JOBS], timeout=1)
    if popped is None:
        continue
    job = popped[1]
    with store.db() as conn:
        conn.execute("INSERT INTO jobs_done (job, worker) VALUES (%s, %s)", (job, WORKER))
    print(f"worker {WORKER} did {job}", flush=True)
