"""Reading a service's /metrics in tests: every sample by name and labels."""

from __future__ import annotations

from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families


class Scrape(dict[tuple[str, frozenset[tuple[str, str]]], float]):
    def value(self, name: str, **labels: str) -> float:
        """The sum of the samples of ``name`` whose labels include ``labels`` (0 if none)."""
        wanted = set(labels.items())
        return sum(v for (n, ls), v in self.items() if n == name and wanted <= ls)


async def scrape(client: httpx.AsyncClient) -> Scrape:
    r = await client.get("/metrics")
    assert r.status_code == 200, r.text
    samples = Scrape()
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return samples


async def metric(client: httpx.AsyncClient, name: str, **labels: Any) -> float:
    return (await scrape(client)).value(name, **{k: str(v) for k, v in labels.items()})
