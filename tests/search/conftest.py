"""Each search test gets its own index directory (and node name) under tmp_path."""

from __future__ import annotations

import pytest

from openstx.search import synonyms


@pytest.fixture(autouse=True)
def index_dir(tmp_path, settings):
    settings.SEARCH_INDEX_DIR = tmp_path / "search"
    settings.SEARCH_NODE_NAME = f"test-node:{tmp_path.name}"
    settings.SEARCH_APPLY = ""
    synonyms.clear_cache()
    yield settings.SEARCH_INDEX_DIR
    synonyms.clear_cache()


@pytest.fixture
def apply():
    """Apply the outbox to the test's index and return the writer's report."""
    from openstx.search import writer

    def run(**kwargs):
        return writer.apply_pending(**kwargs)

    return run


@pytest.fixture
def search():
    from openstx.search import service

    def run(q, **kwargs):
        return service.search(q, **kwargs)

    return run


def titles(results):
    return [h.title for h in results.hits]
