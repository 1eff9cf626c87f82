"""The API emulator: request validation, paging, faults, exact decimals, transport and server."""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from spendrecon.demo.apis import ApiEmulator, Bundle, FaultPlan
from spendrecon.demo.server import EmulatorServer
from spendrecon.demo.transport import EmulatorTransport, demo_transport
from spendrecon.demo.wire import dumps_exact

SAM = "/assistance-listings/v1/search"
USA = "/api/v2/search/spending_by_category/cfda/"


def small_bundle() -> Bundle:
    """25 listings (every fifth Inactive) and 23 rows in FY2022, with ties and a negative."""
    listings: list[dict[str, Any]] = [
        {"assistanceListingId": f"10.{n:03d}", "title": f"Program {n}",
         "status": "Inactive" if n % 5 == 0 else "Active",
         "financialInformation": {"obligations": [{"values": [{"year": 2022, "actual": Decimal("1234567.89"),
                                                               "estimate": None}]}]}}
        for n in range(25, 0, -1)  # stored out of order: the emulator sorts by ALN
    ]
    listings += [
        {"assistanceListingId": "10.10", "title": "Ten ten", "status": "Active"},
        {"assistanceListingId": "10.100", "title": "Ten one hundred", "status": "Active",
         "financialInformation": {"obligations": [{"values": [{"year": 2022, "actual": "15000000.00"}]}]}},
    ]
    rows = [{"amount": Decimal(f"{1000 * n}.5"), "code": f"10.{n:03d}", "id": n, "name": f"Program {n}",
             "total_outlays": None} for n in range(1, 21)]
    rows += [
        {"amount": Decimal("20000.5"), "code": "10.000", "id": 0, "name": "Tie", "total_outlays": None},
        {"amount": Decimal("-512.25"), "code": "10.021", "id": 21, "name": "Refunds", "total_outlays": None},
        {"amount": 0, "code": "10.022", "id": 22, "name": "Zero", "total_outlays": None},
    ]
    return Bundle(sam_listings=listings, usaspending={2022: rows})


def sam(emulator: ApiEmulator, **params: str) -> tuple[int, dict[str, str], Any]:
    query = {"api_key": ["key"], **{k: [v] for k, v in params.items()}}
    status, headers, body = emulator.handle("GET", SAM, query, None)
    return status, headers, json.loads(body)


def usa_body(fy: int = 2022, **extra: Any) -> bytes:
    body = {"filters": {"time_period": [{"start_date": f"{fy - 1}-10-01", "end_date": f"{fy}-09-30"}]}, **extra}
    return json.dumps(body).encode()


def usa(emulator: ApiEmulator, body: bytes) -> tuple[int, Any]:
    status, _, raw = emulator.handle("POST", USA, {}, body)
    return status, json.loads(raw)


# --- SAM.gov search -----------------------------------------------------------------------------
def test_sam_paging_arithmetic() -> None:
    emulator = ApiEmulator(small_bundle())
    status, _, first = sam(emulator, status="All", pageSize="10", pageNumber="1")
    assert status == 200
    assert (first["totalRecords"], first["pageSize"], first["pageNumber"], first["totalPages"]) == (27, 10, 1, 3)
    ids = [item["assistanceListingId"] for item in first["assistanceListingsData"]]
    assert ids[:3] == ["10.001", "10.002", "10.003"] and len(ids) == 10
    _, _, last = sam(emulator, status="All", pageSize="10", pageNumber="3")
    assert [i["assistanceListingId"] for i in last["assistanceListingsData"]][-2:] == ["10.10", "10.100"]
    assert len(last["assistanceListingsData"]) == 7
    _, _, beyond = sam(emulator, status="All", pageSize="10", pageNumber="4")
    assert beyond["assistanceListingsData"] == [] and beyond["totalPages"] == 3


def test_sam_defaults_to_active_and_ten_per_page() -> None:
    _, _, page = sam(ApiEmulator(small_bundle()))
    assert (page["totalRecords"], page["pageSize"], page["pageNumber"]) == (22, 10, 1)


@pytest.mark.parametrize(
    ("status", "count"), [("All", 27), ("ALL", 27), ("active", 22), ("Inactive", 5), ("INACTIVE", 5)]
)
def test_sam_status_filter_is_case_insensitive(status: str, count: int) -> None:
    _, _, page = sam(ApiEmulator(small_bundle()), status=status, pageSize="100")
    assert page["totalRecords"] == count
    if status.lower() == "inactive":
        assert {i["status"] for i in page["assistanceListingsData"]} == {"Inactive"}


def test_sam_listing_id_filter_is_an_exact_string_match() -> None:
    emulator = ApiEmulator(small_bundle())
    _, _, page = sam(emulator, assistanceListingId="10.10")
    assert [i["title"] for i in page["assistanceListingsData"]] == ["Ten ten"]
    _, _, none = sam(emulator, assistanceListingId="10.1")
    assert none["totalRecords"] == 0 and none["totalPages"] == 0


@pytest.mark.parametrize(
    ("params", "message"),
    [({"pageSize": "101"}, "PageSize must less than or equal to 100"), ({"pageSize": "0"}, "greater than zero"),
     ({"pageNumber": "0"}, "greater than zero"), ({"pageNumber": "x"}, "integer"), ({"status": "Archived"}, "Status")],
)
def test_sam_rejects_bad_parameters(params: dict[str, str], message: str) -> None:
    status, _, body = sam(ApiEmulator(small_bundle()), **params)
    assert status == 400 and message in body["message"]


def test_sam_api_key_is_required_and_checked() -> None:
    open_emulator = ApiEmulator(small_bundle())
    status, _, body = open_emulator.handle("GET", SAM, {"pageSize": ["1"]}, None)
    assert status == 401 and json.loads(body)["error"]["code"] == "API_KEY_MISSING"
    assert open_emulator.handle("GET", SAM, {"api_key": [""]}, None)[0] == 401
    keyed = ApiEmulator(small_bundle(), api_key="secret")
    assert keyed.handle("GET", SAM, {"api_key": ["wrong"]}, None)[0] == 401
    assert keyed.handle("GET", SAM, {"api_key": "secret"}, None)[0] == 200  # plain-string mapping too


# --- USAspending spending_by_category/cfda ------------------------------------------------------
def test_usaspending_paging_metadata() -> None:
    emulator = ApiEmulator(small_bundle())
    pages = [usa(emulator, usa_body(limit=10, page=n))[1] for n in (1, 2, 3)]
    assert [len(p["results"]) for p in pages] == [10, 10, 3]
    meta = [p["page_metadata"] for p in pages]
    assert meta[0] == {"page": 1, "next": 2, "previous": None, "hasNext": True, "hasPrevious": False}
    assert meta[1] == {"page": 2, "next": 3, "previous": 1, "hasNext": True, "hasPrevious": True}
    assert meta[2] == {"page": 3, "next": None, "previous": 2, "hasNext": False, "hasPrevious": True}
    assert pages[0]["category"] == "cfda" and pages[0]["spending_level"] == "transactions"
    assert pages[0]["limit"] == 10 and pages[0]["messages"] == []
    exact = usa(emulator, usa_body(limit=23, page=1))[1]["page_metadata"]
    assert exact["hasNext"] is False and exact["next"] is None


def test_usaspending_order_is_amount_descending_then_code() -> None:
    _, body = usa(ApiEmulator(small_bundle()), usa_body(limit=100))
    codes = [r["code"] for r in body["results"]]
    assert codes[:3] == ["10.000", "10.020", "10.019"]  # 20000.5 twice: the tie goes by code
    assert codes[-2:] == ["10.022", "10.021"]  # zero, then the negative


def test_usaspending_program_numbers_filter_and_unknown_year() -> None:
    emulator = ApiEmulator(small_bundle())
    request = {"filters": {"time_period": [{"start_date": "2021-10-01", "end_date": "2022-09-30"}],
                           "program_numbers": ["10.003", "10.10"]}}
    _, body = usa(emulator, json.dumps(request).encode())
    assert [r["code"] for r in body["results"]] == ["10.003"]
    status, empty = usa(emulator, usa_body(fy=2015))
    assert status == 200 and empty["results"] == [] and empty["page_metadata"]["hasNext"] is False


@pytest.mark.parametrize(
    "body",
    [
        {"filters": {"time_period": [{"start_date": "2022-01-01", "end_date": "2022-12-31"}]}},
        {"filters": {"time_period": [{"start_date": "2021-10-01", "end_date": "2022-09-29"}]}},
        {"filters": {"time_period": [{"start_date": "2020-10-01", "end_date": "2022-09-30"}]}},
        {"filters": {"time_period": [{"start_date": "2006-10-01", "end_date": "2007-09-30"}]}},
        {"filters": {"time_period": []}},
        {"filters": {"time_period": [{"start_date": "2021-10-01"}]}},
        {"limit": 10},
        {"filters": {"time_period": [{"start_date": "2021-10-01", "end_date": "2022-09-30"}]}, "limit": 101},
        {"filters": {"time_period": [{"start_date": "2021-10-01", "end_date": "2022-09-30"}]}, "page": 0},
        {"filters": {"time_period": [{"start_date": "2021-10-01", "end_date": "2022-09-30"}],
                     "program_numbers": "10.001"}},
    ],
)
def test_usaspending_rejects_bad_requests_with_422(body: dict[str, Any]) -> None:
    status, payload = usa(ApiEmulator(small_bundle()), json.dumps(body).encode())
    assert status == 422 and payload["detail"]


def test_malformed_json_unknown_path_and_wrong_method() -> None:
    emulator = ApiEmulator(small_bundle())
    assert emulator.handle("POST", USA, {}, b"{not json")[0] == 400
    assert emulator.handle("GET", "/api/v2/nothing/", {}, None)[0] == 404
    assert emulator.handle("GET", USA, {}, None)[0] == 405
    assert emulator.handle("POST", SAM, {"api_key": ["k"]}, b"{}")[0] == 405
    assert emulator.request_log[1] == ("unknown", "/api/v2/nothing/", 404)


# --- faults -------------------------------------------------------------------------------------
def test_fail_first_answers_each_status_once_with_retry_after() -> None:
    emulator = ApiEmulator(small_bundle(), faults=FaultPlan(fail_first={"sam": [429, 503], "usaspending": [503]}))
    first = emulator.handle("GET", SAM, {"api_key": ["k"]}, None)
    assert first[0] == 429 and first[1]["Retry-After"] == "0"
    assert emulator.handle("GET", SAM, {"api_key": ["k"]}, None)[0] == 503
    assert emulator.handle("GET", SAM, {"api_key": ["k"]}, None)[0] == 200
    assert emulator.handle("POST", USA, {}, usa_body())[0] == 503
    assert emulator.handle("POST", USA, {}, usa_body())[0] == 200
    assert [s for _, _, s in emulator.request_log] == [429, 503, 200, 503, 200]
    assert [src for src, _, _ in emulator.request_log] == ["sam"] * 3 + ["usaspending"] * 2


def test_every_nth_and_custom_retry_after() -> None:
    plan = FaultPlan(fail_first={}, every_nth={"usaspending": (4, 503)}, retry_after="2")
    emulator = ApiEmulator(small_bundle(), faults=plan)
    answers = [emulator.handle("POST", USA, {}, usa_body()) for _ in range(8)]
    assert [a[0] for a in answers] == [200, 200, 200, 503, 200, 200, 200, 503]
    assert answers[3][1]["Retry-After"] == "2"
    assert emulator.handle("GET", SAM, {"api_key": ["k"]}, None)[0] == 200  # other source unaffected


def test_no_retry_after_header_when_disabled_or_not_a_throttle() -> None:
    emulator = ApiEmulator(small_bundle(), faults=FaultPlan(fail_first={"sam": [429, 500]}, retry_after=None))
    assert "Retry-After" not in emulator.handle("GET", SAM, {"api_key": ["k"]}, None)[1]
    emulator = ApiEmulator(small_bundle(), faults=FaultPlan(fail_first={"sam": [500]}))
    assert "Retry-After" not in emulator.handle("GET", SAM, {"api_key": ["k"]}, None)[1]


# --- exact decimals -----------------------------------------------------------------------------
def test_amounts_keep_their_exact_decimal_text() -> None:
    emulator = ApiEmulator(small_bundle())
    raw_sam = emulator.handle("GET", SAM, {"api_key": ["k"], "status": ["All"], "pageSize": ["100"]}, None)[2].decode()
    assert '"actual":1234567.89,' in raw_sam
    assert '"actual":"15000000.00"' in raw_sam  # a string stays a string
    raw_usa = emulator.handle("POST", USA, {}, usa_body(limit=100))[2].decode()
    assert '"amount":20000.5,' in raw_usa and '"amount":-512.25,' in raw_usa and '"amount":0,' in raw_usa
    parsed = json.loads(raw_usa, parse_float=Decimal)
    assert parsed["results"][0]["amount"] == Decimal("20000.5")


def test_demo_bundle_amount_text_survives_the_round_trip() -> None:
    emulator = ApiEmulator(Bundle.load_demo())
    body = json.dumps({"filters": {"time_period": [{"start_date": "2022-10-01", "end_date": "2023-09-30"}],
                                   "program_numbers": ["97.102"]}}).encode()
    assert b'"amount":15000000.00,' in emulator.handle("POST", USA, {}, body)[2]
    raw = emulator.handle("GET", SAM, {"api_key": ["k"], "assistanceListingId": ["97.102"]}, None)[2]
    assert b'"actual":15000000.00,"estimate":5000000.00' in raw


def test_dumps_exact_refuses_floats() -> None:
    assert dumps_exact({"a": [Decimal("1.10"), None, True, 3, "x"]}) == '{"a":[1.10,null,true,3,"x"]}'
    with pytest.raises(TypeError, match=r"float 1\.1 would lose its decimal text; use Decimal"):
        dumps_exact({"amount": 1.1})


# --- transport and server -----------------------------------------------------------------------
def test_emulator_transport_pages_the_whole_demo_catalogue() -> None:
    transport = demo_transport(FaultPlan(fail_first={"sam": [503]}))
    seen: list[str] = []
    with httpx.Client(transport=transport, base_url="https://api.sam.gov") as client:
        assert client.get(SAM, params={"api_key": "k"}).status_code == 503
        page, total_pages = 1, 1
        while page <= total_pages:
            response = client.get(SAM, params={"api_key": "k", "status": "All", "pageSize": 100, "pageNumber": page})
            body = response.json(parse_float=Decimal)
            total_pages = body["totalPages"]
            seen += [item["assistanceListingId"] for item in body["assistanceListingsData"]]
            page += 1
    assert len(seen) == len(set(seen)) == body["totalRecords"] >= 2000
    assert [s for _, _, s in transport.emulator.request_log].count(200) == total_pages


def test_emulator_transport_serves_usaspending_through_httpx() -> None:
    transport = EmulatorTransport(ApiEmulator(small_bundle()))
    with httpx.Client(transport=transport, base_url="https://api.usaspending.gov") as client:
        response = client.post(USA, content=usa_body(limit=5, page=2))
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert response.json()["page_metadata"]["page"] == 2


def test_emulator_server_answers_on_localhost_and_shuts_down() -> None:
    with EmulatorServer(ApiEmulator(small_bundle(), api_key="k")) as server:
        base = server.base_url
        assert base.startswith("http://127.0.0.1:")
        got = httpx.get(f"{base}{SAM}", params={"api_key": "k", "pageSize": 5}, timeout=5)
        assert got.status_code == 200 and got.json()["totalPages"] == 5
        posted = httpx.post(f"{base}{USA}", content=usa_body(limit=100), timeout=5)
        assert posted.status_code == 200 and len(posted.json()["results"]) == 23
        assert httpx.get(f"{base}{SAM}", timeout=5).status_code == 401
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base}{SAM}", params={"api_key": "k"}, timeout=2)


def test_emulator_server_defaults_to_the_demo_bundle() -> None:
    with EmulatorServer() as server:
        body = httpx.get(f"{server.base_url}{SAM}", params={"api_key": "k", "assistanceListingId": "97.102"},
                         timeout=5).json()
    assert body["assistanceListingsData"][0]["title"] == "Case Management Pilot Program"
