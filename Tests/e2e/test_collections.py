"""Collections from Lua (`DB.<collection>.find/findOne/count/create/update/replace/delete`, `DB.transaction`) and from
the admin API (`/admin/collections`), test runs rolled back with their `writes`, and change hooks
(`hooks/<collection>.lua`) fired by handler, hook and admin writes — against the running daemon."""
import json

import pytest

from conftest import wait_until
from gateway_support import Client, admin, connect_when_served, serve, user_token, write_gateway

# One generic handler: BODY = {c = collection, op = method, args = {...}}.
CALL = "local c = DB.collection(BODY.c) return c[BODY.op](BODY.args)"

SEED = """
DB.transaction(function()
  for i = 1, BODY.n do
    DB[BODY.c].create{data = {n = i, text = string.rep('x', BODY.size or 10) .. i}}
  end
end)
return DB[BODY.c].count{}
"""

ATOMIC = """
local ok, err = pcall(DB.transaction, function()
  DB.notes.create{data = {id = 'a'}}
  DB.notes.create{data = {id = 'b'}}
  if BODY.fail then THROW.conflict('no, thanks', {why = 'test'}) end
end)
return ok, ok and JSON.null or err.status, DB.notes.count{}
"""

WATCH_HOOK = """
SOCKET.emitToRoom('watchers', 'item.' .. BODY.action, {
  collection = BODY.collection, item = BODY.item, previous = BODY.previous, userId = BODY.userId,
  timestamp = BODY.timestamp ~= nil, gateway = GATEWAY, event = EVENT })
"""

CHAIN_HOOK = "if BODY.action == 'created' then DB.chain.create{data = {n = BODY.item.n + 1}} end"

JOIN_HOOK = "SOCKET.join('nope')"


@pytest.fixture
def server(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    gateway = write_gateway(handlers, "data", "/data", {
        "db": (CALL, {"ack": "result"}),
        "seed": (SEED, {"ack": "result", "timeoutMs": 60000}),
        "atomic": (ATOMIC, {"ack": "result"}),
        "watch": ("SOCKET.join('watchers') return true", {"ack": "result"}),
        "runaway": ("while true do DB.big.find{filter = {text = {_contains = 'nothing'}}, sort = {'-text'}} end",
                    {"ack": "result", "timeoutMs": 200}),
        "loop": ("while true do DB.notes.count{} end", {"ack": "result", "timeoutMs": 100}),
        "eval": ("return load(BODY, 'hostile.lua')()", {"ack": "result", "timeoutMs": 2000}),
        "computed_env": ("return _ENV['D' .. 'B'].notes.count{}", {"ack": "result"}),
        "computed_g": ("local name = 'D' .. 'B' return _G[name].notes.count{}", {"ack": "result"}),
    }, indexes={"people": ["city"]})
    (gateway / "hooks").mkdir()
    (gateway / "hooks" / "messages.lua").write_text(WATCH_HOOK)
    (gateway / "hooks" / "chain.lua").write_text(CHAIN_HOOK)
    (gateway / "hooks" / "joiners.lua").write_text(JOIN_HOOK)
    return serve(start_server, tmp_path, handlers)


def db(client, collection, op, args=None):
    return client.call("db", {"c": collection, "op": op, "args": args or {}}, namespace="/data")


@pytest.fixture
def client(server):
    client = Client(server, ["/data"])
    yield client
    client.close()


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_documents_round_trip(server, transport):
    client = Client(server, ["/data"], transports=(transport,))
    try:
        given = db(client, "notes", "create", {"data": {"id": "n1", "title": "first", "tags": ["a"], "meta": {"x": 1}}})
        assert given["id"] == "n1" and given["title"] == "first" and given["meta"] == {"x": 1}
        assert given["createdAt"] == given["updatedAt"] and given["createdAt"].endswith("Z")
        generated = db(client, "notes", "create", {"data": {"title": "second"}})
        assert isinstance(generated["id"], str) and len(generated["id"]) >= 16
        assert db(client, "notes", "findOne", {"filter": {"id": {"_eq": "n1"}}})["title"] == "first"
        assert db(client, "notes", "findOne", {"filter": {"title": "nobody"}}) is None
        merged = db(client, "notes", "update", {"id": "n1", "data": {"body": "text"}})
        assert (merged["title"], merged["body"], merged["createdAt"]) == ("first", "text", given["createdAt"])
        replaced = db(client, "notes", "replace", {"id": "n1", "data": {"only": True}})
        assert "title" not in replaced and replaced["only"] is True and replaced["createdAt"] == given["createdAt"]
        assert db(client, "notes", "count") == 2
        assert db(client, "notes", "delete", {"id": "n1"})["only"] is True
        assert db(client, "notes", "count") == 1
        for op, args, code in [
            ("create", {"data": {"id": generated["id"]}}, "CONFLICT"),
            ("update", {"id": "gone", "data": {}}, "NOT_FOUND"),
            ("delete", {"id": "gone"}, "NOT_FOUND"),
            ("create", {"data": "not an object"}, "BAD_REQUEST"),
            ("find", {"filtr": {}}, "BAD_REQUEST"),
        ]:
            failure = db(client, "notes", op, args)["error"]
            assert failure["code"] == code, (op, args, failure)
            assert f"DB.notes.{op}" in failure["message"]
    finally:
        client.close()


PEOPLE = [
    {"id": "ann", "age": 31, "city": "Oslo", "email": "ann@example.com", "boss": {"name": "zoe"}, "active": True},
    {"id": "bob", "age": 25, "city": "Rome", "email": "bob@example.org", "boss": {"name": "ann"}, "active": False},
    {"id": "cid", "age": 40, "city": "Oslo", "email": None, "active": True},
    {"id": "dan", "age": 25, "city": "Lima", "email": "dan@example.com", "active": True},
]


def test_every_filter_operator_sort_and_fields(server, client):
    for person in PEOPLE:
        response = admin(server, "POST", "/admin/collections/people/items", person)
        assert response.status_code == 201, response.text
    cases = [
        ({"age": {"_eq": 25}}, ["bob", "dan"]),
        ({"age": 25}, ["bob", "dan"]),
        ({"city": {"_neq": "Oslo"}}, ["bob", "dan"]),
        ({"age": {"_gt": 30}}, ["ann", "cid"]),
        ({"age": {"_gte": 31}}, ["ann", "cid"]),
        ({"age": {"_lt": 31}}, ["bob", "dan"]),
        ({"age": {"_lte": 31}}, ["ann", "bob", "dan"]),
        ({"city": {"_in": ["Rome", "Lima"]}}, ["bob", "dan"]),
        ({"city": {"_nin": ["Rome", "Lima"]}}, ["ann", "cid"]),
        ({"email": {"_contains": "example.com"}}, ["ann", "dan"]),
        ({"email": {"_starts_with": "bo"}}, ["bob"]),
        ({"email": {"_null": True}}, ["cid"]),
        ({"email": {"_null": False}}, ["ann", "bob", "dan"]),
        ({"boss.name": {"_eq": "ann"}}, ["bob"]),
        ({"boss": {"name": {"_eq": "zoe"}}}, ["ann"]),
        ({"active": True, "city": "Oslo"}, ["ann", "cid"]),
        ({"_and": [{"age": {"_gte": 25}}, {"city": {"_eq": "Oslo"}}]}, ["ann", "cid"]),
        ({"_or": [{"city": "Rome"}, {"age": {"_gt": 35}}]}, ["bob", "cid"]),
        ({"_or": [{"_and": [{"city": "Oslo"}, {"age": {"_lt": 35}}]}, {"id": "dan"}]}, ["ann", "dan"]),
        ({"email": {"_eq": "x' OR '1'='1"}}, []),
    ]
    for where, ids in cases:
        found = db(client, "people", "find", {"filter": where, "sort": "id"})
        assert [row["id"] for row in found["data"]] == ids, where
        assert found["meta"]["total"] == len(ids), where
        assert db(client, "people", "count", {"filter": where}) == len(ids), where
    by_age = db(client, "people", "find", {"sort": ["-age", "id"], "fields": ["age", "boss.name"]})["data"]
    assert [row["id"] for row in by_age] == ["cid", "ann", "bob", "dan"]
    assert by_age[1] == {"id": "ann", "age": 31, "boss": {"name": "zoe"}}
    page = db(client, "people", "find", {"sort": "id", "limit": 2, "offset": 1})
    assert [row["id"] for row in page["data"]] == ["bob", "cid"] and page["meta"]["total"] == 4
    for args, field in [
        ({"filter": {"age": {"_regex": "x"}}}, "_regex"),
        ({"filter": {"a;DROP TABLE collection_items": 1}}, "DROP TABLE"),
        ({"filter": {"age": {"_eq": [1, 2]}}}, "age"),
        ({"filter": {"age": {"_in": []}}}, "_in"),
        ({"limit": 0}, "limit"),
        ({"sort": 5}, "sort"),
        ({"fields": "age"}, "fields"),
    ]:
        failure = db(client, "people", "find", args)["error"]
        assert failure["code"] == "BAD_REQUEST" and field in failure["message"], (args, failure)
    assert db(client, "people", "count") == 4  # nothing was dropped


def test_find_is_capped_at_1000_rows_and_meta_total_tells_the_truth(client):
    assert client.call("seed", {"c": "many", "n": 1005}, namespace="/data") == 1005
    capped = db(client, "many", "find", {"limit": 5000})
    assert len(capped["data"]) == 1000 and capped["meta"]["total"] == 1005
    assert len(db(client, "many", "find")["data"]) == 1000
    tail = db(client, "many", "find", {"sort": "n", "offset": 1000})
    assert [row["n"] for row in tail["data"]] == [1001, 1002, 1003, 1004, 1005]


def test_a_script_that_reaches_db_by_a_computed_name_gets_it(client):
    """Runs of a script that cannot name `DB` get no collection services; one that may reach it by a computed name
    (`_ENV`, `_G`, `load`) does."""
    for n in range(3):
        db(client, "notes", "create", {"data": {"n": n}})
    assert client.call("computed_env", {}, namespace="/data") == 3
    assert client.call("computed_g", {}, namespace="/data") == 3
    assert client.call("eval", "return DB.notes.count{}", namespace="/data") == 3


def test_a_failed_transaction_leaves_nothing_behind(client):
    assert client.call("atomic", {"fail": True}, namespace="/data") == (False, 409, 0)
    assert client.call("atomic", {"fail": False}, namespace="/data") == (True, None, 2)


def test_runaway_queries_stop_at_the_handlers_deadline(server, client):
    # Setup, bounded by the seed's own timeoutMs: 20,000 creates take about 1 s on SQLite, 25 s on PostgreSQL.
    seeded = client.sio.call("seed", {"c": "big", "n": 20000, "size": 200}, namespace="/data", timeout=70)
    assert seeded == 20000
    for event in ["runaway", "loop"]:
        failure = client.call(event, namespace="/data")["error"]
        assert failure["code"] == "SCRIPT_TIMEOUT", (event, failure)
    assert db(client, "big", "count", {"filter": {"n": {"_lte": 10}}}) == 10  # the daemon is fine


def test_a_declared_index_is_created(server, client):
    listed = admin(server, "GET", "/admin/collections").json()["collections"]
    people = next(c for c in listed if c["name"] == "people")
    assert people["indexes"] == ["city"] and people["count"] == 0


def test_test_runs_roll_back_unless_told_to_commit(server, client):
    script = "local row = DB.notes.create{data = {title = BODY}} DB.notes.update{id = row.id, data = {seen = true}} return row.id"
    run = lambda **body: admin(server, "POST", "/admin/test/run",
                               {"kind": "websocket_event", "eventName": "e", "script": script, **body}).json()
    dry = run(payload="dry")
    assert dry["success"], dry
    assert dry["writes"] == [{"collection": "notes", "action": "created", "id": dry["result"]},
                             {"collection": "notes", "action": "updated", "id": dry["result"]}]
    assert db(client, "notes", "count") == 0
    assert admin(server, "GET", f"/admin/collections/notes/items/{dry['result']}").status_code == 404
    kept = run(payload="kept", commit=True)
    assert kept["success"] and len(kept["writes"]) == 2
    assert db(client, "notes", "findOne", {"filter": {"id": kept["result"]}})["seen"] is True
    failing = run(payload="x", script="DB.notes.create{data = {}} THROW.badRequest('stop')", commit=True)
    assert failing["success"] is False and db(client, "notes", "count") == 1


def test_admin_collection_routes(server):
    base = "/admin/collections/books/items"
    created = admin(server, "POST", base, {"id": "b1", "title": "Dune", "year": 1965})
    assert created.status_code == 201 and created.json()["title"] == "Dune"
    admin(server, "POST", base, {"id": "b2", "title": "Emma", "year": 1815})
    assert admin(server, "GET", base + "/b1").json()["year"] == 1965
    found = admin(server, "GET", base + "?filter=" + json.dumps({"year": {"_gt": 1900}}) + "&sort=-year&limit=5").json()
    assert [row["id"] for row in found["data"]] == ["b1"] and found["meta"]["total"] == 1
    assert [row["id"] for row in admin(server, "GET", base + "?sort=year&offset=1").json()["data"]] == ["b1"]
    patched = admin(server, "PATCH", base + "/b1", {"rating": 5}).json()
    assert patched["title"] == "Dune" and patched["rating"] == 5
    replaced = admin(server, "PUT", base + "/b1", {"title": "Dune Messiah"}).json()
    assert "year" not in replaced and replaced["title"] == "Dune Messiah"
    assert admin(server, "DELETE", base + "/b2").json()["title"] == "Emma"
    for method, path, body, status, code in [
        ("GET", base + "/b2", None, 404, "NOT_FOUND"),
        ("GET", base + "?filter=" + json.dumps({"year": {"_like": 1}}), None, 400, "BAD_REQUEST"),
        ("GET", base + "?filter=not-json", None, 400, "BAD_REQUEST"),
        ("GET", base + "?limit=abc", None, 400, "BAD_REQUEST"),
        ("POST", base, {"id": "b1"}, 409, "CONFLICT"),
        ("POST", base, [1, 2], 400, "BAD_REQUEST"),
        ("GET", "/admin/collections/bad%20name/items", None, 400, "BAD_REQUEST"),
    ]:
        response = admin(server, method, path, body)
        assert response.status_code == status and response.json()["error"]["code"] == code, (method, path, response.text)
    listed = {c["name"]: c for c in admin(server, "GET", "/admin/collections").json()["collections"]}
    assert listed["books"]["count"] == 1
    assert admin(server, "DELETE", "/admin/collections/books").status_code == 204
    assert "books" not in {c["name"] for c in admin(server, "GET", "/admin/collections").json()["collections"]}
    assert admin(server, "DELETE", "/admin/collections/books").status_code == 404


def test_hooks_fire_for_handler_and_admin_writes(server):
    watcher = Client(server, ["/data"])
    writer = Client(server, ["/data"], auth={"token": user_token("ann")})
    try:
        assert watcher.call("watch", namespace="/data") is True
        created = db(writer, "messages", "create", {"data": {"text": "hi"}})
        event = watcher.got("item.created", namespace="/data")[0][0]
        assert event["item"] == created and event["userId"] == "ann" and event["collection"] == "messages"
        assert event["gateway"] == "/data" and event["event"] == "created" and event["timestamp"] is True
        assert event["previous"] is None
        patched = admin(server, "PATCH", f"/admin/collections/messages/items/{created['id']}", {"text": "edited"}).json()
        event = watcher.got("item.updated", namespace="/data")[0][0]
        assert event["item"] == patched and event["previous"] == created and event["userId"] is None
        admin(server, "DELETE", f"/admin/collections/messages/items/{created['id']}")
        assert watcher.got("item.deleted", namespace="/data")[0][0]["item"] == patched
        # A rolled-back transaction fires nothing: the next committed write is the next event.
        assert writer.call("atomic", {"fail": True}, namespace="/data")[0] is False
        db(writer, "messages", "create", {"data": {"text": "marker"}})
        assert watcher.got("item.created", namespace="/data", count=2)[1][0]["item"]["text"] == "marker"
    finally:
        watcher.close()
        writer.close()


def test_hooks_that_write_their_own_collection_stop_eight_deep(server, client):
    db(client, "chain", "create", {"data": {"n": 0}})
    assert wait_until(lambda: "HOOK_DEPTH_EXCEEDED" in "".join(server.errors), timeout=20)
    assert sorted(row["n"] for row in db(client, "chain", "find")["data"]) == list(range(9))
    db(client, "joiners", "create", {"data": {}})
    assert wait_until(lambda: "SOCKET.join is not available here" in "".join(server.errors), timeout=10)


HOSTILE = [
    ("SQL in a field name", "return DB.x.find{filter = {[\"n'); DROP TABLE collection_items;--\"] = 1}}", "BAD_REQUEST"),
    ("SQL in a sort field", "return DB.x.find{sort = {'-n; DROP TABLE gateways'}}", "BAD_REQUEST"),
    ("SQL in a collection name", "return DB.collection('x; DROP TABLE gateways').find{}", "BAD_REQUEST"),
    ("a huge _in list", "local t = {} for i = 1, 100000 do t[i] = i end return DB.x.find{filter = {n = {_in = t}}}",
     "BAD_REQUEST"),
    ("a filter of 10,000 fields", "local f = {} for i = 1, 10000 do f['f' .. i] = i end return DB.x.count{filter = f}",
     "BAD_REQUEST"),
    ("_and nested 50 deep", "local f = {n = 1} for _ = 1, 50 do f = {_and = {f}} end return DB.x.find{filter = f}",
     "BAD_REQUEST"),
    ("a 2 MiB document", "return DB.x.create{data = {blob = string.rep('x', 2 << 20)}}", "PAYLOAD_TOO_LARGE"),
    ("arguments that are not a table", "return DB.x.find('everything')", "BAD_REQUEST"),
    ("a transaction of something else", "return DB.transaction(42)", "SCRIPT_ERROR"),
    ("yielding out of a transaction",
     "return coroutine.wrap(function() DB.transaction(function() coroutine.yield(1) end) end)()", "SCRIPT_ERROR"),
    ("DB calls until the deadline", "while true do DB.x.create{data = {}} end", "SCRIPT_TIMEOUT"),
]


@pytest.mark.parametrize("name,script,code", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_data_scripts_end_with_their_code(server, client, name, script, code):
    failure = client.call("eval", script, namespace="/data")["error"]
    assert failure["code"] == code, (name, failure)
    # The daemon and its data are fine.
    assert db(client, "y", "create", {"data": {"ok": True}})["ok"] is True
    assert admin(server, "GET", "/admin/gateways").status_code == 200


def test_hooks_set_through_the_admin_api(server):
    bad = admin(server, "POST", "/admin/gateways", {"path": "/api", "hooks": {"books": "this is not lua"}})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "SCRIPT_SYNTAX_ERROR"
    assert bad.json()["error"]["field"] == "hooks.books"
    bad_name = admin(server, "POST", "/admin/gateways", {"path": "/api", "hooks": {"no name": "return 1"}})
    assert bad_name.status_code == 422 and bad_name.json()["error"]["field"] == "hooks.no name"
    created = admin(server, "POST", "/admin/gateways", {
        "path": "/api", "hooks": {"books": "SOCKET.emitToGateway('/api', 'book', BODY.action, BODY.item.id)"}})
    assert created.status_code == 201 and created.json()["hooks"] == {
        "books": "SOCKET.emitToGateway('/api', 'book', BODY.action, BODY.item.id)"}
    client = None
    try:
        client = connect_when_served(server, "/api")
        assert client, "the gateway made through the admin API was never served"
        admin(server, "POST", "/admin/collections/books/items", {"id": "b1"})
        assert client.got("book", namespace="/api")[0] == ("created", "b1")
        cleared = admin(server, "PATCH", f"/admin/gateways/{created.json()['id']}", {"hooks": {}})
        assert cleared.json()["hooks"] == {}
    finally:
        if client:
            client.close()
