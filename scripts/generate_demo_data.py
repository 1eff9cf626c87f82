"""Generate the demo bundle served by spendrecon.demo (SAM.gov listings + USAspending rows).

    python scripts/generate_demo_data.py            # (re)write spendrecon/demo/data/*.json.gz
    python scripts/generate_demo_data.py --check    # exit 1 if the committed files are stale
    python scripts/generate_demo_data.py --stats    # print counts of every planted case

Deterministic: one seeded ``random.Random``, no clock, integer/Decimal arithmetic for money
(floats would make the cents depend on the platform's libm), gzip written with mtime=0.

Every program gets a *profile* that decides how its two sources relate: most are clean
(USAspending within a few percent of the SAM.gov actual), the others plant one situation the
reconciliation rules and explanations must find (see PROFILES). ``reference_findings`` applies
the rules to the generated figures so tests and --stats can count what was planted.
"""
from __future__ import annotations

import argparse
import gzip
import io
import json
import random
import sys
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere, without installing the package
    sys.path.insert(0, str(ROOT))

from spendrecon.demo.apis import SAM_DATA_FILE, USASPENDING_DATA_FILE  # noqa: E402
from spendrecon.demo.wire import dumps_exact  # noqa: E402

SEED = 97102
YEARS = (2019, 2020, 2021, 2022, 2023)
DATA_DIR = ROOT / "spendrecon" / "demo" / "data"
CENT = Decimal("0.01")
MIN_RULE_AMOUNT = Decimal(1000)  # the rules' materiality floor, mirrored by reference_findings

Amount = Decimal | str | int  # str: the few figures sent as JSON strings; int: a bare 0


# --- agencies -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Agency:
    prefix: str
    department: str
    code: str  # FPDS department code
    web: str
    count: int  # listings to generate under this prefix
    subs: tuple[str, ...]
    topics: tuple[str, ...]
    loan_weight: float = 0.0  # share of programs that are loan programs


AGENCIES: tuple[Agency, ...] = (
    Agency("10", "Department of Agriculture", "1200", "www.usda.gov", 290,
           ("Forest Service", "Food and Nutrition Service", "Rural Housing Service", "Rural Utilities Service",
            "Rural Business-Cooperative Service", "Farm Service Agency", "Natural Resources Conservation Service",
            "National Institute of Food and Agriculture", "Animal and Plant Health Inspection Service",
            "Agricultural Marketing Service"),
           ("Specialty Crop", "Wildland Fire", "Rural Broadband", "Watershed Protection", "Farmers Market",
            "School Nutrition", "Conservation Stewardship", "Forest Health", "Rural Water and Waste",
            "Beginning Farmer", "Organic Certification", "Plant Pest Management", "Agricultural Research",
            "Rural Energy", "Community Facilities", "Urban Agriculture", "Food Safety Outreach",
            "Livestock Disaster", "Soil Health", "Tribal Food Sovereignty", "Rural Housing Repair"),
           loan_weight=0.10),
    Agency("11", "Department of Commerce", "1300", "www.commerce.gov", 110,
           ("National Oceanic and Atmospheric Administration", "Economic Development Administration",
            "National Institute of Standards and Technology",
            "National Telecommunications and Information Administration",
            "Census Bureau", "Minority Business Development Agency"),
           ("Coastal Zone Management", "Fisheries Research", "Sea Grant", "Economic Adjustment", "Public Works",
            "Manufacturing Extension", "Broadband Equity", "Climate Resilience", "Weather Research",
            "Marine Debris", "Regional Innovation", "Standards Measurement", "Ocean Observing",
            "Habitat Restoration", "Export Assistance", "Minority Business Enterprise"),
           loan_weight=0.05),
    Agency("12", "Department of Defense", "9700", "www.defense.gov", 130,
           ("Department of the Army", "Department of the Navy", "Department of the Air Force",
            "Defense Threat Reduction Agency", "Office of Local Defense Community Cooperation",
            "Defense Advanced Research Projects Agency"),
           ("Basic Scientific Research", "Military Medical Research", "Community Economic Adjustment",
            "Youth Challenge", "Environmental Restoration", "Language Training", "Cooperative Threat Reduction",
            "Readiness and Environmental Protection", "STEM Outreach", "Innovation Research",
            "Defense Manufacturing", "Installation Resilience", "Legacy Resource Management",
            "Historically Black Colleges Research"),
           ),
    Agency("14", "Department of Housing and Urban Development", "8600", "www.hud.gov", 80,
           ("Office of Community Planning and Development", "Office of Public and Indian Housing",
            "Office of Housing", "Office of Fair Housing and Equal Opportunity",
            "Office of Lead Hazard Control and Healthy Homes"),
           ("Community Development Block", "Homeless Assistance", "Lead Hazard Reduction", "Fair Housing Initiatives",
            "Public Housing Capital", "Indian Housing Block", "Housing Counseling", "Choice Neighborhoods",
            "Disaster Recovery", "Supportive Housing for the Elderly", "Healthy Homes", "Rural Capacity Building"),
           loan_weight=0.10),
    Agency("15", "Department of the Interior", "1400", "www.doi.gov", 260,
           ("Bureau of Land Management", "Fish and Wildlife Service", "National Park Service",
            "Bureau of Reclamation", "U.S. Geological Survey", "Bureau of Indian Affairs",
            "Office of Surface Mining Reclamation and Enforcement", "Bureau of Ocean Energy Management"),
           ("Wildlife Restoration", "Sport Fish Restoration", "Abandoned Mine Land", "Historic Preservation",
            "Water Conservation", "Invasive Species", "Tribal Climate Resilience", "Cultural Resources",
            "Endangered Species Recovery", "Wetlands Conservation", "Rangeland Management", "Earthquake Hazards",
            "Outdoor Recreation", "Water Reclamation and Reuse", "Migratory Bird Conservation",
            "Indian School Equalization", "Youth Conservation Corps", "Geologic Mapping", "Cooperative Landscape",
            "Tribal Self-Governance"),
           ),
    Agency("16", "Department of Justice", "1500", "www.justice.gov", 110,
           ("Office of Justice Programs", "Office on Violence Against Women",
            "Office of Community Oriented Policing Services", "Federal Bureau of Investigation",
            "Drug Enforcement Administration"),
           ("Crime Victim Assistance", "Juvenile Justice", "Body-Worn Camera", "Second Chance Reentry",
            "Violence Against Women", "Community Policing", "Forensic Science Improvement", "Drug Court",
            "Internet Crimes Against Children", "Equitable Sharing", "Tribal Justice", "Mental Health Collaboration",
            "Missing and Exploited Children", "Justice Assistance"),
           ),
    Agency("17", "Department of Labor", "1600", "www.dol.gov", 55,
           ("Employment and Training Administration", "Occupational Safety and Health Administration",
            "Mine Safety and Health Administration", "Veterans' Employment and Training Service", "Women's Bureau"),
           ("Workforce Innovation", "Apprenticeship Expansion", "Dislocated Worker", "Mine Safety Training",
            "Homeless Veterans Reintegration", "Youth Build", "Unemployment Insurance", "Senior Community Service",
            "Worker Safety Training", "Women in Apprenticeship", "Reentry Employment"),
           ),
    Agency("19", "Department of State", "1900", "www.state.gov", 90,
           ("Bureau of Educational and Cultural Affairs", "Bureau of Population, Refugees, and Migration",
            "Bureau of Democracy, Human Rights, and Labor",
            "Bureau of International Narcotics and Law Enforcement Affairs"),
           ("Academic Exchange", "Refugee Admissions", "Human Rights Defenders", "Cultural Heritage",
            "Counter Narcotics", "Professional Fellows", "Public Diplomacy", "Demining", "Youth Leadership",
            "Rule of Law", "English Language Fellows", "Global Health Security"),
           ),
    Agency("20", "Department of Transportation", "6900", "www.transportation.gov", 85,
           ("Federal Highway Administration", "Federal Transit Administration", "Federal Aviation Administration",
            "Federal Motor Carrier Safety Administration", "National Highway Traffic Safety Administration",
            "Federal Railroad Administration", "Pipeline and Hazardous Materials Safety Administration",
            "Maritime Administration"),
           ("Airport Improvement", "Bus and Bus Facilities", "Highway Safety", "Rail Safety", "Port Infrastructure",
            "Pipeline Safety", "Transit Capital", "Bridge Investment", "Motor Carrier Safety", "Safe Streets",
            "University Transportation Centers", "Rural Surface Transportation", "Hazardous Materials Training"),
           loan_weight=0.05),
    Agency("21", "Department of the Treasury", "2000", "home.treasury.gov", 25,
           ("Departmental Offices", "Internal Revenue Service", "Community Development Financial Institutions Fund"),
           ("Equitable Sharing", "Volunteer Income Tax Assistance", "Emergency Rental Assistance",
            "Community Development Financial Institutions", "Low Income Taxpayer Clinic", "State Small Business Credit",
            "Homeowner Assistance", "Tax Counseling for the Elderly"),
           loan_weight=0.05),
    Agency("43", "National Aeronautics and Space Administration", "8000", "www.nasa.gov", 12,
           ("National Aeronautics and Space Administration",),
           ("Science", "Aeronautics", "Space Technology", "Exploration", "Education", "Space Operations",
            "Safety, Security and Mission Services"),
           ),
    Agency("45", "National Foundation on the Arts and the Humanities", "5900", "www.arts.gov", 40,
           ("National Endowment for the Arts", "National Endowment for the Humanities",
            "Institute of Museum and Library Services"),
           ("Arts Promotion", "Humanities Research", "Museums for America", "Library Services", "Public Humanities",
            "Preservation and Access", "Digital Humanities", "Native American Library", "Arts Education",
            "Challenge Grants"),
           ),
    Agency("47", "National Science Foundation", "4900", "www.nsf.gov", 16,
           ("National Science Foundation",),
           ("Engineering", "Mathematical and Physical Sciences", "Geosciences", "Computer and Information Science",
            "Biological Sciences", "Social, Behavioral, and Economic Sciences", "Education and Human Resources",
            "Polar Programs", "Integrative Activities", "Technology, Innovation, and Partnerships"),
           ),
    Agency("59", "Small Business Administration", "7300", "www.sba.gov", 35,
           ("Small Business Administration",),
           ("Small Business Development Centers", "Microloan", "Disaster Assistance", "Women's Business Centers",
            "Veterans Business Outreach", "Small Business Investment Companies", "Certified Development Company",
            "Export Working Capital", "Prime Technical Assistance", "Federal and State Technology Partnership"),
           loan_weight=0.50),
    Agency("64", "Department of Veterans Affairs", "3600", "www.va.gov", 60,
           ("Veterans Health Administration", "Veterans Benefits Administration", "National Cemetery Administration"),
           ("Veterans Housing", "Homeless Providers", "State Veterans Home Construction", "Veterans Compensation",
            "Vocational Rehabilitation", "Supportive Services for Veteran Families", "Burial Benefits",
            "Adaptive Sports", "Veterans Educational Assistance", "Specially Adapted Housing"),
           loan_weight=0.15),
    Agency("66", "Environmental Protection Agency", "6800", "www.epa.gov", 75,
           ("Office of Water", "Office of Air and Radiation", "Office of Land and Emergency Management",
            "Office of Research and Development", "Office of Environmental Justice and External Civil Rights"),
           ("Clean Water State Revolving Fund", "Drinking Water", "Brownfields", "Diesel Emissions Reduction",
            "Air Pollution Control", "Environmental Justice", "Pollution Prevention", "Nonpoint Source",
            "Wetland Program Development", "Superfund State", "Beach Monitoring", "Science to Achieve Results",
            "Clean School Bus"),
           ),
    Agency("81", "Department of Energy", "8900", "www.energy.gov", 85,
           ("Office of Energy Efficiency and Renewable Energy", "Office of Science",
            "Office of Fossil Energy and Carbon Management",
            "National Nuclear Security Administration", "Office of Electricity"),
           ("Weatherization Assistance", "State Energy", "Solar Energy Research", "Nuclear Energy Research",
            "Grid Resilience", "Carbon Capture", "Hydrogen Fuel", "Vehicle Technologies", "Fusion Energy Sciences",
            "Minority Educational Institutions", "Geothermal Technologies", "Industrial Efficiency",
            "Nonproliferation Research"),
           loan_weight=0.06),
    Agency("84", "Department of Education", "9100", "www.ed.gov", 150,
           ("Office of Elementary and Secondary Education", "Office of Special Education and Rehabilitative Services",
            "Office of Postsecondary Education", "Office of Federal Student Aid", "Institute of Education Sciences",
            "Office of Career, Technical, and Adult Education"),
           ("Special Education", "English Language Acquisition", "Adult Education", "Career and Technical Education",
            "Charter Schools", "Magnet Schools", "TRIO", "Strengthening Institutions", "Education Research",
            "Rural Education", "Indian Education", "Teacher Quality Partnership", "Migrant Education",
            "Student Support and Academic Enrichment", "Vocational Rehabilitation", "Comprehensive Centers",
            "Promise Neighborhoods", "Graduate Assistance"),
           loan_weight=0.06),
    Agency("93", "Department of Health and Human Services", "7500", "www.hhs.gov", 420,
           ("Centers for Disease Control and Prevention", "National Institutes of Health",
            "Health Resources and Services Administration", "Administration for Children and Families",
            "Centers for Medicare and Medicaid Services", "Substance Abuse and Mental Health Services Administration",
            "Administration for Community Living", "Indian Health Service", "Food and Drug Administration"),
           ("Cancer Research", "Maternal and Child Health", "Immunization", "Opioid Response", "Head Start",
            "Child Care Development", "Community Health Centers", "Ryan White HIV/AIDS", "Mental Health Block",
            "Substance Use Prevention", "Aging Services", "Rural Health", "Injury Prevention", "Tribal Health",
            "Environmental Health", "Nursing Workforce", "Family Planning", "Refugee Resettlement",
            "Public Health Emergency Preparedness", "Allergy and Infectious Diseases",
            "Heart, Lung, and Blood Research",
            "Diabetes Research", "Child Welfare", "Low-Income Home Energy", "Food Safety", "Developmental Disabilities",
            "Telehealth"),
           ),
    Agency("97", "Department of Homeland Security", "7000", "www.dhs.gov", 75,
           ("Federal Emergency Management Agency", "United States Coast Guard",
            "Cybersecurity and Infrastructure Security Agency", "Transportation Security Administration",
            "U.S. Citizenship and Immigration Services", "Science and Technology Directorate"),
           ("Hazard Mitigation", "Emergency Management Performance", "Fire Prevention and Safety", "Port Security",
            "Transit Security", "State Homeland Security", "Cybersecurity", "Citizenship and Integration",
            "Boating Safety", "Flood Mitigation Assistance", "Urban Area Security", "Public Assistance",
            "Nonprofit Security", "Targeted Violence Prevention"),
           ),
    Agency("94", "Corporation for National and Community Service", "9577", "americorps.gov", 20,
           ("Corporation for National and Community Service",),
           ("AmeriCorps State and National", "Volunteers in Service", "Senior Companion", "Foster Grandparent",
            "Retired and Senior Volunteer", "Volunteer Generation", "Commission Support"),
           ),
    Agency("96", "Social Security Administration", "2800", "www.ssa.gov", 10,
           ("Social Security Administration",),
           ("Work Incentives Planning", "Protection and Advocacy", "Retirement Research", "Disability Research",
            "Benefits Outreach"),
           ),
    Agency("98", "Agency for International Development", "7200", "www.usaid.gov", 15,
           ("Agency for International Development",),
           ("Foreign Assistance", "American Schools and Hospitals Abroad", "Development Innovation",
            "Global Health", "Food for Peace", "Democracy and Governance"),
           ),
    Agency("39", "General Services Administration", "4700", "www.gsa.gov", 5,
           ("General Services Administration",),
           ("Surplus Property", "Election Reform Payments", "Public Buildings Art", "Federal Citizen Information"),
           ),
)
AGENCY_BY_PREFIX = {a.prefix: a for a in AGENCIES}

FORMS = (
    "{t} Grants", "{t} Program", "{t} Cooperative Agreements", "{t} Research Grants", "{t} Formula Grants",
    "{t} Technical Assistance", "{t} Demonstration Projects", "{t} Capacity Building", "{t} Planning Grants",
    "{t} Training and Education", "State {t} Grants", "Tribal {t} Program", "Rural {t} Assistance",
    "{t} Infrastructure Investments", "Competitive {t} Grants", "{t} Partnership Program", "{t} Innovation Awards",
    "{t} Data and Evaluation", "{t} Outreach and Education", "{t} Construction Grants", "{t} Emergency Assistance",
    "{t} Fellowships", "{t} Pilot Program", "Regional {t} Centers",
)
LOAN_FORMS = ("{t} Direct Loans", "{t} Guaranteed Loans", "{t} Loan Program", "{t} Loan Guarantees")

# SAM.gov v2 assistance types (source-apis.md §1.1); N00x are non-financial.
TYPE_NAMES = {
    "F001": "Grant", "F002": "Cooperative Agreement", "F003": "Direct Loan", "F004": "Loan Guarantee",
    "F005": "Indemnity/Insurance (non-loan)", "F006": "Direct Payment for Specified Use",
    "F007": "Direct Payment with Unrestricted Use", "F008": "Asset Forfeiture/Equitable Sharing",
    "F009": "Sale/Exchange/Donation of Property and Goods", "F010": "Other Financial Assistance",
    "N001": "Provision of Specialized Services", "N002": "Advisory Services and Counseling",
    "N003": "Dissemination of Technical Information", "N004": "Training", "N005": "Investigation of Complaints",
    "N006": "Federal Employment", "N007": "Use of Property, Facilities, and Equipment",
}
# "Salaries and Expenses" has no v2 code: written with its legacy dictionary id (§1.2, letter Z).
SALARIES_CODE, SALARIES_NAME = "0090", "Salaries and Expenses"
LOAN_TYPES = ("F003", "F004")
FINANCIAL_MIX = (("F001", 45), ("F002", 20), ("F006", 12), ("F010", 6), ("F007", 4), ("F005", 3), ("F009", 2))

# Profiles: how SAM.gov and USAspending relate for a program (weights are relative).
PROFILES: dict[str, float] = {
    "clean": 0.68, "fiscal_year_shift": 0.03, "non_award_only": 0.015, "non_award_mixed": 0.025,
    "missing_in_usaspending": 0.035, "missing_in_sam": 0.035, "amount_mismatch": 0.045,
    "estimate_only": 0.035, "net_deobligation": 0.03, "archived": 0.085, "archived_trailing": 0.025,
}


# --- the generated model ------------------------------------------------------------------------
@dataclass
class Figure:
    actual: Amount | None
    estimate: Amount | None


@dataclass
class Line:
    """One obligations[] entry: an assistance type and its figures by year."""

    code: str
    name: str
    figures: dict[int, Figure]
    recovery_act: bool | None = None


@dataclass
class Program:
    aln: str
    title: str
    agency: Agency
    sub: str | None
    profile: str
    status: str = "Active"
    version: str = "2.0"
    archived_fy: int | None = None
    lines: list[Line] = field(default_factory=list)
    usaspending: dict[int, Amount] = field(default_factory=dict)  # absent year: no row
    quirk: str | None = None  # "mixed_case" | "values_object" | "string_amounts"
    program_id: str = ""
    published: str = ""
    popular_name: str | None = None
    short_name: str | None = None
    objective: str | None = None


@dataclass
class Plan:
    """A program's figures before they are split into assistance-type lines."""

    sam: dict[int, Figure]
    usaspending: dict[int, Amount]
    non_award: dict[int, Decimal] = field(default_factory=dict)  # per-year amounts on N/S&E lines


# --- money helpers ------------------------------------------------------------------------------
# Relative number of programs per order of magnitude (10**2 .. 10**9 dollars): few tiny, few huge.
MAGNITUDE_WEIGHTS = {2: 2, 3: 5, 4: 10, 5: 16, 6: 20, 7: 20, 8: 15, 9: 6}


def _magnitude(rng: random.Random, low_exp: int = 2, high_exp: int = 9) -> Decimal:
    """Log-uniform-ish amount between 10**low_exp and 10**(high_exp+1), integer maths only.

    Randomly drawn programs stay below ~$10B; the tens-of-billions ones are the FIXED giants.
    """
    exps = [e for e in MAGNITUDE_WEIGHTS if low_exp <= e <= high_exp]
    exp = rng.choices(exps, [MAGNITUDE_WEIGHTS[e] for e in exps])[0]
    return Decimal(rng.randint(1000, 9999)) * Decimal(10) ** (exp - 3)


def _scaled(value: Decimal, per_ten_thousand: int) -> Decimal:
    return (value * per_ten_thousand / 10000).quantize(CENT, ROUND_HALF_EVEN)


def _round_style(value: Decimal, style: str) -> Decimal:
    """Agencies mostly report round thousands; some whole dollars; a few cents."""
    if style == "thousands" and abs(value) >= 1000:
        return ((value / 1000).quantize(Decimal(1), ROUND_HALF_EVEN) * 1000).quantize(CENT)
    if style in ("thousands", "dollars"):
        return value.quantize(Decimal(1), ROUND_HALF_EVEN).quantize(CENT)
    return value.quantize(CENT, ROUND_HALF_EVEN)


def _float_text(value: Decimal) -> Decimal:
    """USAspending sends floats: 1234.5 / 1234.0 rather than 1234.50 / 1234.00."""
    text = format(value.quantize(CENT), "f").rstrip("0")
    return Decimal(text + "0" if text.endswith(".") else text)


def _near(rng: random.Random, value: Decimal) -> Decimal:
    """A USAspending figure within 3% of SAM (a quarter of them exactly equal)."""
    if rng.random() < 0.25:
        return _float_text(value)
    return _float_text(_scaled(value, 10000 + rng.randint(-300, 300)))


def _series(rng: random.Random, years: Iterable[int], base: Decimal, style: str, swing: int = 15) -> dict[int, Decimal]:
    """Year-to-year random walk: -swing to +swing+5 percent (budgets drift upwards)."""
    out: dict[int, Decimal] = {}
    value = base
    for year in years:
        out[year] = _round_style(value, style)
        value = _scaled(value, 10000 + 100 * rng.randint(-swing, swing + 5))
    return out


def _shifting_series(rng: random.Random, years: Iterable[int], base: Decimal, style: str) -> dict[int, Decimal]:
    """Each year at least 20% away from the last, so a one-year shift always shows as a gap.

    Steps alternate up and down so the series zigzags instead of compounding away.
    """
    out: dict[int, Decimal] = {}
    value = base
    up = rng.random() < 0.5
    for year in years:
        out[year] = _round_style(value, style)
        step = rng.randint(125, 170) if up else rng.randint(55, 80)
        value = _scaled(value, 100 * step)
        up = not up
    return out


# --- profiles: each returns the program's plan --------------------------------------------------
def _clean_year(rng: random.Random, amount: Decimal, style: str) -> tuple[Figure, Decimal]:
    estimate = _round_style(_scaled(amount, 100 * rng.randint(90, 110)), style) if rng.random() < 0.2 else None
    return Figure(amount, estimate), _near(rng, amount)


def _plan_clean(rng: random.Random, series: dict[int, Decimal], style: str, texture: bool) -> Plan:
    plan = Plan({}, {})
    for year, amount in series.items():
        plan.sam[year], plan.usaspending[year] = _clean_year(rng, amount, style)
    if texture:
        _add_texture(rng, plan)
    return plan


def _add_texture(rng: random.Random, plan: Plan) -> None:
    """Harmless irregularities: explicit zeros, empty figures, missing years (no rule fires)."""
    year = rng.choice(sorted(plan.sam))
    roll = rng.random()
    if roll < 0.08:  # a year with nothing obligated, said explicitly on both sides (or one)
        plan.sam[year] = Figure(Decimal("0.00"), rng.choice((Decimal("0.00"), None)))
        if rng.random() < 0.5:
            plan.usaspending[year] = Decimal("0.0")
        else:
            plan.usaspending.pop(year, None)
    elif roll < 0.13:  # a year entry with neither figure filled in
        plan.sam[year] = Figure(None, None)
        plan.usaspending.pop(year, None)
    elif roll < 0.18:  # the year simply absent
        del plan.sam[year]
        plan.usaspending.pop(year, None)


def _plan_missing_in_usaspending(rng: random.Random, series: dict[int, Decimal], style: str) -> Plan:
    plan = _plan_clean(rng, series, style, texture=False)
    for year in rng.sample(sorted(series), min(len(series), rng.choice((1, 1, 2)))):
        if rng.random() < 0.5:
            del plan.usaspending[year]
        else:
            plan.usaspending[year] = Decimal("0.0")
    return plan


def _plan_missing_in_sam(rng: random.Random, series: dict[int, Decimal], style: str) -> Plan:
    plan = _plan_clean(rng, series, style, texture=False)
    year = rng.choice(sorted(series))
    variant = rng.randrange(3)
    if variant == 0:
        plan.sam[year] = Figure(Decimal("0.00"), None)
    elif variant == 1:
        plan.sam[year] = Figure(None, None)
    else:
        del plan.sam[year]
    return plan


def _plan_amount_mismatch(rng: random.Random, series: dict[int, Decimal], style: str) -> Plan:
    plan = _plan_clean(rng, series, style, texture=False)
    year = rng.choice(sorted(series))
    factor = rng.choice((rng.randint(3000, 8500), rng.randint(11500, 25000)))
    plan.usaspending[year] = _float_text(_scaled(series[year], factor))
    return plan


def _plan_estimate_only(rng: random.Random, series: dict[int, Decimal], style: str) -> Plan:
    plan = _plan_clean(rng, series, style, texture=False)
    years = sorted(series)
    year = years[-1] if rng.random() < 0.7 else rng.choice(years)  # usually the newest year
    plan.sam[year] = Figure(None, series[year])
    roll = rng.random()
    if roll < 0.25:
        del plan.usaspending[year]
    elif roll < 0.5:
        plan.usaspending[year] = Decimal("0.0")
    return plan


def _plan_net_deobligation(rng: random.Random, series: dict[int, Decimal], style: str) -> Plan:
    plan = _plan_clean(rng, series, style, texture=False)
    year = max(series) if rng.random() < 0.6 else rng.choice(sorted(series))
    refund = _magnitude(rng, 3, 6)
    plan.usaspending[year] = _float_text(-refund)
    if rng.random() < 0.4:  # winding down: nothing new obligated, only old awards cut back
        plan.sam[year] = Figure(Decimal("0.00"), None)
    return plan


def _plan_fiscal_year_shift(rng: random.Random, series: dict[int, Decimal]) -> Plan:
    """USAspending books each year's SAM.gov amount one year later (or earlier)."""
    plan = Plan({y: Figure(a, None) for y, a in series.items()}, {})
    years = sorted(series)
    forward = rng.random() < 0.7
    for year in years:
        source_year = year - 1 if forward else year + 1
        if source_year in series:
            plan.usaspending[year] = _float_text(series[source_year])
        elif rng.random() < 0.6:  # the edge year has no partner: a different figure or none
            plan.usaspending[year] = _float_text(_scaled(series[year], rng.randint(3000, 6000)))
    return plan


def _plan_loan(rng: random.Random, series: dict[int, Decimal]) -> Plan:
    """SAM.gov reports loan face value; USAspending the subsidy cost (small, zero or negative)."""
    plan = Plan({y: Figure(a, None) for y, a in series.items()}, {})
    for year, face in series.items():
        roll = rng.random()
        if roll < 0.1:
            continue  # no row: zero-subsidy guarantees have no obligation to report
        rate = 0 if roll < 0.2 else rng.randint(-300, 1200)  # basis points of face value
        plan.usaspending[year] = _float_text(_scaled(face, rate))
    return plan


def _plan_non_award(rng: random.Random, series: dict[int, Decimal], style: str, mixed: bool) -> Plan:
    """Lines that are not awards (Salaries and Expenses, N00x): nothing in USAspending for them."""
    if not mixed:
        return Plan({}, {}, dict(series))
    plan = _plan_clean(rng, series, style, texture=False)
    share = rng.randint(10, 40)
    plan.non_award = {y: _round_style(_scaled(a, 100 * share), style) for y, a in series.items()}
    return plan


def _plan_archived(rng: random.Random, series: dict[int, Decimal], style: str, trailing: bool) -> tuple[Plan, int]:
    """Listing archived in FY K: figures stop at K-1; 'trailing' ones keep USAspending rows after."""
    archived_fy = rng.randint(2020, 2023)
    kept = {y: a for y, a in series.items() if y < archived_fy}
    plan = _plan_clean(rng, kept, style, texture=False)
    if trailing:
        for year in range(archived_fy, YEARS[-1] + 1):
            if year == archived_fy or rng.random() < 0.4:
                tail = _magnitude(rng, 3, 7)
                plan.usaspending[year] = _float_text(tail if rng.random() < 0.65 else -tail)
    return plan, archived_fy


# --- catalogue ----------------------------------------------------------------------------------
def _titles(rng: random.Random, agency: Agency, forms: tuple[str, ...]) -> Iterator[str]:
    """Endless distinct titles for an agency, from its topics and the given forms."""
    combos = [form.format(t=topic) for topic in agency.topics for form in forms]
    rng.shuffle(combos)
    for suffix in ("", " II", " III", " IV", " V"):
        for title in combos:
            yield title + suffix
    raise RuntimeError(f"ran out of titles for {agency.prefix}")


class TitleBook:
    """One title stream per agency and kind, so no two programs share a title."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._streams: dict[tuple[str, bool], Iterator[str]] = {}

    def next(self, agency: Agency, loan: bool = False) -> str:
        key = (agency.prefix, loan)
        if key not in self._streams:
            self._streams[key] = _titles(self._rng, agency, LOAN_FORMS if loan else FORMS)
        return next(self._streams[key])


# Fixed programs: the seed case, the string-handling cases, and a few well-known giants.
# (aln, title, sub-agency index or None, profile, base amount, financial type)
FIXED: tuple[tuple[str, str, int | None, str, Decimal, str], ...] = (
    ("10.10", "Agricultural Market News Cooperative Agreements", 9, "clean", Decimal(2_450_000), "F002"),
    ("10.100", "Rural Community Resilience Grants", 4, "clean", Decimal(38_700_000), "F001"),
    ("10.551", "Supplemental Nutrition Assistance Program", 1, "clean", Decimal(68_400_000_000), "F006"),
    ("12.RD1", "Defense Research Partnership Pilot", 0, "clean", Decimal(12_500_000), "F002"),
    ("14.871", "Section 8 Housing Choice Vouchers", 1, "clean", Decimal(25_900_000_000), "F001"),
    ("20.205", "Highway Planning and Construction", 0, "clean", Decimal(46_200_000_000), "F001"),
    ("84.010", "Title I Grants to Local Educational Agencies", 0, "clean", Decimal(16_800_000_000), "F001"),
    ("84.063", "Federal Pell Grant Program", 3, "clean", Decimal(27_500_000_000), "F006"),
    ("84.268", "Federal Direct Student Loans", 3, "loan", Decimal(89_600_000_000), "F003"),
    ("93.558", "Temporary Assistance for Needy Families", 3, "clean", Decimal(16_500_000_000), "F001"),
    ("93.778", "Medical Assistance Program", 4, "clean", Decimal(91_300_000_000), "F001"),
)
CMPP_ALN = "97.102"
# ALNs only USAspending knows (unlisted); the lettered ones are how USAspending shows such programs.
LETTERED_UNLISTED = ("93.U01", "16.U02")


def _catalogue(rng: random.Random, titles: TitleBook) -> list[Program]:
    fixed = {aln for aln, *_ in FIXED} | {CMPP_ALN}
    programs = [_fixed_program(rng, *spec) for spec in FIXED]
    for agency in AGENCIES:
        taken = {aln.split(".")[1] for aln in fixed if aln.split(".")[0] == agency.prefix}
        pool = [n for n in range(1, 1000) if f"{n:03d}" not in taken]
        for number in sorted(rng.sample(pool, agency.count)):
            profile = _choose_profile(rng, agency)
            title = titles.next(agency, loan=profile == "loan")
            sub = rng.choice(agency.subs)
            programs.append(Program(f"{agency.prefix}.{number:03d}", title, agency, sub, profile))
    return programs


def _fixed_program(rng: random.Random, aln: str, title: str, sub: int | None, profile: str,
                   base: Decimal, kind: str) -> Program:
    agency = AGENCY_BY_PREFIX[aln.split(".")[0]]
    program = Program(aln, title, agency, None if sub is None else agency.subs[sub], profile)
    series = _series(rng, YEARS, base, "thousands", swing=6)
    plan = _plan_loan(rng, series) if profile == "loan" else _plan_clean(rng, series, "thousands", texture=False)
    program.lines = _split_lines(rng, plan, [kind])
    program.usaspending = plan.usaspending
    return program


def _choose_profile(rng: random.Random, agency: Agency) -> str:
    names = [*PROFILES, "loan"]
    weights = [*PROFILES.values(), agency.loan_weight]
    return rng.choices(names, weights)[0]


# --- figures → lines ----------------------------------------------------------------------------
def _fill(rng: random.Random, program: Program) -> None:
    """Decide the program's years, amounts and lines from its profile."""
    planted = program.profile not in ("clean", "archived")
    # Planted cases start at $100k so their gaps clear the rules' $1,000 and 5% floors.
    base = _magnitude(rng, 5, 9) if planted else _magnitude(rng, 2, 9)
    if program.profile == "loan":
        base = _magnitude(rng, 7, 9)
    style = rng.choices(("thousands", "dollars", "cents"), (60, 25, 15))[0]
    start = YEARS[0] if planted or rng.random() < 0.88 else rng.choice(YEARS[1:4])
    years = range(start, YEARS[-1] + 1)
    series = _series(rng, years, base, style)
    plan = _plan_for(rng, program, series, style)
    program.lines = _split_lines(rng, plan, _types_for(rng, program))
    program.usaspending = plan.usaspending


def _plan_for(rng: random.Random, program: Program, series: dict[int, Decimal], style: str) -> Plan:
    profile = program.profile
    if profile in ("archived", "archived_trailing"):
        plan, program.archived_fy = _plan_archived(rng, series, style, profile == "archived_trailing")
        program.status = "Inactive"
        return plan
    if profile == "clean":
        return _plan_clean(rng, series, style, texture=True)
    if profile == "loan":
        return _plan_loan(rng, series)
    if profile == "fiscal_year_shift":
        return _plan_fiscal_year_shift(rng, _shifting_series(rng, series, series[min(series)], style))
    if profile in ("non_award_only", "non_award_mixed"):
        return _plan_non_award(rng, series, style, profile == "non_award_mixed")
    planner = {
        "missing_in_usaspending": _plan_missing_in_usaspending, "missing_in_sam": _plan_missing_in_sam,
        "amount_mismatch": _plan_amount_mismatch, "estimate_only": _plan_estimate_only,
        "net_deobligation": _plan_net_deobligation,
    }[profile]
    return planner(rng, series, style)


def _types_for(rng: random.Random, program: Program) -> list[str]:
    """Financial assistance types; ~15% of programs report more than one."""
    codes, weights = [c for c, _ in FINANCIAL_MIX], [w for _, w in FINANCIAL_MIX]
    if program.profile == "loan":
        first = rng.choice(LOAN_TYPES)
        extras = [c for c in ("F004" if first == "F003" else "F003", "F001") if rng.random() < 0.25]
        return [first, *extras[:1]]
    if program.profile == "non_award_only":
        return []
    types = [rng.choices(codes, weights)[0]]
    while len(types) < 3 and rng.random() < (0.15 if len(types) == 1 else 0.3):
        extra = rng.choices(codes, weights)[0]
        if extra not in types:
            types.append(extra)
    return types


def _split_lines(rng: random.Random, plan: Plan, types: list[str]) -> list[Line]:
    """Spread each year's total over the types (shares fixed per program, exact cents)."""
    lines: list[Line] = []
    if types:
        shares = _shares(rng, len(types))
        parts = [Line(code, TYPE_NAMES[code], {}) for code in types]
        for year, figure in plan.sam.items():
            actuals = _split_amount(figure.actual, shares)
            estimates = _split_amount(figure.estimate, shares)
            for line, actual, estimate in zip(parts, actuals, estimates, strict=True):
                line.figures[year] = Figure(actual, estimate)
        lines.extend(parts)
    if plan.non_award:
        code, name = _non_award_type(rng)
        lines.append(Line(code, name, {y: Figure(a, None) for y, a in plan.non_award.items()}))
    return lines


def _shares(rng: random.Random, count: int) -> list[int]:
    """Percent shares summing to 100, largest first."""
    if count == 1:
        return [100]
    cuts = sorted(rng.sample(range(10, 91, 5), count - 1))
    shares = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    return sorted(shares, reverse=True)


def _split_amount(value: Amount | None, shares: list[int]) -> list[Amount | None]:
    if value is None or not isinstance(value, Decimal) or value == 0 or len(shares) == 1:
        return [value] * len(shares)
    parts = [(value * s / 100).quantize(CENT, ROUND_HALF_EVEN) for s in shares[1:]]
    return [value - sum(parts, Decimal(0)), *parts]  # the remainder keeps the sum exact


def _non_award_type(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.5:
        return SALARIES_CODE, SALARIES_NAME
    code = f"N00{rng.randint(1, 7)}"
    return code, TYPE_NAMES[code]


# --- the seed program (shared/seed/cmpp-97.102-program-page.md) ---------------------------------
def _cmpp() -> Program:
    """97.102 with the figures the project fixed for it (zeros spelled out, FY2023 actual null).

    Its FPI page shows the FY2023 actual as 0.0 only because FPI turns missing figures into zeros.
    """
    zero = Decimal("0.00")
    figures = {year: Figure(zero, zero) for year in (2019, 2020, 2021)}
    figures[2022] = Figure(Decimal("15000000.00"), Decimal("5000000.00"))
    figures[2023] = Figure(None, Decimal("20000000.00"))
    program = Program(CMPP_ALN, "Case Management Pilot Program", AGENCY_BY_PREFIX["97"], None, "cmpp")
    program.lines = [Line("F001", TYPE_NAMES["F001"], figures)]
    program.usaspending = {2019: 0, 2020: 0, 2021: 0, 2022: Decimal("0.0"), 2023: Decimal("15000000.00")}
    program.program_id = "5911be30bcdb484c9c30694641e2ed79"  # its sam.gov/fal/{id}/view id
    program.published = "2023-06-14T13:05:41.117+00:00"
    program.popular_name, program.short_name = "Case Management Pilot Program (CMPP)", "CMPP"
    program.objective = (
        "The objective of the Case Management Pilot Program (CMPP) is to ensure that noncitizens "
        "engaged in immigration removal proceedings and enrolled in the U.S. Immigration and Customs "
        "Enforcement Alternatives to Detention program have access to legal information and other "
        "critical services."
    )
    return program


# --- the snapshot's date: the latest completed year's actuals mostly not in yet -------------------
# The bundle is a snapshot of 2024-02-15 (demo vintage 1; spendrecon/demo/vintage.py). FY2023 ended four
# months before: SAM.gov listings get a year's actuals in their annual update during the following year,
# so most still show FY2023 as an estimate (on the real record of that date, nearly all did). A few
# listings had their update early. Chosen by a hash of the number, drawing nothing from the random
# streams, so every other figure stays what it was.
SNAPSHOT_YEAR = YEARS[-1]
EARLY_REPORTERS_PER_100 = 10


def _early_reporter(aln: str) -> bool:
    return zlib.crc32(f"early|{aln}".encode()) % 100 < EARLY_REPORTERS_PER_100


def _actuals_not_yet_in(programs: Iterable[Program]) -> None:
    """Withdraw the FY2023 actual of every listing that is no early reporter: its lines keep their estimate,
    or state the actual's figure as the estimate where they had none (an explicit 0 stays a 0 estimate)."""
    for program in programs:
        if _early_reporter(program.aln):
            continue
        for line in program.lines:
            figure = line.figures.get(SNAPSHOT_YEAR)
            if figure is None or figure.actual is None:
                continue
            line.figures[SNAPSHOT_YEAR] = Figure(None, figure.actual if figure.estimate is None else figure.estimate)


# --- listing objects ----------------------------------------------------------------------------
def _decorate(rng: random.Random, program: Program) -> None:
    """Ids, dates, spec version and the occasional quirk (never on a planted case)."""
    if not program.program_id:
        program.program_id = f"{rng.getrandbits(128):032x}"
    if not program.published:
        program.published = _published(rng, program)
    if program.profile != "cmpp" and rng.random() < 0.15:
        program.version = "1.0"
    if program.profile == "clean" and rng.random() < 0.012:
        program.quirk = rng.choice(("mixed_case", "values_object", "string_amounts"))
    if program.version == "1.0" and program.lines and rng.random() < 0.1:
        _add_recovery_act_line(program)


def _published(rng: random.Random, program: Program) -> str:
    """Active listings were last published recently; archived ones when they were archived."""
    first = date(2023, 1, 3) if program.archived_fy is None else date(program.archived_fy - 1, 10, 1)
    day = first + timedelta(days=rng.randint(0, 360))
    clock = f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.{rng.randint(0, 999):03d}"
    return f"{day.isoformat()}T{clock}+00:00"


def _add_recovery_act_line(program: Program) -> None:
    """v1.0 listings split Recovery Act money into its own line; long spent, so zeros and nulls."""
    first = program.lines[0]
    years = sorted(first.figures)
    figures = {y: Figure(Decimal("0.00") if y == years[0] else None, None) for y in years}
    program.lines.append(Line(first.code, first.name, figures, recovery_act=True))
    for line in program.lines[:-1]:
        line.recovery_act = False


def _listing(program: Program) -> dict[str, Any]:
    agency = program.agency
    sub_index = agency.subs.index(program.sub) if program.sub in agency.subs else None
    return {
        "version": program.version,
        "status": program.status,
        "programId": program.program_id,
        "fiscalYear": program.archived_fy or 2024,
        "publishedDate": program.published,
        "assistanceListingId": program.aln,
        "title": program.title,
        "popularLongName": program.popular_name or program.title,
        "popularShortName": program.short_name,
        "relatedFederalAssistance": None,
        "federalOrganization": {
            "department": agency.department,
            "departmentCode": agency.code,
            "agency": program.sub,
            "agencyCode": None if sub_index is None else f"{agency.code[:2]}{'ABCDEFGHJK'[sub_index]}{sub_index}",
        },
        "programWebPage": f"https://{agency.web}/",
        "overview": {"objective": program.objective or _objective(program)},
        "financialInformation": {
            "isFundedCurrentFY": program.status == "Active",
            "additionalInformation": None,
            "obligations": [_obligation(program, line) for line in program.lines],
            "accountsIdentificationList": [{"code": f"{agency.prefix}-{program.program_id[:4].upper()}-0-1-999",
                                            "description": None}],
        },
    }


def _objective(program: Program) -> str:
    return f"To support {program.title.lower()} under the authority of the {program.agency.department}."


def _obligation(program: Program, line: Line) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    if program.version == "1.0":
        entry["isRecoveryAct"] = bool(line.recovery_act)
    entry["assistanceType"] = {"code": line.code, "name": line.name}
    entry["values"] = [
        {"year": year, "actual": _as_sent(program, f.actual), "estimate": _as_sent(program, f.estimate)}
        for year, f in sorted(line.figures.items())
    ]
    return entry


def _as_sent(program: Program, value: Amount | None) -> Amount | None:
    if program.quirk == "string_amounts" and isinstance(value, Decimal):
        return format(value, ".2f")
    return value


def _apply_key_quirks(program: Program, listing: dict[str, Any]) -> None:
    """The real API's casing and shape vary; a handful of listings carry those variants."""
    finance = listing["financialInformation"]
    if program.quirk == "values_object":  # {"2019": {"actual": .., "estimate": ..}, ...}
        for entry in finance["obligations"]:
            entry["values"] = {
                str(v["year"]): {"actual": v["actual"], "estimate": v["estimate"]} for v in entry["values"]
            }
    elif program.quirk == "mixed_case":
        finance["Obligations"] = [
            {"AssistanceType": {"Code": e["assistanceType"]["code"], "Name": e["assistanceType"]["name"]},
             "Values": [{"Year": v["year"], "Actual": v["actual"], "Estimate": v["estimate"]} for v in e["values"]]}
            for e in finance.pop("obligations")
        ]


# --- USAspending rows ---------------------------------------------------------------------------
def _unlisted(rng: random.Random, programs: list[Program], titles: TitleBook) -> list[Program]:
    """Programs USAspending reports under ALNs SAM.gov does not list at all."""
    used = {p.aln for p in programs}
    out: list[Program] = []
    for index in range(70):
        agency = rng.choice(AGENCIES)
        aln = LETTERED_UNLISTED[index] if index < len(LETTERED_UNLISTED) else None
        while aln is None or aln in used:
            aln = f"{agency.prefix}.{rng.randint(1, 999):03d}"
        agency = AGENCY_BY_PREFIX[aln.split(".")[0]]
        used.add(aln)
        program = Program(aln, titles.next(agency), agency, None, "unlisted")
        first = rng.choice(YEARS)
        for year in range(first, YEARS[-1] + 1):
            amount = _magnitude(rng, 3, 8)
            program.usaspending[year] = _float_text(amount if rng.random() < 0.9 else -amount)
        out.append(program)
    return out


def _usaspending_rows(programs: list[Program]) -> dict[str, list[dict[str, Any]]]:
    ids = {aln: 1000 + i for i, aln in enumerate(sorted(p.aln for p in programs if p.usaspending))}
    by_year: dict[str, list[dict[str, Any]]] = {str(y): [] for y in YEARS}
    for program in programs:
        for year, amount in program.usaspending.items():
            by_year[str(year)].append(
                {"amount": amount, "code": program.aln, "id": ids[program.aln], "name": program.title,
                 "total_outlays": None})
    for rows in by_year.values():
        rows.sort(key=lambda r: (-Decimal(r["amount"]), r["code"]))  # the API's own order
    return by_year


# --- triage cases: non-reporting programs and agencies, money under another number ------------
# Added after everything above and drawn from their own random stream, so the cases above keep
# exactly their figures. Each situation comes with near misses the triage must NOT take for it.
TRIAGE_SEED = SEED + 11


class _TriagePlanter:
    def __init__(self, used: set[str], titles: set[str]) -> None:
        self.rng = random.Random(TRIAGE_SEED)
        self.used = used
        self.titles = titles
        self.listed: list[Program] = []
        self.unlisted: list[Program] = []

    def _aln(self, prefix: str) -> str:
        while True:
            aln = f"{prefix}.{self.rng.randint(1, 999):03d}"
            if aln not in self.used:
                self.used.add(aln)
                return aln

    def _title(self, agency: Agency, form: str) -> str:
        while True:
            title = f"{self.rng.choice(agency.topics)} {form}"
            if title not in self.titles:
                self.titles.add(title)
                return title

    def amount(self) -> Decimal:
        """An odd amount (whole dollars, not round thousands) between $1.5M and $95M."""
        return Decimal(self.rng.randint(1_500_000, 95_000_000)).quantize(CENT)

    def series(self) -> dict[int, Decimal]:
        return {y: self.amount() for y in YEARS}

    def listed_program(self, prefix: str, profile: str, sam: dict[int, Decimal], usaspending: dict[int, Amount],
                       sub: str | None = None) -> Program:
        agency = AGENCY_BY_PREFIX[prefix]
        program = Program(self._aln(prefix), self._title(agency, "Special Initiative"), agency,
                          sub or self.rng.choice(agency.subs), profile)
        program.lines = [Line("F001", TYPE_NAMES["F001"], {y: Figure(a, None) for y, a in sam.items()})]
        program.usaspending = usaspending
        self.listed.append(program)
        return program

    def unlisted_program(self, prefix: str, profile: str, usaspending: dict[int, Amount]) -> Program:
        agency = AGENCY_BY_PREFIX[prefix]
        program = Program(self._aln(prefix), self._title(agency, "Awards (unlisted)"), agency, None, profile)
        program.usaspending = usaspending
        self.unlisted.append(program)
        return program

    def zigzag(self, years: Iterable[int] = YEARS) -> dict[int, Decimal]:
        """Odd amounts that alternate between about $3M and about $40M: no year looks like its neighbour,
        so no fiscal-year shift (or other candidate) explains a gap by chance."""
        return {y: Decimal(self.rng.randint(1_500_000, 4_500_000) if i % 2 else self.rng.randint(25_000_000, 60_000_000)
                           ).quantize(CENT) for i, y in enumerate(years)}

    def sam_listing(self, prefix: str, profile: str, figures: dict[int, Decimal], actual_years: Iterable[int],
                    sub: str | None = None) -> Program:
        """A listing that states ``figures`` as actuals in ``actual_years`` and as estimates in every other
        year, while USAspending records the same money every year: SAM.gov-side non-reporting."""
        reported = set(actual_years)
        program = self.listed_program(prefix, profile, {}, {y: _float_text(a) for y, a in figures.items()}, sub=sub)
        program.lines[0].figures = {y: Figure(a, None) if y in reported else Figure(None, a) for y, a in figures.items()}
        return program

    def missing_one_year(self, prefix: str, profile: str, year: int) -> tuple[Program, Decimal]:
        """A clean program except that USAspending has nothing for `year`; returns it and the amount."""
        sam = self.series()
        usa: dict[int, Amount] = {y: _float_text(a) for y, a in sam.items() if y != year}
        return self.listed_program(prefix, profile, sam, usa), sam[year]


def _triage_cases(programs: list[Program], unlisted: list[Program]) -> tuple[list[Program], list[Program]]:
    planter = _TriagePlanter({p.aln for p in programs + unlisted}, {p.title for p in programs + unlisted})
    zero = Decimal("0.0")
    # never_reported: SAM.gov actuals every year, nothing on USAspending in any (no row, or 0).
    for prefix in ("93", "15", "84", "17", "66", "45"):
        sam = planter.series()
        planter.listed_program(prefix, "never_reported", sam,
                               {y: zero for y in YEARS if planter.rng.random() < 0.4})
    # Near miss: obligations in one other year only - a lead in every other year, not never_reported.
    for prefix in ("16", "81"):
        sam = planter.series()
        planter.listed_program(prefix, "reports_one_year", sam, {2020: _float_text(sam[2020])})
    # agency_silent: a sub-agency reporting nothing in a year, under any of its programs.
    for prefix, sub, silent in (("97", "Countering Weapons of Mass Destruction Office", (2022,)),
                                ("15", "Office of Insular Affairs", (2019, 2020))):
        for _ in range(3 if prefix == "97" else 2):
            sam = planter.series()
            planter.listed_program(prefix, "agency_silent", sam,
                                   {y: _float_text(a) for y, a in sam.items() if y not in silent}, sub=sub)
    # A sub-agency that never reports at all: never_reported and agency_silent together.
    for _ in range(2):
        planter.listed_program("17", "never_reported_agency", planter.series(), {},
                               sub="Office of Disability Employment Policy")
    # Near miss: a sister program of the same sub-agency reports, so the sub-agency is not silent.
    for index in range(3):
        sam = planter.series()
        planter.listed_program("11", "sister_reports", sam,
                               {y: _float_text(a) for y, a in sam.items() if index == 2 or y != 2021},
                               sub="First Responder Network Authority")
    # reported_under_other_aln: the missing year's money under a number SAM.gov does not list...
    for prefix, year in (("93", 2021), ("10", 2022), ("20", 2020)):
        _, missing = planter.missing_one_year(prefix, "under_other_aln", year)
        planter.unlisted_program(prefix, "other_aln_unlisted", {year: _float_text(_scaled(missing, 10030))})
    # ...or on top of another listed number's own figure.
    for prefix, year in (("84", 2019), ("14", 2023)):
        _, missing = planter.missing_one_year(prefix, "under_other_aln", year)
        own = planter.series()
        usa: dict[int, Amount] = {y: _float_text(a) for y, a in own.items()}
        usa[year] = _float_text(own[year] + missing)
        planter.listed_program(prefix, "other_aln_listed", own, usa)
    # Near misses: 0.6% off; two candidates; a candidate of another agency; a candidate whose
    # excess is its own fiscal-year shift.
    _, missing = planter.missing_one_year("66", "other_aln_near_miss", 2021)
    planter.unlisted_program("66", "other_aln_unlisted", {2021: _float_text(_scaled(missing, 10060))})
    _, missing = planter.missing_one_year("12", "other_aln_near_miss", 2022)
    planter.unlisted_program("12", "other_aln_unlisted", {2022: _float_text(missing)})
    planter.unlisted_program("12", "other_aln_unlisted", {2022: _float_text(_scaled(missing, 10020))})
    _, missing = planter.missing_one_year("47", "other_aln_near_miss", 2020)
    planter.unlisted_program("43", "other_aln_unlisted", {2020: _float_text(missing)})
    _, missing = planter.missing_one_year("19", "other_aln_near_miss", 2022)
    own = planter.series()
    own[2021], own[2022] = missing, Decimal("0.00")  # its FY2021 actual, obligated in FY2022
    usa = {y: _float_text(a) for y, a in own.items() if y not in (2021, 2022)}
    usa[2022] = _float_text(missing)
    planter.listed_program("19", "other_aln_shifted", own, usa)
    _sam_side_cases(planter)
    return planter.listed, planter.unlisted


def _sam_side_cases(planter: _TriagePlanter) -> None:
    """SAM.gov-side non-reporting: USAspending records the money, SAM.gov shows estimates and no actual.
    Planted after the cases above (the same stream, drawn later), so theirs stay as they were."""
    # sam_never_reported: listings that never report an actual, in any year they show.
    for prefix in ("93", "10", "84", "20"):
        planter.sam_listing(prefix, "sam_never_reported", planter.zigzag(), ())
    # Near miss: an actual for FY2020 only - the other years are skipped reports, not "never".
    for prefix in ("15", "66"):
        planter.sam_listing(prefix, "sam_reports_one_year", planter.zigzag(), (2020,))
    # Near miss: a new listing showing FY2022-2023 only: one year whose actuals are due is no history.
    planter.sam_listing("45", "sam_new_listing", planter.zigzag((2022, 2023)), ())
    # sam_agency_silent: a sub-agency whose listings give no FY2022 actual while USAspending records their
    # money (actuals every other year). Near miss: a sister listing of the sub-agency reports FY2022.
    for prefix, sub, listings, sister_reports in (("14", "Office of Native American Programs", 3, False),
                                                  ("81", "Office of Technology Transitions", 3, True)):
        for index in range(listings):
            reported = [y for y in YEARS if y != 2022 or (sister_reports and index == listings - 1)]
            planter.sam_listing(prefix, "sam_agency_silent" if not sister_reports else "sam_sister_reports",
                                planter.zigzag(), reported, sub=sub)


# --- assembly -----------------------------------------------------------------------------------
@dataclass
class Generated:
    programs: list[Program]  # SAM.gov-listed programs
    unlisted: list[Program]  # USAspending-only programs
    sam_listings: list[dict[str, Any]]
    usaspending: dict[str, list[dict[str, Any]]]


def generate(seed: int = SEED) -> Generated:
    rng = random.Random(seed)
    titles = TitleBook(rng)
    programs = _catalogue(rng, titles)
    for program in programs:
        if not program.lines:
            _fill(rng, program)
    _actuals_not_yet_in(programs)
    programs.append(_cmpp())
    programs.sort(key=lambda p: p.aln)
    for program in programs:
        _decorate(rng, program)
    listings = []
    for program in programs:
        listing = _listing(program)
        _apply_key_quirks(program, listing)
        listings.append(listing)
    unlisted = _unlisted(rng, programs, titles)
    extra_listed, extra_unlisted = _triage_cases(programs, unlisted)
    triage_rng = random.Random(TRIAGE_SEED + 1)
    for program in extra_listed:
        _decorate(triage_rng, program)
        listings.append(_listing(program))
    programs = sorted(programs + extra_listed, key=lambda p: p.aln)
    listings.sort(key=lambda listing: listing["assistanceListingId"])
    unlisted += extra_unlisted
    return Generated(programs, unlisted, listings, _usaspending_rows(programs + unlisted))


def _gzip(text: str) -> bytes:
    buffer = io.BytesIO()
    # mtime=0 and no file name in the header: the same input always gives the same bytes.
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as out:
        out.write(text.encode("utf-8"))
    return buffer.getvalue()


def build_files(seed: int = SEED) -> dict[str, bytes]:
    generated = generate(seed)
    return {
        SAM_DATA_FILE: _gzip(dumps_exact(generated.sam_listings)),
        USASPENDING_DATA_FILE: _gzip(dumps_exact(generated.usaspending)),
    }


# --- reference findings (what the planted cases should trigger) ---------------------------------
def _total(values: Iterable[Amount | None]) -> Decimal | None:
    present = [Decimal(v) for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None


def _sam_year(program: Program, year: int) -> tuple[Decimal | None, Decimal | None]:
    figures = [line.figures[year] for line in program.lines if year in line.figures]
    return _total(f.actual for f in figures), _total(f.estimate for f in figures)


def _rules(actual: Decimal | None, estimate: Decimal | None, usa: Decimal | None) -> list[str]:
    """The four reconciliation rules, applied to one program-year."""
    hits = []
    if actual is not None and actual >= MIN_RULE_AMOUNT and not usa:
        hits.append("actual_not_in_usaspending")
    if usa is not None and usa >= MIN_RULE_AMOUNT and not actual:
        hits.append("obligations_not_in_sam")
    if actual and usa:
        gap = abs(actual - usa)
        if gap > MIN_RULE_AMOUNT and gap > Decimal("0.05") * max(abs(actual), abs(usa)):
            hits.append("amount_mismatch")
    if estimate is not None and actual is None:
        hits.append("estimate_only")
    return hits


def _explanations(program: Program, year: int, actual: Decimal | None, usa: Decimal | None) -> list[str]:
    found = []
    neighbours = [program.usaspending.get(year - 1), program.usaspending.get(year + 1)]
    if actual and any(n is not None and Decimal(n) == actual for n in neighbours):
        found.append("fiscal_year_shift")
    if any(line.code in LOAN_TYPES for line in program.lines):
        found.append("loan_basis")
    if usa is not None and usa < 0:
        found.append("net_deobligation")
    if usa and (not program.lines or (program.archived_fy is not None and year >= program.archived_fy)):
        found.append("unlisted_program")
    if any(_is_non_award(line) and year in line.figures for line in program.lines):
        found.append("non_award_lines")
    return found


def _is_non_award(line: Line) -> bool:
    return line.code.startswith("N") or line.name == SALARIES_NAME


def reference_findings(generated: Generated) -> list[dict[str, Any]]:
    """One row per program-year present in either source: figures, rules hit, explanations."""
    rows = []
    for program in generated.programs + generated.unlisted:
        years = {y for line in program.lines for y in line.figures} | set(program.usaspending)
        for year in sorted(years):
            actual, estimate = _sam_year(program, year)
            raw = program.usaspending.get(year)
            usa = None if raw is None else Decimal(raw)
            rows.append({"aln": program.aln, "year": year, "profile": program.profile,
                         "rules": _rules(actual, estimate, usa),
                         "explanations": _explanations(program, year, actual, usa)})
    _triage_reference(generated, rows)
    return rows


# Rules each new explanation answers (as in warehouse/explanations/*.sql).
_NO_USASPENDING_RULES = {"actual_not_in_usaspending", "estimate_only"}
_SHORT_RULES = {"actual_not_in_usaspending", "amount_mismatch"}
_EXCESS_RULES = {"obligations_not_in_sam", "amount_mismatch"}
OTHER_ALN_TOLERANCE = Decimal("0.005")


def _triage_reference(generated: Generated, rows: list[dict[str, Any]]) -> None:
    """Add never_reported, agency_silent and reported_under_other_aln to the rows, deciding them
    across programs as the warehouse does (the fiscal_year_shift stands in for every explanation
    that already accounts for a gap)."""
    programs = {p.aln: p for p in generated.programs + generated.unlisted}
    facts: dict[tuple[str, int], tuple[Decimal | None, Decimal | None]] = {}
    for row in rows:
        program = programs[row["aln"]]
        raw = program.usaspending.get(row["year"])
        facts[(row["aln"], row["year"])] = (_sam_year(program, row["year"])[0], None if raw is None else Decimal(raw))
    reporting = {aln for (aln, _), (_, usa) in facts.items() if usa}
    units: dict[tuple[str, int], list[int]] = {}  # (sub-agency or agency, year) -> [with actuals, reporting]
    for (aln, year), (actual, usa) in facts.items():
        program = programs[aln]
        counts = units.setdefault((program.sub or program.agency.department, year), [0, 0])
        counts[0] += bool(actual and actual > 0)
        counts[1] += bool(usa)
    partners = _other_aln_pairs(programs, facts, rows)
    sam_side = _sam_side_reference(generated)
    for row in rows:
        key = (row["aln"], row["year"])
        program = programs[row["aln"]]
        hits = set(row["rules"])
        if hits & _NO_USASPENDING_RULES and not facts[key][1]:
            if row["aln"] not in reporting:
                row["explanations"].append("never_reported")
            with_actuals, reporting_programs = units[(program.sub or program.agency.department, row["year"])]
            if reporting_programs == 0 and with_actuals >= 2:
                row["explanations"].append("agency_silent")
        if key in partners and hits & (_SHORT_RULES | _EXCESS_RULES):
            row["explanations"].append("reported_under_other_aln")
        if hits & _SAM_SIDE_RULES:
            row["explanations"] += sam_side.get(key, [])


# The SAM.gov side (warehouse/explanations/sam_*.sql), on the bundle's own date: a year's actuals are due
# LAG_MONTHS after it ends, or once more than DUE_SHARE of the listings showing it report one (the
# defaults of sam_actual_not_yet_due in explanations.yaml; SNAPSHOT_DATE is demo vintage 1's date).
SNAPSHOT_DATE = date(2024, 2, 15)
LAG_MONTHS, DUE_SHARE = 15, Decimal("0.5")
_SAM_SIDE_RULES = {"estimate_only", "obligations_not_in_sam"}


def due_years(generated: Generated) -> dict[int, bool]:
    """Per fiscal year a listing shows: are SAM.gov's actuals for it due on SNAPSHOT_DATE?"""
    shown: Counter[int] = Counter()
    reporting: Counter[int] = Counter()
    for program in generated.programs:
        for year in {y for line in program.lines for y in line.figures}:
            shown[year] += 1
            reporting[year] += _sam_year(program, year)[0] is not None
    due_on = {year: date(year + (10 + LAG_MONTHS - 1) // 12, (10 + LAG_MONTHS - 1) % 12 + 1, 1) for year in shown}
    return {year: SNAPSHOT_DATE >= due_on[year] or reporting[year] > DUE_SHARE * shown[year] for year in shown}


def _sam_side_reference(generated: Generated) -> dict[tuple[str, int], list[str]]:
    """The SAM.gov-side explanations of each listed program-year that shows its year without an actual:
    sam_actual_not_yet_due where the year is not due (and of an active listing's years it does not show yet),
    else the characterizations sam_never_reported, sam_agency_silent and sam_year_not_reported. (The bundle has no partial actual in a year not due, which
    would make estimate_only pending alone.)"""
    due = due_years(generated)
    found: dict[tuple[str, int], list[str]] = {}
    shows = {p.aln: {y for line in p.lines for y in line.figures} for p in generated.programs}
    actual = {(p.aln, y): _sam_year(p, y)[0] for p in generated.programs for y in shows[p.aln]}
    units: dict[tuple[str, int], list[int]] = {}  # (sub-agency or agency, year) -> [reporting, with USAspending money]
    for program in generated.programs:
        for year in shows[program.aln]:
            counts = units.setdefault((program.sub or program.agency.department, year), [0, 0])
            counts[0] += actual[(program.aln, year)] is not None
            usa = program.usaspending.get(year)
            counts[1] += usa is not None and Decimal(usa) > 0
    reporting_in = Counter(year for (_, year), value in actual.items() if value is not None)
    for program in generated.programs:
        reported = [y for y in shows[program.aln] if actual[(program.aln, y)] is not None]
        if program.status == "Active":  # an active listing adds a year in its update: until due, a wait
            for year in set(program.usaspending) - shows[program.aln]:
                if year in due and not due[year]:
                    found[(program.aln, year)] = ["sam_actual_not_yet_due"]
        for year in shows[program.aln]:
            key = (program.aln, year)
            if actual[key] is not None:
                continue
            if not due[year]:
                found[key] = ["sam_actual_not_yet_due"]
                continue
            if not reported and sum(due[y] for y in shows[program.aln]) >= 2:
                found.setdefault(key, []).append("sam_never_reported")
            unit_reporting, unit_usaspending = units[(program.sub or program.agency.department, year)]
            if unit_reporting == 0 and unit_usaspending >= 2 and reporting_in[year] > 0:
                found.setdefault(key, []).append("sam_agency_silent")
            if reported:
                found.setdefault(key, []).append("sam_year_not_reported")
    return found


def _non_award_closes(program: Program, year: int, actual: Decimal | None, usa: Decimal | None) -> bool:
    """non_award_lines accounts for the gap: without those lines SAM.gov matches USAspending (5%, $1,000)."""
    lines = [line.figures[year].actual for line in program.lines if _is_non_award(line) and year in line.figures]
    non_award = _total(lines)
    if not actual or not non_award or non_award <= 0 or actual <= (usa or 0):
        return False
    rest, other = actual - non_award, usa or Decimal(0)
    return abs(rest - other) <= max(MIN_RULE_AMOUNT, Decimal("0.05") * max(abs(rest), abs(other)))


def _close(a: Decimal, b: Decimal) -> bool:
    """Within fiscal_year_shift's tolerance ($1,000, 5% of the larger side)."""
    return abs(a - b) <= max(MIN_RULE_AMOUNT, Decimal("0.05") * max(abs(a), abs(b)))


def _shifts_within_tolerance(facts: dict[tuple[str, int], tuple[Decimal | None, Decimal | None]],
                             rows: list[dict[str, Any]], programs: dict[str, Program]) -> set[tuple[str, int]]:
    """Program-years whose flagged gap fiscal_year_shift.sql accounts for within its tolerance: SAM.gov's
    actual is a neighbouring year's USAspending figure, or USAspending's figure a neighbouring year's actual,
    and that neighbouring year does not already agree with itself (judged by its estimate where its actual
    is not in; a year SAM.gov states nothing for keeps its USAspending money)."""
    found: set[tuple[str, int]] = set()
    for row in rows:
        key, hits = (row["aln"], row["year"]), set(row["rules"])
        actual, usa = facts[key]
        for year in (row["year"] - 1, row["year"] + 1):
            n_actual, n_usa = facts.get((row["aln"], year), (None, None))
            own = n_actual if n_actual is not None else _sam_year(programs[row["aln"]], year)[1]
            agrees = own is not None and n_usa is not None and _close(own, n_usa)
            if (hits & {"actual_not_in_usaspending", "amount_mismatch"} and actual and n_usa and own is not None
                    and _close(actual, n_usa) and not agrees):
                found.add(key)
            if hits & _EXCESS_RULES and usa and n_actual and _close(usa, n_actual) and not agrees:
                found.add(key)
    return found


def _other_aln_pairs(programs: dict[str, Program], facts: dict[tuple[str, int], tuple[Decimal | None, Decimal | None]],
                     rows: list[dict[str, Any]]) -> set[tuple[str, int]]:
    """Program-years in an unambiguous pair: SAM.gov short by about what USAspending has in excess
    under exactly one other number of the same agency and year, both flagged."""
    shifted = {(r["aln"], r["year"]) for r in rows if "fiscal_year_shift" in r["explanations"]}
    shifted |= {key for key, (actual, usa) in facts.items() if _non_award_closes(programs[key[0]], key[1], actual, usa)}
    shifted |= {(aln, year) for (aln, year), (_, usa) in facts.items()  # USAspending's figure is a neighbour's actual
                if usa and any(facts.get((aln, y), (None, None))[0] == usa for y in (year - 1, year + 1))}
    shifted |= _shifts_within_tolerance(facts, rows, programs)
    flagged = {(r["aln"], r["year"]): set(r["rules"]) for r in rows}
    short: dict[tuple[str, int], list[tuple[Decimal, str]]] = {}
    excess: dict[tuple[str, int], list[tuple[Decimal, str]]] = {}
    for (aln, year), (actual, usa) in facts.items():
        if (aln, year) in shifted:
            continue
        net = (actual or 0) - (usa or 0)
        group = (programs[aln].agency.prefix, year)
        if net > 0 and actual and actual > 0:
            short.setdefault(group, []).append((net, aln))
        elif net < 0 and usa and usa > 0:
            excess.setdefault(group, []).append((-net, aln))
    matches: list[tuple[str, str, int]] = []
    for group, shorts in short.items():
        for amount, aln in shorts:
            matches += [(aln, other, group[1]) for other_amount, other in excess.get(group, [])
                        if other != aln and abs(amount - other_amount) <= OTHER_ALN_TOLERANCE * max(amount, other_amount)]
    per_short = Counter((s, y) for s, _, y in matches)
    per_excess = Counter((e, y) for _, e, y in matches)
    found: set[tuple[str, int]] = set()
    for s, e, y in matches:
        if (per_short[(s, y)] == 1 and per_excess[(e, y)] == 1
                and flagged.get((s, y), set()) & _SHORT_RULES and flagged.get((e, y), set()) & _EXCESS_RULES):
            found |= {(s, y), (e, y)}
    return found


def statistics(generated: Generated) -> dict[str, Any]:
    findings = reference_findings(generated)
    examples: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for row in findings:
        # An explanation is counted where it explains something: on a row some rule flagged.
        for name in row["rules"] + (row["explanations"] if row["rules"] else []):
            counts[name] += 1
            examples.setdefault(name, f"{row['aln']} FY{row['year']}")
    clean = [r for r in findings if not r["rules"]]
    counts["clean_program_years"] = len(clean)
    all_rows = [row for rows in generated.usaspending.values() for row in rows]
    counts["negative_usaspending_rows"] = sum(Decimal(row["amount"]) < 0 for row in all_rows)
    profiles = Counter(p.profile for p in generated.programs + generated.unlisted)
    profile_examples: dict[str, str] = {}
    for program in generated.programs + generated.unlisted:
        profile_examples.setdefault(program.profile, program.aln)
    return {
        "programs": len(generated.programs),
        "inactive": sum(p.status == "Inactive" for p in generated.programs),
        "usaspending_rows": {y: len(rows) for y, rows in generated.usaspending.items()},
        "profiles": {k: {"programs": v, "example": profile_examples[k]} for k, v in sorted(profiles.items())},
        "findings": {k: {"program_years": v, "example": examples.get(k, "")} for k, v in sorted(counts.items())},
        "quirks": {q: [p.aln for p in generated.programs if p.quirk == q]
                   for q in ("mixed_case", "values_object", "string_amounts")},
    }


# --- command line -------------------------------------------------------------------------------
def check(out_dir: Path, files: dict[str, bytes]) -> int:
    """Compare the JSON inside each gzip (zlib builds may pack identical text differently)."""
    stale = []
    for name, data in files.items():
        path = out_dir / name
        if not path.exists() or gzip.decompress(path.read_bytes()) != gzip.decompress(data):
            stale.append(name)
    if stale:
        print(f"stale demo data: {', '.join(stale)}; run python scripts/generate_demo_data.py", file=sys.stderr)
        return 1
    print("demo data is up to date")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="folder for the .json.gz files")
    parser.add_argument("--check", action="store_true", help="exit 1 if the files in --out are stale")
    parser.add_argument("--stats", action="store_true", help="print the planted-case statistics as JSON")
    args = parser.parse_args(argv)
    if args.stats:
        print(json.dumps(statistics(generate()), indent=2))
        return 0
    files = build_files()
    if args.check:
        return check(args.out, files)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (args.out / name).write_bytes(data)
        print(f"wrote {args.out / name} ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
