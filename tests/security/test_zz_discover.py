import json
def test_openapi(make_forum):
    f = make_forum(plugins=("groups", "ideas"))
    doc = f.app.get("/api/v1/openapi.json").json
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if method == "parameters": continue
            params = [(p["in"], p["name"], json.dumps(p.get("schema"))[:80]) for p in op.get("parameters", [])]
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            print(method.upper(), path, params)
            if body: print("    BODY", json.dumps(body)[:600])
    print(json.dumps(doc.get("components", {}))[:3000])
