"""``make run``'s watcher: waits until every service's /health says Kafka and PostgreSQL are
connected, prints where each one answers, then reports any change of health.

Run as ``python -m homeward_shared.watch name=url ...``. Exits non-zero if the services are
not healthy within the bound, which makes honcho stop the whole run.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request

STARTUP_BOUND_S = 120
INTERVAL_S = 5


def health(url: str) -> dict[str, str]:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=3) as r:  # noqa: S310 - local URL
            return json.loads(r.read())
    except urllib.error.HTTPError as e:
        return json.loads(e.read() or b"{}") or {"status": f"http {e.code}"}
    except (OSError, ValueError):
        return {"status": "not answering"}


def healthy(status: dict[str, str]) -> bool:
    return status.get("postgres") == "connected" and status.get("kafka") == "connected"


def main(argv: list[str]) -> int:
    services = dict(arg.split("=", 1) for arg in argv)
    deadline = time.monotonic() + STARTUP_BOUND_S
    while True:
        seen = {name: health(url) for name, url in services.items()}
        if all(healthy(s) for s in seen.values()):
            break
        if time.monotonic() > deadline:
            print(f"not healthy within {STARTUP_BOUND_S}s: {json.dumps(seen)}", flush=True)
            return 1
        time.sleep(0.5)
    print("Homeward is up. Each service answers at (API docs under /docs):", flush=True)
    for name, url in services.items():
        print(f"  {name:<14} {url}   health: kafka+postgres connected", flush=True)
    print("Ctrl-C stops all of them.", flush=True)
    last = {name: True for name in services}
    while True:
        time.sleep(INTERVAL_S)
        for name, url in services.items():
            ok = healthy(status := health(url))
            if ok != last[name]:
                print(f"{name}: {'healthy again' if ok else json.dumps(status)}", flush=True)
                last[name] = ok


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
