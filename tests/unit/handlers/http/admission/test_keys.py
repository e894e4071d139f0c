"""AUTH_MODE=keys in process: who may call, which model, how fast; and nothing leaks."""

from datetime import timedelta
from pathlib import Path

import pytest

from handlers.cli import keys_admin
from shared.auth.keys import ClientRecord
from shared.auth.quota_file import QuotaFile
from shared.observability import metrics
from shared.store.local import LocalStore
from tests.support.emf import totals
from tests.support.inprocess import TestClient, serving

TEXT = {"text": "what a lovely day"}


@pytest.fixture
def keyed(local_store: LocalStore) -> tuple[LocalStore, str]:
    key = keys_admin.create(local_store, ClientRecord(name="acme", models=["sentiment"], burst=3))
    return local_store, key


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_missing_and_unknown_keys_get_401_with_a_challenge(keyed: tuple[LocalStore, str]) -> None:
    store, key = keyed
    with serving(store, auth_mode="keys") as client:
        missing = client.post("/predict", json=TEXT)
        unknown = client.post("/predict", json=TEXT, headers=bearer(key[:-4] + "AAAA"))
        assert missing.status_code == unknown.status_code == 401
        assert missing.json() == {"detail": "Missing API key"}
        assert unknown.json() == {"detail": "Invalid or revoked API key"}
        assert missing.headers["WWW-Authenticate"] == 'Bearer realm="inferno"'
        assert 'error="invalid_token"' in unknown.headers["WWW-Authenticate"]
        assert client.get("/models").status_code == 401
        # The load balancer's probes stay open, and so does the docs page, whose document
        # names no model until a key is presented (its Authorize button takes one).
        assert client.get("/health").status_code == 200
        assert client.get("/ready").status_code == 200
        assert client.get("/docs").status_code == 200
        paths = client.get("/openapi.json").json()["paths"]
        assert "/models/{name}/predict" in paths and "/models/sentiment/predict" not in paths


def test_a_valid_key_by_either_header_predicts(keyed: tuple[LocalStore, str]) -> None:
    store, key = keyed
    with serving(store, auth_mode="keys") as client:
        assert client.post("/predict", json=TEXT, headers=bearer(key)).status_code == 200
        by_header = client.post("/predict", json=TEXT, headers={"X-Api-Key": key})
        assert by_header.status_code == 200
        assert client.get("/openapi.json", headers=bearer(key)).status_code == 200


def test_a_model_the_key_may_not_use_is_403(tmp_path: Path, sentiment_model_dir: Path) -> None:
    from tests.support.inprocess import two_model_store

    store = two_model_store(tmp_path, sentiment_model_dir)
    key = keys_admin.create(store, ClientRecord(name="acme", models=["sentiment"]))
    with serving(store, auth_mode="keys") as client:
        refused = client.post("/models/risk/predict", json={}, headers=bearer(key))
        assert refused.status_code == 403
        assert refused.json() == {"detail": "Client 'acme' may not use model 'risk'"}
        assert client.get("/models/risk", headers=bearer(key)).status_code == 403


def test_a_client_learns_only_of_the_models_its_key_may_use(
    tmp_path: Path, sentiment_model_dir: Path
) -> None:
    from tests.support.inprocess import two_model_store

    # GIVEN a store serving two models, a client limited to one and a client with every model
    store = two_model_store(tmp_path, sentiment_model_dir)
    limited = keys_admin.create(store, ClientRecord(name="acme", models=["sentiment"]))
    everything = keys_admin.create(store, ClientRecord(name="ops"))
    with serving(store, auth_mode="keys") as client:
        # WHEN each lists the models and reads the OpenAPI document
        def seen(key: str) -> tuple[list[str], list[str]]:
            listed = client.get("/models", headers=bearer(key)).json()
            paths = client.get("/openapi.json", headers=bearer(key)).json()["paths"]
            return [m["name"] for m in listed], sorted(p for p in paths if p.endswith("predict"))

        # THEN the limited client sees its model only, where the other sees both
        assert seen(limited) == (["sentiment"], ["/models/sentiment/predict", "/predict"])
        assert seen(everything) == (
            ["risk", "sentiment"],
            ["/models/risk/predict", "/models/sentiment/predict", "/predict"],
        )
        # AND asking after another model tells nothing of whether it exists
        assert client.get("/models/risk", headers=bearer(limited)).status_code == 403
        assert client.get("/models/nothing", headers=bearer(limited)).status_code == 403
        # AND the docs page still loads the document
        assert client.get("/docs", headers=bearer(limited)).status_code == 200


def test_the_openapi_document_says_how_to_present_a_key(keyed: tuple[LocalStore, str]) -> None:
    store, key = keyed
    with serving(store, auth_mode="keys") as client:
        doc = client.get("/openapi.json", headers=bearer(key)).json()
    assert set(doc["components"]["securitySchemes"]) == {"bearer", "apiKey"}
    predict = doc["paths"]["/predict"]["post"]
    assert predict["security"] == [{"bearer": []}, {"apiKey": []}]
    assert {"401", "403", "429"} <= set(predict["responses"])
    listing = doc["paths"]["/models"]["get"]
    assert {"401", "429"} <= set(listing["responses"]) and "403" not in listing["responses"]
    # The load balancer's probes need no key
    assert "security" not in doc["paths"]["/health"]["get"]
    assert "401" not in doc["paths"]["/ready"]["get"]["responses"]


@pytest.fixture
def bursty(local_store: LocalStore) -> tuple[LocalStore, str]:
    """3 requests in any second and in any minute: the limit holds however slowly a busy
    machine sends the five (a sliding window weighs the previous second in)."""
    client = ClientRecord(name="acme", models=["sentiment"], burst=3, rate=0.05)
    return local_store, keys_admin.create(local_store, client)


def test_past_the_burst_is_429_with_retry_after(bursty: tuple[LocalStore, str]) -> None:
    store, key = bursty
    with serving(store, auth_mode="keys") as client:
        statuses = [client.post("/predict", json=TEXT, headers=bearer(key)) for _ in range(5)]
        assert [r.status_code for r in statuses] == [200, 200, 200, 429, 429]
        assert int(statuses[-1].headers["Retry-After"]) >= 1
        assert statuses[-1].json()["detail"] == "Rate limit exceeded for client 'acme'"


def test_each_clients_requests_are_counted_by_status_class(
    bursty: tuple[LocalStore, str],
) -> None:
    # GIVEN a client past its burst, and a bad request of its own
    store, key = bursty
    with serving(store, auth_mode="keys") as client:
        metrics.drain()
        for _ in range(5):
            client.post("/predict", json=TEXT, headers=bearer(key))
        client.post("/predict", json={"txt": "typo"}, headers=bearer(key))
        docs = metrics.drain()
    # THEN the operator sees who is throttled or sending bad input, beside what it was served
    per_client = [doc for doc in docs if "client" in doc]  # the per-route counts are beside
    assert totals(per_client, "RequestCount", "client", "status_class") == {
        ("acme", "2xx"): 3,
        ("acme", "4xx"): 3,
    }
    assert totals(per_client, "PredictionCount", "client", "model") == {("acme", "sentiment"): 3}


def test_a_daily_quota_holds_on_a_local_store_without_a_table(local_store: LocalStore) -> None:
    # GIVEN a client with 3 items a day and no DynamoDB table: the store's quota file counts
    client = ClientRecord(name="acme", daily_quota=3, burst=100, item_burst=100)
    key = keys_admin.create(local_store, client)
    with serving(local_store, auth_mode="keys") as http:
        # WHEN it sends a batch of 2, then single items
        batch = {"items": [TEXT, TEXT]}
        first = http.post("/models/sentiment/predict/batch", json=batch, headers=bearer(key))
        rest = [http.post("/predict", json=TEXT, headers=bearer(key)) for _ in range(3)]
    # THEN the third item is the last one admitted today
    assert [first.status_code] + [r.status_code for r in rest] == [200, 200, 429, 429]
    assert rest[-1].json()["detail"] == "Daily quota of client 'acme' is used up"
    assert int(rest[-1].headers["Retry-After"]) >= 1
    # AND the usage is in the file, flushed at shutdown
    (row,) = QuotaFile(local_store.root / ".auth" / "quotas.sqlite3").usage("acme", days=1)
    assert (row["requests"], row["items"]) == (2, 3)


def test_instances_are_charged_as_the_items_they_hold(keyed: tuple[LocalStore, str]) -> None:
    store, key = keyed
    with serving(store, auth_mode="keys") as client:
        metrics.drain()
        body = {"instances": [TEXT, TEXT, ["a row"]]}
        assert client.post("/models/sentiment/predict", json=body, headers=bearer(key)).is_success
        # An item that merely holds the word is one item.
        one = {"text": 'the "instances" field'}
        assert client.post("/models/sentiment/predict", json=one, headers=bearer(key)).is_success
        docs = metrics.drain()
    per_client = [doc for doc in docs if "client" in doc]
    assert totals(per_client, "PredictionCount", "client", "model") == {("acme", "sentiment"): 4}


def test_revoked_and_rotated_keys(keyed: tuple[LocalStore, str]) -> None:
    store, key = keyed
    with serving(store, auth_mode="keys", keys_refresh_seconds=0.1) as client:
        new = keys_admin.rotate(store, "acme", timedelta(hours=1))
        _wait_refresh(client.app)
        # Both keys work during the grace period.
        assert client.get("/models", headers=bearer(key)).status_code == 200
        assert client.get("/models", headers=bearer(new)).status_code == 200
        keys_admin.revoke(store, "acme")
        _wait_refresh(client.app)
        assert client.get("/models", headers=bearer(new)).status_code == 401
        assert client.get("/models", headers=bearer(key)).status_code == 401


def _wait_refresh(app: object) -> None:
    import time

    time.sleep(0.5)  # a few refresh intervals (mtime granularity included)


def test_auth_mode_none_is_open(local_store: LocalStore) -> None:
    with serving(local_store) as client:
        assert client.post("/predict", json=TEXT).status_code == 200


def test_listing_shows_no_secret(keyed: tuple[LocalStore, str]) -> None:
    store, key = keyed
    text = str(keys_admin.listing(store))
    assert key not in text and "sha256" not in text
    assert "acme" in text


__all__ = ["TestClient"]
