"""How the HTTP application is put together: one app factory (the server's workers use it
too), the domain's exceptions mapped to problems in one place, the batch and print-job
routes behind one key check each, and no private import across renderer/ (import cycles:
test_architecture.py)."""

import ast
import hashlib
import shutil
from pathlib import Path
from types import SimpleNamespace

import falcon
import pytest
from falcon import testing
from falcon.inspect import inspect_app

import renderer
from renderer.batch.service import BatchRefused, BatchService
from renderer.batch.specs import Access, EngineSpec
from renderer.http import app as app_module
from renderer.http import problems
from renderer.http.app import create_app
from renderer.http.server import Service
from renderer.options import OptionError
from renderer.raster import RasterTooLarge
from renderer.settings import Settings
from renderer.uploads import UploadRefused

PACKAGE = Path(renderer.__file__).parent
HTTP = PACKAGE / "http"
DOMAIN_ERRORS = {
    UploadRefused: UploadRefused("document", "is not a PDF"),
    BatchRefused: BatchRefused("the batch is running"),
    OptionError: OptionError("variant", "offers screen"),
    RasterTooLarge: RasterTooLarge("too many pixels"),
}


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    return modules


def _imports(name: str, path: Path, modules: dict[str, Path], top_level_only: bool):
    """(module imported, names imported) for each relative import of the module."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
            names = [alias.name for alias in node.names]
            yield target, names
            for alias in names:  # ``from . import module``
                if f"{target}.{alias}" in modules:
                    yield f"{target}.{alias}", []


def test_no_private_name_is_imported_from_another_http_module():
    modules = _modules()
    private = [
        f"{path.name}: from {target} import {name}"
        for path in HTTP.glob("*.py")
        for target, names in _imports(f"renderer.http.{path.stem}", path, modules, False)
        for name in names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert private == []


def test_domain_errors_are_caught_by_the_registered_handlers_only():
    """No resource catches these exceptions itself: each is turned into its problem once.
    (The studio's previews answer a too large raster as a 400 of their own ``dpi``.)"""
    shared = (UploadRefused, BatchRefused, OptionError)
    catching = []
    for path in HTTP.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                caught = ast.unparse(node.type)
                catching += [f"{path.name}: {caught}" for e in shared if e.__name__ in caught]
    assert catching == []


@pytest.mark.parametrize(
    "error, status, entry",
    [
        (UploadRefused, 422, {"pointer": "/document", "detail": "is not a PDF"}),
        (BatchRefused, 409, {"pointer": "", "detail": "the batch is running"}),
        (OptionError, 400, {"parameter": "variant", "detail": "offers screen"}),
        (RasterTooLarge, 422, {"parameter": "dpi", "detail": "too many pixels"}),
    ],
)
def test_each_domain_error_is_its_problem(error, status, entry):
    app = falcon.App()
    problems.install(app)

    class Raises:
        def on_post(self, req, resp):
            raise DOMAIN_ERRORS[error]

    app.add_route("/raise", Raises())
    resp = testing.TestClient(app).simulate_post("/raise", json={})
    assert resp.status_code == status
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json["errors"] == [entry]


def test_an_upload_sent_as_the_whole_body_is_pointed_at_as_the_body():
    app = falcon.App()
    problems.install(app)

    class Raises:
        def on_post(self, req, resp):
            raise UploadRefused("document", "is an encrypted PDF")

    app.add_route("/raise", Raises())
    resp = testing.TestClient(app).simulate_post(
        "/raise", body=b"%PDF-", headers={"Content-Type": "application/pdf"}
    )
    assert resp.status_code == 422 and resp.json["errors"][0]["pointer"] == ""


@pytest.fixture(scope="module")
def keyed_app(pipeline, tmp_path_factory):
    access = Access(
        clients={"urad": hashlib.sha256(b"client").hexdigest()},
        shops={"tiskarna": hashlib.sha256(b"shop").hexdigest()},
    )
    service = BatchService(EngineSpec(data_dir=tmp_path_factory.mktemp("keyed")), access)
    return create_app(pipeline, batches=service)


def _batch_routes(app) -> list[tuple[str, str]]:
    """(method, path) of every responder under /v1/batches and /v1/print-jobs, read from
    the app itself: a route added later is covered without a change here."""
    return [
        (method.method, route.path)
        for route in inspect_app(app).routes
        if route.path.startswith(("/v1/batches", "/v1/print-jobs"))
        for method in route.methods
        if not method.internal
    ]


def test_every_batch_and_print_job_route_is_behind_the_key_check(keyed_app):
    client = testing.TestClient(keyed_app)
    routes = _batch_routes(keyed_app)
    assert len(routes) >= 9
    for method, template in routes:
        path = template.replace("{batch_id}", "b1").replace("{job_id}", "b1")
        path = path.replace("{name}", "merged.pdf")
        for key in (None, "wrong"):
            headers = {"X-API-Key": key} if key else {}
            resp = client.simulate_request(method, path, headers=headers, json={})
            assert resp.status_code == 401, (method, path, resp.text)
            assert resp.json["errors"][0]["header"] == "X-API-Key"


def test_a_shop_key_is_not_a_client_key_nor_the_reverse(keyed_app):
    client = testing.TestClient(keyed_app)
    as_shop = client.simulate_get("/v1/batches/b1", headers={"X-API-Key": "shop"})
    as_client = client.simulate_get("/v1/print-jobs", headers={"X-API-Key": "client"})
    assert as_shop.status_code == as_client.status_code == 401
    unknown = client.simulate_get("/v1/batches/b1", headers={"X-API-Key": "client"})
    assert unknown.status_code == 404
    assert unknown.json["errors"] == [{"parameter": "batch_id", "detail": "no batch 'b1'"}]


def test_the_server_workers_build_their_app_with_create_app(monkeypatch, tmp_path):
    built = []
    real = app_module.create_app

    def spy(*args, **kwargs):
        built.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(app_module, "create_app", spy)
    settings = Settings.load({"OBRAZCI_DATA_DIR": str(tmp_path)})
    worker = SimpleNamespace(wsgi=SimpleNamespace(app=None))
    Service(settings, batches=True, dev=True)._post_worker_init(worker)
    (kwargs,) = built
    pipeline = kwargs.pop("pipeline")  # with --dev the worker's own, without the warm cache
    assert pipeline.layer_cache is None
    assert kwargs == {
        "settings": settings,
        "dev": True,
        "warm_error": None,
        "runner_beside": True,
    }
    assert isinstance(worker.wsgi.app, falcon.App)
    ready = testing.TestClient(worker.wsgi.app).simulate_get("/readyz")
    assert "batch_runner" in ready.json["components"]  # the runner beside it is reported on


def test_the_server_workers_share_the_masters_warm_pipeline(monkeypatch, tmp_path):
    """Not --dev: every worker wraps the pipeline the master warmed before forking, and
    leaves its font files to the master (a recycled worker must not remove them)."""
    from renderer.pipeline import Pipeline

    built = []
    real = app_module.create_app
    monkeypatch.setattr(app_module, "create_app", lambda *a, **k: built.append(k) or real(*a, **k))
    settings = Settings.load({"OBRAZCI_DATA_DIR": str(tmp_path)})
    service = Service(settings, batches=False, dev=False)
    service.pipeline = Pipeline(settings.limits())
    fonts = service.pipeline.renderer.font_config._folder  # the @font-face files
    assert fonts is not None and fonts.exists()
    service._post_worker_init(SimpleNamespace(wsgi=SimpleNamespace(app=None)))
    (kwargs,) = built
    assert kwargs["pipeline"] is service.pipeline and kwargs["warm_error"] is None
    assert service.pipeline.renderer.font_config._folder is None
    shutil.rmtree(fonts)  # what the master does when it exits
