import json
import os
from pathlib import Path

import pytest
from falcon import testing

from renderer.batch.service import BatchService
from renderer.batch.specs import Access, EngineSpec
from renderer.http.app import create_app
from renderer.options import LANGUAGE_SETS, RenderOptions
from renderer.pipeline import Pipeline

from .backends import celery_backends, postgres, redis_server, s3  # noqa: F401 - fixtures, one set per session
from .helpers import browser, server  # noqa: F401 - fixtures of the browser tests

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.fixture(scope="session", autouse=True)
def batch_data_dir(tmp_path_factory):
    """An app made without its own batch service keeps the batch store in a temporary
    directory, never in the working tree."""
    os.environ["OBRAZCI_DATA_DIR"] = str(tmp_path_factory.mktemp("var"))


@pytest.fixture(scope="session")
def pipeline() -> Pipeline:
    return Pipeline()


@pytest.fixture(scope="session")
def client(pipeline, tmp_path_factory) -> testing.TestClient:
    batches = BatchService(EngineSpec(data_dir=tmp_path_factory.mktemp("batches")), Access())
    return testing.TestClient(create_app(pipeline, batches=batches))


@pytest.fixture(scope="session")
def rendered_samples(pipeline):
    """Every layout's sample in every language set, as PDF, rendered once per session."""
    cache = {}

    def get(layout_id: str, languages: tuple[str, ...], fmt: str = "pdf") -> bytes:
        key = (layout_id, languages, fmt)
        if key not in cache:
            cache[key] = pipeline.render_sample(layout_id, languages, RenderOptions(fmt)).content
        return cache[key]

    return get


def sample(layout_id: str, languages=("sl",)) -> dict:
    suffix = "" if tuple(languages) == ("sl",) else "." + "-".join(languages)
    return json.loads((SAMPLES / f"{layout_id}{suffix}.json").read_text(encoding="utf-8"))


@pytest.fixture(params=["embedded", "celery"])
def make_env(request, pipeline, tmp_path):
    """Makes a batch test's Env (tests/batchenv.py) on the engine of the test's parameter
    (a fresh database, broker and bucket each)."""
    from .batchenv import Env

    backends = request.getfixturevalue("celery_backends") if request.param == "celery" else None

    def make(path=tmp_path, **options):
        return Env(pipeline, path, backends=backends and backends.fresh(), **options)

    return make


@pytest.fixture
def env(make_env):
    return make_env()


ALL_LANGUAGE_SETS = [pytest.param(langs, id="+".join(langs)) for langs in LANGUAGE_SETS]
