import uvicorn
from homeward_shared.heap import tune_collector

from homeward_web.bootstrap import bootstrap

if __name__ == "__main__":
    web = bootstrap()
    s = web.settings
    tune_collector()
    uvicorn.run(
        web.app,
        host=s.http_host,
        port=s.http_port,
        log_level="warning",
        loop="uvloop",
        timeout_graceful_shutdown=int(s.shutdown_grace_s),
    )
