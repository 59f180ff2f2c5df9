"""schemathesis over the served OpenAPI document: generated requests (bounded) against the
real WSGI app find no 5xx and no response that contradicts the document."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from forum_core.testing import whoosh_names_from_secrets
from tests.conftest import plugin_entry_points
from tests.functional.test_api import create_token
from tests.functional.test_discussions import make_category, make_topic
from tests.functional.test_moderation import reply_as

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]


@pytest.fixture
def api_forum(make_forum, monkeypatch):
    whoosh_names_from_secrets(monkeypatch)
    # the test plugin and the bundled groups plugin add endpoints of their own
    groups = EntryPoint(name="groups", value="forum_groups", group="forum.plugins")
    forum = make_forum(plugins=("finder", "groups"),
                       entry_points=[*plugin_entry_points(), groups])
    forum.create_user("admin", role="admin")
    forum.create_user("mira")
    make_category(forum, "General")
    make_category(forum, "Staff", read_access="moderators", topic_access="moderators",
                  reply_access="moderators")
    for number in range(3):
        topic_id = make_topic(forum, "mira", "general", f"Topic {number}", "Some *text*")
        reply_as(forum, "admin", topic_id, "A reply mentioning @mira")
    forum.token, _ = create_token(forum, "admin")
    return forum


def test_the_api_keeps_to_its_openapi_document(api_forum):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api_forum.app.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20  # the core's endpoints and the plugins'
    auth = {"Authorization": f"Bearer {api_forum.token}"}

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            for headers in (auth, {}):
                case.call_and_validate(headers=headers, checks=CHECKS)

        check()
