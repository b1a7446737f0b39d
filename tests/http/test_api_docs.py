"""The API docs pages work offline: every script, style and icon comes from the server itself."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ServerFactory


@pytest.fixture(scope="module")
def client(module_live_server: ServerFactory) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=module_live_server(data_roots=[Path.cwd()]), timeout=30) as http:
        yield http


def assets(page: str) -> list[str]:
    """The URLs of the page's scripts, style sheets and icons."""
    return re.findall(r"<(?:script|link)\b[^>]*\b(?:src|href)=\"([^\"]+)\"", page)


@pytest.mark.parametrize(("path", "kinds"), [("/docs", {"js", "css", "png"}), ("/redoc", {"js", "png"})])
def test_docs_page_loads_nothing_from_another_host(client: httpx.Client, path: str, kinds: set[str]) -> None:
    response = client.get(path)
    assert response.status_code == 200
    page = response.text
    assert "http://" not in page and "https://" not in page, "the page names an external host"
    urls = assets(page)
    assert {url.rsplit(".", 1)[-1] for url in urls} == kinds
    content_types = {"js": "javascript", "css": "text/css", "png": "image/png"}
    for url in urls:
        assert url.startswith("/"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert content_types[url.rsplit(".", 1)[-1]] in asset.headers["content-type"], url
        assert len(asset.content) > 1000, url


def test_swagger_ui_is_the_real_bundle_without_the_online_validator(client: httpx.Client) -> None:
    page = client.get("/docs").text
    (script,) = [url for url in assets(page) if url.endswith(".js")]
    assert "SwaggerUIBundle" in client.get(script).text
    # Swagger UI otherwise shows a badge image fetched from validator.swagger.io.
    assert '"validatorUrl": null' in page
