"""The web process: every request counts in Redis, stores a row in Postgres
and pushes a job for the worker; the page shows all three."""

import http.server
import os

import store

PORT = int(os.environ.get("PORT", "8000"))
APP_ENV = os.environ.get("APP_ENV", "unknown")


def page() -> str:
    r = store.cache()
    hits = r.incr("hits")
    with store.db() as conn:
        conn.execute("INSERT INTO visits (env) VALUES (%s)", (APP_ENV,))
        rows = conn.execute("SELECT count(*) FROM visits").fetchone()[0]
        done = conn.execute("SELECT count(*) FROM jobs_done").fetchone()[0]
        last = conn.execute("SELECT job, worker FROM jobs_done ORDER BY id DESC LIMIT 1").fetchone()
    r.rpush(store.JOBS, f"visit-{hits}")
    last_job = f"{last[0]} by {last[1]}" if last else "none"
    return (f"env {APP_ENV}\n"
            f"hits {hits} (redis)\n"
            f"rows {rows} (postgres)\n"
            f"jobs done {done}, last {last_job}\n")


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path != "/":
            self.send_error(404)
            return
        body = page().encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt: str, *args: object) -> None:
        print(f"{self.address_string()} {fmt % args}", flush=True)


store.wait_for_services()
print(f"serving {APP_ENV} on :{PORT}", flush=True)
http.server.ThreadingHTTPServer(("0.0.0.0", PORT), Handler).serve_forever()
