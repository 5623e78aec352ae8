"""The batch HTTP tests' environment, on either engine: ``Env`` (the API over a batch service,
a runner or the broker's drain), the keys and access of the tests, records and problems.
conftest.py makes ``make_env`` and ``env`` fixtures of it, parametrized by engine."""

from __future__ import annotations

import hashlib
import json

from falcon import testing

from renderer.batch.executor import InlineExecutor
from renderer.batch.outputs import LocalOutputs, S3Outputs
from renderer.batch.runner import Runner
from renderer.batch.service import BatchService
from renderer.batch.specs import Access, EngineSpec
from renderer.batch.tasks import TaskContext
from renderer.http.app import create_app

from .backends import BrokerDrain
from .conftest import sample

CLIENT_KEY, SHOP_A_KEY, SHOP_B_KEY = "client-key", "shop-a-key", "shop-b-key"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


ACCESS = Access(
    clients={"urad": digest(CLIENT_KEY)},
    shops={"tiskarna-a": digest(SHOP_A_KEY), "tiskarna-b": digest(SHOP_B_KEY)},
)


class Env:
    """One engine behind the HTTP API: ``embedded`` (SQLite, the InlineExecutor) or
    ``celery`` (PostgreSQL, Redis, S3 on moto's server; the tasks taken from the real broker
    and run here by ``BrokerDrain``)."""

    def __init__(self, pipeline, tmp_path, access=ACCESS, backends=None, **engine):
        engine.setdefault("chunk_size", 4)
        if backends is not None:
            engine.update(backends.engine())
        self.service = BatchService(EngineSpec(data_dir=tmp_path, **engine), access)
        self.client = testing.TestClient(create_app(pipeline, batches=self.service))
        if backends is not None:
            self.runner = BrokerDrain(self.service, pipeline)
            return
        context = TaskContext(self.service.engine, self.service.store, self.service.outputs)
        context.__dict__["pipeline"] = pipeline  # reuse the session's warm pipeline
        self.runner = Runner(self.service.store, InlineExecutor(context), self.service.outputs)

    def submit(self, records, key=CLIENT_KEY, ndjson=False, idempotency=None, **params):
        params.setdefault("layout", "sign.name-plate")
        headers = {
            "X-API-Key": key,
            "Content-Type": "application/x-ndjson" if ndjson else "application/json",
        }
        if idempotency:
            headers["Idempotency-Key"] = idempotency
        body = "\n".join(json.dumps(r) for r in records) if ndjson else json.dumps(records)
        return self.client.simulate_post("/v1/batches", params=params, body=body, headers=headers)

    def status(self, batch_id, key=CLIENT_KEY):
        return self.client.simulate_get(f"/v1/batches/{batch_id}", headers={"X-API-Key": key})

    def get(self, url, key=CLIENT_KEY, **params):
        return self.client.simulate_get(url, headers={"X-API-Key": key}, params=params)

    def post(self, url, body=None, key=CLIENT_KEY):
        return self.client.simulate_post(url, headers={"X-API-Key": key}, json=body)

    def stored(self, batch_id: str) -> list[str]:
        """Every file the outputs hold for the batch (temporary ones too), on disk or in S3."""
        outputs = self.service.outputs
        if isinstance(outputs, LocalOutputs):
            folder = outputs.root / batch_id
            return sorted(
                str(p.relative_to(outputs.root)) for p in folder.rglob("*") if p.is_file()
            )
        assert isinstance(outputs, S3Outputs)
        pages = outputs.client.get_paginator("list_objects_v2").paginate(
            Bucket=outputs.bucket, Prefix=outputs.key(batch_id) + "/"
        )
        return sorted(o["Key"] for page in pages for o in page.get("Contents", ()))


def plates(n, broken=()):
    data = sample("sign.name-plate")["data"]
    return [{"bad": i} if i in broken else dict(data, name=f"{data['name']} {i}") for i in range(n)]


def problem(response, status):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json
