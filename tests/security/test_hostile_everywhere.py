"""Every hostile value of ``corpus.HOSTILE`` against every form field, path segment, query
parameter and JSON API parameter the forum has, the core's and the installed plugins', through
a real ``forum serve`` on SQLite and on PostgreSQL.

Nothing is listed by hand: the HTML forms (with their fields, hidden ones and file inputs
included) and the query parameters of links are found by crawling the forum as a visitor, a
member and an administrator; the path segments come from the application's routes; the API's
path, query and body parameters from its OpenAPI document. A plugin's pages and endpoints are
therefore covered as soon as it is installed.

Each request must be answered within ``QUICK`` seconds with a 2xx, a 3xx (a form that was
accepted redirects) or a 4xx that is a page or a problem document, never a 500; meanwhile a
probe keeps asking for the home page and must keep getting it.
"""

from __future__ import annotations

import functools
import http.client
import importlib.metadata
import json
import os
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, quote_from_bytes, urldefrag, urlsplit

import pytest
from bs4 import BeautifulSoup
from pyramid.interfaces import IRoutesMapper
from sqlalchemy import select

from forum_core.accounts.models import User
from forum_core.demo import DEMO_PASSWORD, create_demo_content
from forum_core.plugins import ENTRY_POINT_GROUP
from forum_core.testing import PASSWORD
from tests.reliability.conftest import DATABASES, Server, write_ini
from tests.security.corpus import HOSTILE

#: Seconds one answer may take (a safety bound: each takes milliseconds normally).
QUICK = 2.0
#: The probe of the home page may wait this long once, on this shared 2-core machine.
PROBE_MAX = 5.0
#: seconds a connection waits for an answer before the case fails
TIMEOUT = 30
#: connections sending cases at once (the server answers with 8 threads)
LANES = 4
PROBLEM = "application/problem+json"
#: refused by the HTTP server itself (a request line or headers over its limits), in plain
#: text, before the forum sees the request
WAITRESS = (414, 431)
API = "/api/v1"
#: a 1x1 PNG for file inputs
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
#: stands for the browser's CSRF token in a case's form (it changes when a member signs in)
CSRF = "csrf-token-of-the-browser"
LIMITS = {"FORUM_RATE_POST": "100000/60", "FORUM_RATE_LOGIN": "100000/60",
          "FORUM_RATE_LOGIN_ADDRESS": "100000/60", "FORUM_RATE_REGISTER": "100000/60"}


# -- HTTP --------------------------------------------------------------------------------------

@dataclass
class Answer:
    status: int
    content_type: str
    text: str
    seconds: float
    location: str = ""


@dataclass
class Client:
    """One browser (cookies) or API client (token) on one keep-alive connection."""

    base: str
    username: str | None = None
    password: str = ""
    token: str | None = None
    cookies: dict[str, str] = field(default_factory=dict)
    _connection: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            host, port = urlsplit(self.base).netloc.split(":")
            self._connection = http.client.HTTPConnection(host, int(port), timeout=TIMEOUT)
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def send(self, method: str, target: str, body: bytes | None = None,
             content_type: str | None = None) -> Answer:
        headers = {"Accept": "text/html,application/json"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if content_type:
            headers["Content-Type"] = content_type
        for attempt in range(2):
            connection = self._connect()
            started = time.monotonic()
            try:
                connection.request(method, target, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()  # the server closed the kept-alive connection: once more
                if attempt:
                    raise
                continue
            seconds = time.monotonic() - started
            break
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.will_close:
            self.close()
        return Answer(response.status, response.headers.get("Content-Type", "").split(";")[0],
                      data.decode("utf-8", "replace"), seconds,
                      response.headers.get("Location", ""))

    def get(self, target: str) -> Answer:
        return self.send("GET", target)

    def csrf(self) -> str:
        if "forum_csrf" not in self.cookies:
            self.get("/login")
        return self.cookies.get("forum_csrf", "")

    def sign_in(self) -> None:
        if self.username is None:
            return
        self.cookies.clear()
        body = form_body({"login": self.username, "password": self.password,
                          "csrf_token": self.csrf()})
        answer = self.send("POST", "/login", body, "application/x-www-form-urlencoded")
        assert answer.status == 303, (self.username, answer.status, answer.text[:300])

    def signed_in(self) -> bool:
        return self.username is None or self.get("/account").status == 200


def encoded(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


@functools.lru_cache(maxsize=4096)
def escaped(value: str | bytes) -> str:
    """``value`` %-encoded for a URL or a form, every byte but letters, digits and ``_.-~``;
    kept, since the same few hostile values (up to 100 KB, escaped byte by byte) are sent
    thousands of times."""
    return quote_from_bytes(encoded(value), safe="")


def form_body(fields: dict[str, str | bytes]) -> bytes:
    return "&".join(f"{quote(name)}={escaped(value)}"
                    for name, value in fields.items()).encode("ascii")


def multipart_body(fields: dict[str, str | bytes], files: dict[str, str | bytes],
                   ) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     .encode() + encoded(value) + b"\r\n")
    for name, filename in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     'filename="'.encode() + encoded(filename).replace(b'"', b"%22")
                     + b'"\r\nContent-Type: image/png\r\n\r\n' + PNG + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), \
        f"multipart/form-data; boundary={boundary}"


# -- what the forum has: forms, links, routes, API operations ----------------------------------

@dataclass
class Form:
    who: str
    method: str
    action: str
    multipart: bool
    fields: dict[str, str]  # name -> default value
    files: list[str]


@dataclass
class Site:
    forms: list[Form] = field(default_factory=list)
    #: (who, path, query fields) of links with a query string
    links: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    #: route name -> the values of its placeholders in a page that was found
    examples: dict[str, dict[str, str]] = field(default_factory=dict)


def route_of(routes: list[Any], path: str) -> tuple[str, dict[str, str]] | None:
    for route in routes:
        matched = route.match(path)
        if matched is not None:
            return route.name, {k: v for k, v in matched.items() if isinstance(v, str)}
    return None


def crawl(site: Site, client: Client, who: str, routes: list[Any], limit: int = 150) -> None:
    """Every page reachable from the home page by links, as ``client``; records its forms
    and the query parameters of its links."""
    seen: set[str] = set()
    queue = ["/"]
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        answer = client.get(url)
        path = urlsplit(url).path
        found = route_of(routes, path)
        if found is not None and answer.status == 200:
            site.examples.setdefault(found[0], found[1])
        if answer.content_type != "text/html":
            continue
        html = BeautifulSoup(answer.text, "html.parser")
        for form in html.find_all("form"):
            site.forms.append(read_form(form, url, who))
        for link in html.find_all("a", href=True):
            href = urldefrag(link["href"])[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/") \
                    or href.startswith(("/static/", "/avatars/")):
                continue
            if parts.query:
                site.links.append((who, parts.path, dict(parse_qsl(parts.query,
                                                                   keep_blank_values=True))))
            if href not in seen:
                queue.append(href)


def read_form(form: Any, page: str, who: str) -> Form:
    fields: dict[str, str] = {}
    files: list[str] = []
    for element in form.find_all(["input", "textarea", "select", "button"]):
        name = element.get("name")
        if not name:
            continue
        kind = (element.get("type") or "").lower()
        if kind == "file":
            files.append(name)
        elif element.name == "textarea":
            fields.setdefault(name, element.text)
        elif element.name == "select":
            chosen = element.find("option", selected=True) or element.find("option")
            fields.setdefault(name, chosen.get("value", chosen.text) if chosen else "")
        elif kind in ("checkbox", "radio"):
            if element.has_attr("checked") or name not in fields:
                fields[name] = element.get("value", "on")
        else:
            fields.setdefault(name, element.get("value", ""))
    return Form(who=who, method=(form.get("method") or "get").upper(),
                action=form.get("action") or page,
                multipart=(form.get("enctype") or "") == "multipart/form-data",
                fields=fields, files=files)


# -- the cases ---------------------------------------------------------------------------------

@dataclass
class Case:
    who: str
    label: str
    method: str
    target: str
    body: bytes | None = None
    content_type: str | None = None
    #: cases of one group run in order on one connection: the fields of one form (two of
    #: its fields at once would be two members racing to save one thing), else one parameter
    group: str = ""

    def __post_init__(self) -> None:
        self.group = self.group or self.label.rsplit("=", 1)[0]


PLACEHOLDER = re.compile(r"\{(\w+)(?::[^}]*)?\}")


def fill(pattern: str, values: dict[str, str | bytes]) -> str:
    return PLACEHOLDER.sub(lambda m: escaped(values.get(m.group(1), "1")), pattern)


def path_cases(routes: list[Any], site: Site) -> Iterator[Case]:
    """Each placeholder of each page route, the others as in a page that was found."""
    for route in routes:
        names = PLACEHOLDER.findall(route.pattern)
        if not names or route.pattern.startswith(API):
            continue
        example = site.examples.get(route.name, {})
        for name in names:
            for label, value in HOSTILE:
                yield Case("admin", f"path {route.pattern} {{{name}}}={label}", "GET",
                           fill(route.pattern, {**example, name: value}))


def link_cases(site: Site) -> Iterator[Case]:
    done = set()
    for who, path, query in site.links:
        for name in query:
            if (path, name) in done:
                continue
            done.add((path, name))
            for label, value in HOSTILE:
                target = path + "?" + form_body({**query, name: value}).decode()
                yield Case(who, f"query {path}?{name}={label}", "GET", target)


def form_cases(site: Site, routes: list[Any]) -> Iterator[Case]:
    """Each field of each form, once per route and field name, the other fields as the page
    gave them; a file input's file name is a field too."""
    done = set()
    for form in site.forms:
        found = route_of(routes, urlsplit(form.action).path)
        route = found[0] if found else form.action
        for name in [*form.fields, *form.files]:
            if (route, form.method, name) in done:
                continue
            done.add((route, form.method, name))
            for label, value in HOSTILE:
                yield form_case(form, name, label, value)


def form_case(form: Form, name: str, label: str, value: str | bytes) -> Case:
    fields: dict[str, str | bytes] = dict(form.fields)
    if "csrf_token" in fields:
        fields["csrf_token"] = CSRF  # the browser's token when the case is sent
    files: dict[str, str | bytes] = {f: "picture.png" for f in form.files}
    (files if name in files else fields)[name] = value
    title = f"form {form.method} {form.action} {name}={label}"
    group = f"form {form.method} {urlsplit(form.action).path}"
    if form.method == "GET":
        return Case(form.who, title, "GET", form.action + "?" + form_body(fields).decode(),
                    group=group)
    if form.multipart:
        body, content_type = multipart_body(fields, files)
        return Case(form.who, title, "POST", form.action, body, content_type, group)
    return Case(form.who, title, "POST", form.action, form_body(fields),
                "application/x-www-form-urlencoded", group)


def resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = document["components"]["schemas"][name]
    return schema


def sample(schema: dict[str, Any], document: dict[str, Any]) -> Any:
    """A value the schema accepts, for the fields the case does not aim at."""
    schema = resolve(schema, document)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "boolean":
        return True
    if kind == "array":
        return [sample(schema.get("items", {}), document)] * max(schema.get("minItems", 1), 1)
    if kind == "object":
        return {name: sample(sub, document) for name, sub in schema.get("properties", {}).items()
                if name in schema.get("required", ())}
    for text in ("Hostile input check", "bob", "bob@example.com", "2026-01-02"):
        if schema.get("minLength", 0) <= len(text) <= schema.get("maxLength", 10**9) \
                and re.search(schema.get("pattern", ""), text):
            return text
    return "x" * max(schema.get("minLength", 1), 1)


def json_with(base: dict[str, Any], name: str, value: str | bytes) -> bytes:
    """``base`` with ``name`` set to ``value``, whose bytes go into the JSON as they are."""
    marker = "\ue000hostile\ue000"
    current = base.get(name)
    text = json.dumps({**base, name: [marker] if isinstance(current, list) else marker})
    return text.encode().replace(json.dumps(marker).encode(),
                                 b'"' + encoded(value).replace(b"\\", b"\\\\")
                                 .replace(b'"', b'\\"') + b'"')


def api_cases(document: dict[str, Any], values: dict[str, str]) -> Iterator[Case]:
    """Each path, query and top-level body parameter of each operation of the API."""
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            params = operation.get("parameters", [])
            ok_path = {p["name"]: values.get(p["name"], "1") for p in params if p["in"] == "path"}
            body_schema = operation.get("requestBody", {}).get("content", {}).get(
                "application/json", {}).get("schema")
            schema = resolve(body_schema, document) if body_schema else None
            base = sample(schema, document) if schema else None
            body = json.dumps(base).encode() if schema else None
            kind = "application/json" if schema else None
            for param in params:
                for label, value in HOSTILE:
                    title = f"api {method.upper()} {path} {param['name']}={label}"
                    if param["in"] == "path":
                        target = API + fill(path, {**ok_path, param["name"]: value})
                    else:
                        target = API + fill(path, ok_path) + "?" + \
                            form_body({param["name"]: value}).decode()
                    yield Case("api", title, method.upper(), target, body, kind)
            for name in (schema or {}).get("properties", {}):
                for label, value in HOSTILE:
                    yield Case("api", f"api {method.upper()} {path} body.{name}={label}",
                               method.upper(), API + fill(path, ok_path),
                               json_with(base or {}, name, value), "application/json")


def api_values(document: dict[str, Any], site: Site, client: Client) -> dict[str, str]:
    """A value of each path parameter of the API that names something that exists: the
    values the pages' addresses had under the same name, else any number they had, tried
    on the longest path of the API that can be read with them."""
    seen: dict[str, list[str]] = {}
    for example in site.examples.values():
        for name, value in example.items():
            seen.setdefault(name, []).append(value)
    numbers = sorted({v for vs in seen.values() for v in vs if v.isdigit()}, key=int)
    readable = [p for p, ops in document["paths"].items() if "get" in ops]
    chosen: dict[str, str] = {}
    for path in sorted(readable, key=len):
        for name in PLACEHOLDER.findall(path):
            if name in chosen:
                continue
            candidates = list(dict.fromkeys(seen.get(name, []) + numbers))[:30]
            for candidate in candidates:
                if client.get(API + fill(path, {**chosen, name: candidate})).status == 200:
                    chosen[name] = candidate
                    break
    return chosen


# -- the run -----------------------------------------------------------------------------------

def installed_plugins() -> tuple[str, ...]:
    return tuple(sorted(ep.name for ep in importlib.metadata.entry_points(
        group=ENTRY_POINT_GROUP)))


class Probe(threading.Thread):
    """Asks for the home page every 0.2 s while the cases run."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.client = Client(base)
        self.stop = threading.Event()
        self.answers: list[tuple[int, float]] = []

    def run(self) -> None:
        while not self.stop.wait(0.2):
            try:
                answer = self.client.get("/")
                self.answers.append((answer.status, answer.seconds))
            except OSError as exc:
                self.answers.append((0, float("inf")))
                self.client.close()
                print("probe:", exc)


def check(case: Case, answer: Answer) -> str | None:
    """What is wrong with the answer, or None."""
    if answer.status >= 500:
        return f"{answer.status}: {answer.text[:300]!r}"
    if "Traceback" in answer.text:
        return "a traceback in the answer"
    if 400 <= answer.status < 500 and answer.status not in WAITRESS:
        api = case.target.startswith(API + "/")
        expected = PROBLEM if api else "text/html"
        if answer.content_type != expected and case.method != "HEAD":
            return f"{answer.status} as {answer.content_type!r}, not {expected}"
    if answer.seconds > QUICK:
        return f"took {answer.seconds:.2f} s"
    return None


def seed(forum: Any) -> None:
    forum.create_user("root", role="admin")
    with forum.session() as session:
        admin = session.scalar(select(User).where(User.username == "root"))
        create_demo_content(session, forum.env.hooks, admin)


@pytest.mark.slow
@pytest.mark.parametrize("postgres", DATABASES)
def test_every_hostile_input_everywhere(make_forum, tmp_path, postgres):
    forum = make_forum(plugins=installed_plugins(), postgres=postgres)
    seed(forum)
    routes = forum.app.app.registry.getUtility(IRoutesMapper).get_routes()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORUM_")}
    server = Server(write_ini(forum, tmp_path / "forum.ini"), {**env, **LIMITS}).start()
    clients = {"visitor": Client(server.url),
               "member": Client(server.url, "bob", DEMO_PASSWORD),
               "admin": Client(server.url, "root", PASSWORD),
               "api": Client(server.url, token=forum.api_token("root"))}
    probe = Probe(server.url)
    try:
        for client in clients.values():
            client.sign_in()
        site = Site()
        for who in ("visitor", "member", "admin"):
            crawl(site, clients[who], who, routes)
        document = json.loads(clients["api"].get(API + "/openapi.json").text)
        values = api_values(document, site, clients["api"])
        # the member's cases before the administrator's (who may suspend the member or
        # delete what the member's forms act on), the API's before the administrator's forms
        forms = list(form_cases(site, routes))
        started = time.monotonic()
        stages = [[*path_cases(routes, site), *link_cases(site),
                   *[c for c in forms if c.who != "admin"]],
                  list(api_cases(document, values)),
                  [c for c in forms if c.who == "admin"]]
        ordered = [case for stage in stages for case in stage]
        probe.start()
        failures = [f for stage in stages for f in run_stage(stage, clients)]
        print(f"{len(ordered)} cases in {time.monotonic() - started:.0f} s")

    finally:
        probe.stop.set()
        if probe.is_alive():
            probe.join(timeout=30)
        probe.client.close()
        for client in clients.values():
            client.close()
        server.stop()
    kinds = {case.label.split(" ", 1)[0] for case in ordered}
    assert kinds == {"path", "query", "form", "api"}, kinds  # the discovery found each kind
    assert not failures, f"{len(failures)} of {len(ordered)} cases failed:\n" + \
        "\n".join(failures[:60])
    assert probe.answers and all(status == 200 for status, _ in probe.answers), probe.answers
    slowest = max(seconds for _, seconds in probe.answers)
    assert slowest < PROBE_MAX, f"the home page waited {slowest:.2f} s"


def run_stage(cases: list[Case], clients: dict[str, Client], lanes: int = LANES) -> list[str]:
    """Run ``cases`` on ``lanes`` connections at once (each with its own copy of every
    browser), the cases of one field or parameter in one lane, in order."""
    targets: dict[tuple[str, str], list[Case]] = {}
    for case in cases:
        targets.setdefault((case.who, case.group), []).append(case)
    groups = list(targets.values())
    failures: list[str] = []
    workers = []
    for lane in range(lanes):
        copies = {who: Client(c.base, c.username, c.password, c.token, dict(c.cookies))
                  for who, c in clients.items()}
        worker = threading.Thread(target=lambda g=groups[lane::lanes], c=copies: (
            failures.extend(run_cases(g, c)), [x.close() for x in c.values()]))
        worker.start()
        workers.append(worker)
    for worker in workers:
        worker.join()
    return failures


def run_cases(groups: list[list[Case]], clients: dict[str, Client]) -> list[str]:
    failures = []
    for cases in groups:
        client = clients[cases[0].who]
        for case in cases:
            failures += run_case(case, client)
        # a case may have signed the browser out (a sign-out form, a changed password)
        if not client.signed_in():
            client.sign_in()
    return failures


def run_case(case: Case, client: Client) -> list[str]:
    token = client.csrf() if client.username or case.who == "visitor" else CSRF
    target = case.target.replace(CSRF, token)
    body = case.body.replace(CSRF.encode(), token.encode()) if case.body else case.body
    problem: str | None = "took"
    for _attempt in range(2):
        # the better of two tries: a busy shared machine is slow now and then, a quadratic
        # step every time
        try:
            answer = client.send(case.method, target, body, case.content_type)
        except (OSError, http.client.HTTPException) as exc:
            client.close()
            return [f"{case.label}: no answer ({exc!r})"]
        problem = check(case, answer)
        if not (problem and problem.startswith("took")):
            break
    return [f"{case.label}: {problem}"] if problem else []
