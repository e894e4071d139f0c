"""`/docs`: Swagger UI from the swagger-ui-bundle package, so it works offline (FastAPI's own
page loads it from a CDN). Under AUTH_MODE=keys the page is open, as is the document it reads
(which names no model until a key is presented): its Authorize button takes the key to paste.
"""

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from handlers.http.admission.declared import open_route

DOCS = "/docs"
ASSETS = "/docs/assets"


def install_docs(app: FastAPI) -> None:
    """The page and its assets; FastAPI's CDN page is off (`docs_url=None`)."""
    assets = Mount(ASSETS, app=StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui")
    app.router.routes.append(open_route(assets))
    title = f"{app.title} - docs"
    openapi_url = app.openapi_url or "/openapi.json"

    async def docs(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=title,
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
            # A pasted key survives a reload of the page.
            swagger_ui_parameters={"persistAuthorization": True},
        )

    app.router.routes.append(open_route(Route(DOCS, docs, include_in_schema=False)))


def operation_id(route: object) -> str:
    """The name a person would write in a generated client: the handler's, less `_route`
    (`predict`, `predict_batch`, `list_models`), not FastAPI's path-and-method compound."""
    name: str = getattr(route, "name", "")
    return name.removesuffix("_route")
