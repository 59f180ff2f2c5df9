import time, logging, json
from tests.functional.test_api_schema import api_forum  # noqa
def test_dbg(api_forum, caplog):
    h = {"Authorization": f"Bearer {api_forum.token}", "Content-Type": "application/json"}
    for body in ["\x00", "0", "a"*5000, "\U0010ffff", "[quote post=1 user=x]\nhi\n[/quote]", "\ud800"]:
        t0 = time.time()
        r = api_forum.app.patch(f"/api/v1/posts/1", json.dumps({"body": body}), headers=h, expect_errors=True)
        print(repr(body[:10]), r.status, round(time.time() - t0, 2))
    for method in ("delete", "get"):
        t0 = time.time()
        r = getattr(api_forum.app, method)(f"/api/v1/posts/1", headers=h, expect_errors=True)
        print(method, r.status, round(time.time() - t0, 2))
    print(caplog.text[-1500:])
