"""The keyless sam.gov front-end endpoints, emulated from the same Bundle as the official API.

``sam.mode: public`` reads a search index, one program document per listing and the
assistance-type dictionary.  All three are generated here from the Bundle's official-shaped
listings, so the two SAM.gov modes read the very same programs and figures and must agree:

* index entries carry ``_id`` = programId, the ALN, title, an organizationHierarchy built from
  federalOrganization, ``isActive`` from status, and a ``modifiedDate`` derived from publishedDate
  (deterministic; :meth:`PublicSamApi.bump` moves it a day later, to exercise change detection);
* documents carry the obligations with each F-code replaced by a legacy dictionary element id of
  the same family (``warehouse.assistance_types.family_of`` gives both the same family) and the
  values copied verbatim, so exact amounts, string amounts and year-keyed objects survive;
* the dictionary holds every id the documents use.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from spendrecon.demo.wire import BadRequest, Query, Response, dumps_exact, first_value, int_param

SEARCH_PATH = "/api/prod/sgs/v1/search"
PROGRAMS_PATH = "/api/prod/fac/v1/programs"
DICTIONARY_PATH = f"{PROGRAMS_PATH}/dictionaries"
SOURCE = "sam_public"
MAX_SIZE = 10_000  # the FPI pulls everything with size=10000
UNDATED = "2000-01-01T00:00:00.000+00:00"  # the modifiedDate of a listing with no publishedDate
_HAL_HEADERS = {"Content-Type": "application/hal+json"}

# The legacy assistance_type dictionary: (letter, family id, family value, ((sub id, sub value), ...)).
# Families and letters follow the FPI's dictionary; the sub-elements are the emulator's own.
DICTIONARY: tuple[tuple[str, str, str, tuple[tuple[str, str], ...]], ...] = (
    ("A", "0001", "FORMULA GRANTS", (("0001001", "Formula Grants"),)),
    ("B", "0003", "PROJECT GRANTS", (("0003001", "Project Grants (Discretionary)"),
                                     ("0003002", "Project Grants (Cooperative Agreements)"),
                                     ("0003003", "Project Grants"))),
    ("C", "0005", "DIRECT PAYMENTS FOR SPECIFIED USE", (("0005001", "Direct Payments for Specified Use"),)),
    ("D", "0007", "DIRECT PAYMENTS WITH UNRESTRICTED USE", (("0007001", "Direct Payments with Unrestricted Use"),)),
    ("E", "0009", "DIRECT LOANS", (("0009001", "Direct Loans"),)),
    ("F", "0011", "GUARANTEED/INSURED LOANS", (("0011001", "Guaranteed/Insured Loans"),)),
    ("G", "0013", "INSURANCE", (("0013001", "Insurance"),)),
    ("H", "0015", "SALE, EXCHANGE, OR DONATION OF PROPERTY AND GOODS",
     (("0015001", "Sale, Exchange, or Donation of Property and Goods"),
      ("0015002", "Other Financial Assistance"),
      ("0015003", "Asset Forfeiture/Equitable Sharing"))),
    ("I", "0017", "USE OF PROPERTY, FACILITIES, AND EQUIPMENT",
     (("0017001", "Use of Property, Facilities, and Equipment"),)),
    ("J", "0019", "PROVISION OF SPECIALIZED SERVICES", (("0019001", "Provision of Specialized Services"),)),
    ("K", "0021", "ADVISORY SERVICES AND COUNSELING", (("0021001", "Advisory Services and Counseling"),)),
    ("L", "0023", "DISSEMINATION OF TECHNICAL INFORMATION", (("0023001", "Dissemination of Technical Information"),)),
    ("M", "0025", "TRAINING", (("0025001", "Training"),)),
    ("N", "0027", "INVESTIGATION OF COMPLAINTS", (("0027001", "Investigation of Complaints"),)),
    ("O", "0029", "FEDERAL EMPLOYMENT", (("0029001", "Federal Employment"),)),
    # No sub-elements: documents name the family itself, as the official demo data does ("0090").
    ("Z", "0090", "SALARIES AND EXPENSES", ()),
)

# Official v2 code -> the legacy element id a document carries; same family on both sides.
LEGACY_TYPE_OF: dict[str, str] = {
    "F001": "0003003",  # Grant -> Project Grants
    "F002": "0003002",  # Cooperative Agreement -> Project Grants (Cooperative Agreements)
    "F003": "0009001",  # Direct Loan
    "F004": "0011001",  # Loan Guarantee -> Guaranteed/Insured Loans
    "F005": "0013001",  # Indemnity/Insurance (non-loan) -> Insurance
    "F006": "0005001",  # Direct Payment for Specified Use
    "F007": "0007001",  # Direct Payment with Unrestricted Use
    "F008": "0015003",  # Asset Forfeiture/Equitable Sharing (other financial)
    "F009": "0015001",  # Sale/Exchange/Donation of Property and Goods
    "F010": "0015002",  # Other Financial Assistance
    "N001": "0019001",  # Provision of Specialized Services
    "N002": "0021001",  # Advisory Services and Counseling
    "N003": "0023001",  # Dissemination of Technical Information
    "N004": "0025001",  # Training
    "N005": "0027001",  # Investigation of Complaints
    "N006": "0029001",  # Federal Employment
    "N007": "0017001",  # Use of Property, Facilities, and Equipment
}


def _get(obj: Any, name: str) -> Any:
    """Case-insensitive lookup: the bundle keeps the official API's key-casing quirks."""
    if not isinstance(obj, Mapping):
        return None
    if name in obj:
        return obj[name]
    return next((v for k, v in obj.items() if isinstance(k, str) and k.lower() == name.lower()), None)


def legacy_type(assistance_type: Any) -> str | None:
    """An official {code, name} → the document's element id; other codes pass through unchanged."""
    code = _get(assistance_type, "code") if isinstance(assistance_type, Mapping) else assistance_type
    if code is None:
        return None
    return LEGACY_TYPE_OF.get(str(code).strip().upper(), str(code))


def dictionary_payload() -> dict[str, Any]:
    elements = [
        {"code": letter, "element_id": family_id, "value": value,
         "elements": [{"element_id": sub_id, "value": sub_value} for sub_id, sub_value in subs]}
        for letter, family_id, value, subs in DICTIONARY
    ]
    return {"_embedded": {"jSONObjectList": [{"id": "assistance_type", "elements": elements}]}}


class PublicSamApi:
    """Answers the three public endpoints from the Bundle's official-shaped listings."""

    def __init__(self, listings: list[dict[str, Any]], *, modified: Iterable[str] = ()) -> None:
        ordered = sorted(listings, key=lambda x: (str(_get(x, "assistanceListingId")), str(_get(x, "programId"))))
        self._listings = ordered
        self._by_id = {str(_get(item, "programId")): item for item in ordered}
        self.modified: dict[str, int] = {}  # programId -> days its modifiedDate was moved on
        self.bump(*modified)

    def bump(self, *program_ids: str) -> None:
        """Move these listings' modifiedDate a day later, as an agency edit would."""
        for program_id in program_ids:
            self.modified[program_id] = self.modified.get(program_id, 0) + 1

    @staticmethod
    def serves(path: str) -> bool:
        trimmed = path.rstrip("/")
        return trimmed == SEARCH_PATH or trimmed.startswith(PROGRAMS_PATH + "/")

    def handle(self, method: str, path: str, query: Query) -> Response:
        if method.upper() != "GET":
            return _hal(405, {"message": f"Method {method} not allowed"})
        trimmed = path.rstrip("/")
        try:
            if trimmed == SEARCH_PATH:
                return self._search(query)
            if trimmed == DICTIONARY_PATH:
                return self._dictionaries(query)
            return self._document(trimmed.removeprefix(PROGRAMS_PATH + "/"))
        except BadRequest as exc:
            return _hal(exc.status, exc.payload)

    # the search index
    def _search(self, query: Query) -> Response:
        if (first_value(query, "index") or "") != "cfda":
            raise BadRequest(400, {"message": "index must be cfda"})
        page = int_param(first_value(query, "page"), 0, "page")
        size = int_param(first_value(query, "size"), 10, "size")
        if page < 0 or not 1 <= size <= MAX_SIZE:
            raise BadRequest(400, {"message": f"page must be >= 0 and size between 1 and {MAX_SIZE}"})
        active = (first_value(query, "is_active") or "").lower()
        matches = [item for item in self._listings
                   if active not in ("true", "false") or _is_active(item) == (active == "true")]
        chosen = matches[page * size : (page + 1) * size]
        body: dict[str, Any] = {}
        if chosen:  # HAL leaves _embedded out when there is nothing to embed
            body["_embedded"] = {"results": [self._index_entry(item) for item in chosen]}
        body["page"] = {"size": size, "totalElements": len(matches),
                        "totalPages": math.ceil(len(matches) / size), "number": page}
        return _hal(200, body)

    def _index_entry(self, item: Mapping[str, Any]) -> dict[str, Any]:
        program_id = str(_get(item, "programId"))
        published = _get(item, "publishedDate")
        return {
            "_id": program_id,
            "programNumber": _get(item, "assistanceListingId"),
            "title": _get(item, "title"),
            "objective": _get(_get(item, "overview"), "objective"),
            "organizationHierarchy": _hierarchy(_get(item, "federalOrganization")),
            "publishDate": published,
            "modifiedDate": _modified_date(published, self.modified.get(program_id, 0)),
            "isActive": _is_active(item),
        }

    # one program document
    def _document(self, program_id: str) -> Response:
        item = self._by_id.get(program_id)
        if item is None or "/" in program_id:
            return _hal(404, {"errorCode": 404, "message": f"Program {program_id} not found"})
        finance = _get(item, "financialInformation")
        obligations = _get(finance, "obligations")
        data: dict[str, Any] = {
            "programNumber": _get(item, "assistanceListingId"),
            "title": _get(item, "title"),
            "objective": _get(_get(item, "overview"), "objective"),
            "organizationId": _organization_id(_get(item, "federalOrganization")),
            "financial": {
                "isFunded": _get(finance, "isFundedCurrentFY"),
                "obligations": None if obligations is None else [_obligation(o) for o in _as_list(obligations)],
            },
        }
        return _hal(200, {"id": program_id, "data": data})

    # the dictionaries
    def _dictionaries(self, query: Query) -> Response:
        wanted = {part.strip() for part in (first_value(query, "ids") or "").split(",") if part.strip()}
        payload = dictionary_payload()
        lists = payload["_embedded"]["jSONObjectList"]
        payload["_embedded"]["jSONObjectList"] = [d for d in lists if not wanted or d["id"] in wanted]
        return _hal(200, payload)


def _hal(status: int, payload: Any) -> Response:
    return status, dict(_HAL_HEADERS), dumps_exact(payload).encode()


def _is_active(item: Mapping[str, Any]) -> bool:
    return str(_get(item, "status") or "").lower() == "active"


def _hierarchy(org: Any) -> list[dict[str, Any]]:
    levels = [("departmentCode", "department"), ("agencyCode", "agency"), ("officeCode", "office")]
    nodes = []
    for level, (code_key, name_key) in enumerate(levels, start=1):
        name = _get(org, name_key)
        if name is not None:
            nodes.append({"organizationId": _get(org, code_key), "level": level, "name": name})
    return nodes


def _organization_id(org: Any) -> Any:
    return _get(org, "officeCode") or _get(org, "agencyCode") or _get(org, "departmentCode")


def _modified_date(published: Any, bumps: int) -> str:
    """publishedDate itself, moved on a day per bump: deterministic, and later after an edit."""
    if bumps == 0 and isinstance(published, str):
        return published
    try:
        base = datetime.fromisoformat(published) if isinstance(published, str) else datetime.fromisoformat(UNDATED)
    except ValueError:
        base = datetime.fromisoformat(UNDATED)
    return (base + timedelta(days=bumps)).isoformat(timespec="milliseconds")


def _as_list(obligations: Any) -> list[Any]:
    return obligations if isinstance(obligations, list) else [obligations]


def _obligation(entry: Any) -> Any:
    if not isinstance(entry, Mapping):
        return entry  # passed through: the connector is the one to complain
    converted: dict[str, Any] = {"assistanceType": legacy_type(_get(entry, "assistanceType")),
                                 "values": _get(entry, "values")}
    recovery = next((k for k in entry if isinstance(k, str) and k.lower() == "isrecoveryact"), None)
    if recovery is not None:
        converted["isRecoveryAct"] = entry[recovery]
    return converted
