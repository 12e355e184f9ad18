"""Synthetic street-crime and crime-outcome files in the exact data.police.uk archive layout
(`YYYY-MM-<force>-street.csv`, `YYYY-MM-<force>-outcomes.csv`), for tests and benchmarks at national volume.

The shared real files are a few forces and months; the loader, the crime figures and the benchmark need a year
of every force (about 6M street and 5M outcome rows). Shapes follow the real files: volumes by force, 14 crime
types (Drugs about 2.6%), anti-social behaviour without a Crime ID, BTP's crimes without one either (so they get
no outcomes), LSOA codes whose names always give the same local authority, "No Location" in street files and
"No location" in outcomes files, outcomes months after their crime (some crimes several, some none). Every
file gets a `.synthetic.json` sidecar (synthetic.py) and the folder a SYNTHETIC.md.

One task writes one force's months in order: its crimes of a month are drawn once, the street file written, and
their outcome events (first outcome after a lag; a court result after a charge; now and then another) kept for
the outcomes file of the month they fall in. So every outcome names a crime of an earlier or the same month's
street file of the set, and an outcomes file does not depend on whether street files are written. Events that
would fall after the last month are not written: outcome volume ramps up over the first months of a set.
Crimes of a month are drawn from one random stream and the street file's own columns from another, so the same
seed gives the same bytes whichever kinds are asked for and however many workers write them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scrutiny.catalog import check_force, forces
from scrutiny.errors import BadInput
from scrutiny.sources.police_uk_crime import OUTCOMES_HEADER, STREET_HEADER
from scrutiny.sources.synthetic import (
    CHUNK_ROWS,
    DEFAULT_FORCES,
    GENERATOR,
    NOTE,
    PARALLEL_MIN_ROWS,
    PROFILES,
    Progress,
    _cdf,
    _draw,
    _draw_given,
    _stable_id,
    _strings,
    _text_bytes,
    run_tasks,
    write_sidecar,
)
from scrutiny.sources.synthetic_kinds import CRIME_KINDS, DEFAULT_MONTHS, KINDS, OUTCOMES, STREET
from scrutiny.vocab.months import check_month

RenderChunk = Callable[[int, int], pa.Array]  # rows [a, b) of a file as one string array, line endings included


# --- volumes ---------------------------------------------------------------------------------------------

# Street rows a year (crimes and anti-social behaviour), thousands, roughly as data.police.uk publishes them:
# the split of a set's rows over forces. They add up to about 6.3M; a set's size is what --rows says.
STREET_VOLUME: dict[str, float] = {
    "avon-and-somerset": 170, "bedfordshire": 60, "btp": 70, "cambridgeshire": 85, "cheshire": 90,
    "city-of-london": 9, "cleveland": 90, "cumbria": 40, "derbyshire": 90, "devon-and-cornwall": 130,
    "dorset": 55, "durham": 70, "dyfed-powys": 35, "essex": 190, "gloucestershire": 45, "greater-manchester": 420,
    "gwent": 55, "hampshire": 190, "hertfordshire": 100, "humberside": 110, "kent": 200, "lancashire": 170,
    "leicestershire": 100, "lincolnshire": 60, "merseyside": 160, "metropolitan": 1100, "norfolk": 70,
    "north-wales": 60, "north-yorkshire": 70, "northamptonshire": 70, "northumbria": 190, "nottinghamshire": 110,
    "northern-ireland": 100, "south-wales": 130, "south-yorkshire": 200, "staffordshire": 90, "suffolk": 55,
    "surrey": 80, "sussex": 150, "thames-valley": 200, "warwickshire": 40, "west-mercia": 110,
    "west-midlands": 380, "west-yorkshire": 350, "wiltshire": 50,
}
LSOAS_NATIONAL = 34_000  # England and Wales have about 34,750 LSOAs (2011): shared out by volume
LSOAS_FIXED = {"city-of-london": 6}  # the City's night-time population is tiny, its crime is not
SNAPS_PER_LSOA = 4
WALES = ("dyfed-powys", "gwent", "north-wales", "south-wales")
NO_LSOA = ("northern-ireland",)  # data.police.uk gives Northern Ireland no LSOAs
# BTP's stations lie in other forces' areas: its points are drawn from theirs, busiest first; some are in
# Scotland (located but with no LSOA).
BTP_AREAS: dict[str, float] = {"metropolitan": 45, "west-midlands": 8, "greater-manchester": 8, "west-yorkshire": 6,
                               "merseyside": 4, "south-wales": 3, "northumbria": 3, "avon-and-somerset": 3,
                               "thames-valley": 4, "kent": 4, "sussex": 4, "hampshire": 3, "essex": 3}
BTP_NO_LSOA = 0.045
NO_LOCATION = 0.03  # street rows with no location (blank coordinates and LSOA)
BLANK_STREET_NAME = 0.05  # "On or near " with nothing after it, as some forces publish

# --- vocabularies ----------------------------------------------------------------------------------------

ASB = "Anti-social behaviour"
DRUGS = "Drugs"
CRIME_TYPES = [
    ASB, "Violence and sexual offences", "Public order", "Criminal damage and arson", "Other theft", "Shoplifting",
    "Vehicle crime", "Burglary", DRUGS, "Other crime", "Theft from the person", "Robbery", "Possession of weapons",
    "Bicycle theft",
]
CRIME_TYPE_W = [16.0, 33.0, 8.5, 8.5, 7.5, 7.0, 6.0, 4.5, 2.6, 2.0, 1.3, 1.2, 1.0, 1.3]
BTP_TYPE_W = [0.0, 21.0, 17.0, 9.0, 13.5, 4.0, 2.3, 0.2, 5.1, 0.8, 17.5, 3.0, 1.6, 5.6]  # no ASB, more pickpocketing
ASB_I, DRUGS_I = CRIME_TYPES.index(ASB), CRIME_TYPES.index(DRUGS)

# `Last outcome category` of a street row (its own vocabulary), for other crimes and for Drugs. Drawn per row:
# a synthetic street file's last outcome need not agree with its outcomes files, as a real one need not when a
# later archive says more.
LAST_OUTCOMES = [
    "", "Investigation complete; no suspect identified", "Unable to prosecute suspect", "Under investigation",
    "Court result unavailable", "Status update unavailable", "Local resolution",
    "Action to be taken by another organisation", "Awaiting court outcome", "Offender given a caution",
    "Formal action is not in the public interest", "Further investigation is not in the public interest",
    "Further action is not in the public interest", "Suspect charged as part of another case",
    "Offender given a drugs possession warning", "Offender given penalty notice",
]
LAST_W = [[0, 31, 36, 6, 7, 4, 4, 3, 2, 1.5, 1.2, 0.8, 1, 0.2, 0, 0.1],
          [0, 1, 14, 8, 22, 4, 16, 1, 6, 6, 6, 2, 4, 0.5, 9, 1.5]]

# Outcome events (outcomes files; crime_outcomes.csv). A crime's first outcome, for other crimes and for Drugs:
FIRST_OUTCOMES = [
    "Unable to prosecute suspect", "Investigation complete; no suspect identified", "Suspect charged",
    "Formal action is not in the public interest", "Further investigation is not in the public interest",
    "Further action is not in the public interest", "Local resolution", "Offender given a caution",
    "Action to be taken by another organisation", "Suspect charged as part of another case",
    "Offender given a drugs possession warning", "Offender given penalty notice",
]
FIRST_W = [[45, 31, 12, 3, 1.5, 1.5, 2.8, 1.5, 1.5, 0.2, 0, 0.1],
           [16, 2, 30, 7, 3, 6, 17, 6, 1, 0.5, 10, 1.5]]
CHARGED = FIRST_OUTCOMES.index("Suspect charged")
# What the court did, some months after a charge:
COURT_OUTCOMES = [
    "Offender fined", "Offender given community sentence", "Offender sent to prison",
    "Offender given suspended prison sentence", "Offender given conditional discharge", "Offender otherwise dealt with",
    "Defendant found not guilty", "Court case unable to proceed", "Offender sentenced as part of another case",
    "Offender ordered to pay compensation", "Offender deprived of property", "Offender given absolute discharge",
    "Awaiting court outcome",
]
COURT_W = [24, 13, 14, 8, 8, 5, 8, 7, 5, 2, 3, 1, 2]
OUTCOME_TYPES = FIRST_OUTCOMES + COURT_OUTCOMES
ANY_OUTCOME = 0.95  # crimes with a Crime ID that get an outcome within two years
COURT_AFTER_CHARGE = 0.85
ANOTHER_OUTCOME = 0.25  # another suspect, or a decision revisited
# Months from the crime to its first outcome (0: the same month), from a charge to the court's result, and
# from a first outcome to another.
FIRST_LAG_W = [44, 21, 10, 6, 4, 3, 2.2, 1.8, 1.4, 1.1, 0.9, 0.8, 0.6, 0.55, 0.5, 0.45, 0.4, 0.35, 0.3, 0.3, 0.25,
               0.25, 0.2, 0.2]
COURT_LAG_W = [20, 18, 14, 11, 9, 7, 6, 5, 4, 3, 2, 1]  # plus one: a court never sits in the month of the charge
ANOTHER_LAG_W = [40, 20, 15, 10, 8, 7]

STREET_NAMES = [
    f"{a} {b}"
    for a in ("Church", "Station", "Park", "Mill", "Victoria", "Queen", "King", "London", "Manor", "Green", "School",
              "North", "South", "West", "Chapel", "Albert", "Grange", "Elm", "Oak", "Hill", "Market", "New", "High")
    for b in ("Road", "Street", "Lane", "Close", "Avenue", "Way", "Drive", "Crescent", "Place", "Gardens")
] + ["Supermarket", "Shopping Area", "Parking Area", "Petrol Station", "Nightclub", "Sports/Recreation Area",
     "Hospital", "Further/Higher Educational Building", "Theatre/Concert Hall", "Police Station", "Pedestrian Subway"]

# Each force's local authorities, as LSOA names begin (ONS 2020 names without ", City of" and ", County of", and
# Bournemouth, Christchurch and Poole as its three 2011 towns): no name may hold a comma, the files quote nothing.
AUTHORITIES: dict[str, str] = {
    "avon-and-somerset": (
        "Bath and North East Somerset|Bristol|North Somerset|South Gloucestershire|Mendip|Sedgemoor|South Somerset|"
        "Somerset West and Taunton"
    ),
    "bedfordshire": "Bedford|Luton|Central Bedfordshire",
    "cambridgeshire": "Cambridge|East Cambridgeshire|Fenland|Huntingdonshire|Peterborough|South Cambridgeshire",
    "cheshire": "Halton|Warrington|Cheshire East|Cheshire West and Chester",
    "city-of-london": "City of London",
    "cleveland": "Hartlepool|Redcar and Cleveland|Middlesbrough|Stockton-on-Tees",
    "cumbria": "Allerdale|Barrow-in-Furness|Carlisle|Copeland|Eden|South Lakeland",
    "derbyshire": (
        "Amber Valley|Bolsover|Chesterfield|Derby|Derbyshire Dales|Erewash|High Peak|North East Derbyshire|"
        "South Derbyshire"
    ),
    "devon-and-cornwall": (
        "Exeter|Isles of Scilly|Plymouth|Torbay|Cornwall|East Devon|Mid Devon|North Devon|Torridge|South Hams|"
        "Teignbridge|West Devon"
    ),
    "dorset": "Bournemouth|Christchurch|Poole|Dorset",
    "durham": "Darlington|County Durham",
    "dyfed-powys": "Powys|Ceredigion|Pembrokeshire|Carmarthenshire",
    "essex": (
        "Basildon|Braintree|Brentwood|Castle Point|Chelmsford|Colchester|Epping Forest|Harlow|Maldon|Rochford|"
        "Southend-on-Sea|Tendring|Thurrock|Uttlesford"
    ),
    "gloucestershire": "Cheltenham|Cotswold|Forest of Dean|Gloucester|Stroud|Tewkesbury",
    "greater-manchester": "Bolton|Bury|Manchester|Oldham|Rochdale|Salford|Stockport|Tameside|Trafford|Wigan",
    "gwent": "Caerphilly|Blaenau Gwent|Torfaen|Monmouthshire|Newport",
    "hampshire": (
        "East Hampshire|Eastleigh|Fareham|Gosport|Havant|Isle of Wight|New Forest|Portsmouth|Southampton|"
        "Test Valley|Winchester|Basingstoke and Deane|Hart|Rushmoor"
    ),
    "hertfordshire": (
        "Broxbourne|Dacorum|East Hertfordshire|Hertsmere|North Hertfordshire|St Albans|Stevenage|Three Rivers|"
        "Watford|Welwyn Hatfield"
    ),
    "humberside": "East Riding of Yorkshire|Kingston upon Hull|North East Lincolnshire|North Lincolnshire",
    "kent": (
        "Ashford|Canterbury|Dover|Maidstone|Medway|Sevenoaks|Folkestone and Hythe|Swale|Thanet|"
        "Tonbridge and Malling|Tunbridge Wells|Dartford|Gravesham"
    ),
    "lancashire": (
        "Blackburn with Darwen|Blackpool|Burnley|Chorley|Fylde|Hyndburn|Lancaster|Pendle|Preston|Ribble Valley|"
        "Rossendale|South Ribble|West Lancashire|Wyre"
    ),
    "leicestershire": (
        "Blaby|Charnwood|Harborough|Hinckley and Bosworth|Leicester|Melton|North West Leicestershire|"
        "Oadby and Wigston|Rutland"
    ),
    "lincolnshire": "Boston|East Lindsey|Lincoln|North Kesteven|South Holland|South Kesteven|West Lindsey",
    "merseyside": "Knowsley|Liverpool|Sefton|St Helens|Wirral",
    "metropolitan": (
        "Barking and Dagenham|Barnet|Bexley|Brent|Bromley|Camden|Westminster|Croydon|Ealing|Enfield|Greenwich|"
        "Hackney|Hammersmith and Fulham|Haringey|Harrow|Havering|Hillingdon|Hounslow|Islington|"
        "Kensington and Chelsea|Kingston upon Thames|Lambeth|Lewisham|Merton|Newham|Redbridge|Richmond upon Thames|"
        "Southwark|Sutton|Tower Hamlets|Waltham Forest|Wandsworth"
    ),
    "norfolk": "Breckland|Broadland|Great Yarmouth|King's Lynn and West Norfolk|North Norfolk|Norwich|South Norfolk",
    "north-wales": "Isle of Anglesey|Gwynedd|Conwy|Denbighshire|Flintshire|Wrexham",
    "north-yorkshire": "York|Craven|Hambleton|Harrogate|Richmondshire|Ryedale|Scarborough|Selby",
    "northamptonshire": (
        "Wellingborough|Daventry|South Northamptonshire|Corby|East Northamptonshire|Kettering|Northampton"
    ),
    "northumbria": "Gateshead|Newcastle upon Tyne|North Tyneside|South Tyneside|Sunderland|Northumberland",
    "nottinghamshire": "Ashfield|Bassetlaw|Mansfield|Newark and Sherwood|Nottingham|Broxtowe|Gedling|Rushcliffe",
    "south-wales": "Swansea|Neath Port Talbot|Bridgend|Vale of Glamorgan|Cardiff|Rhondda Cynon Taf|Merthyr Tydfil",
    "south-yorkshire": "Barnsley|Doncaster|Rotherham|Sheffield",
    "staffordshire": (
        "Cannock Chase|East Staffordshire|Lichfield|Newcastle-under-Lyme|South Staffordshire|Stafford|"
        "Staffordshire Moorlands|Stoke-on-Trent|Tamworth"
    ),
    "suffolk": "Ipswich|East Suffolk|Babergh|Mid Suffolk|West Suffolk",
    "surrey": (
        "Elmbridge|Epsom and Ewell|Guildford|Mole Valley|Reigate and Banstead|Runnymede|Spelthorne|Surrey Heath|"
        "Tandridge|Waverley|Woking"
    ),
    "sussex": (
        "Wealden|Worthing|Adur|Arun|Brighton and Hove|Chichester|Crawley|Eastbourne|Hastings|Horsham|Lewes|"
        "Mid Sussex|Rother"
    ),
    "thames-valley": (
        "Buckinghamshire|Bracknell Forest|Cherwell|Milton Keynes|Oxford|Reading|Slough|South Oxfordshire|"
        "Vale of White Horse|West Berkshire|West Oxfordshire|Windsor and Maidenhead|Wokingham"
    ),
    "warwickshire": "North Warwickshire|Nuneaton and Bedworth|Rugby|Stratford-on-Avon|Warwick",
    "west-mercia": (
        "Herefordshire|Malvern Hills|Worcester|Wychavon|Telford and Wrekin|Shropshire|Bromsgrove|Redditch|"
        "Wyre Forest"
    ),
    "west-midlands": "Birmingham|Coventry|Dudley|Sandwell|Solihull|Walsall|Wolverhampton",
    "west-yorkshire": "Bradford|Calderdale|Kirklees|Leeds|Wakefield",
    "wiltshire": "Swindon|Wiltshire",
}


# --- places ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Lsoas:
    codes: list[str]
    names: list[str]
    lat: np.ndarray
    lon: np.ndarray


@cache
def _lsoas() -> dict[str, _Lsoas]:
    """Every territorial force's LSOAs: codes numbered in force order (E01 in England, W01 in Wales), each named
    "<authority> <3 digits><letter>" after one of the force's authorities, centred in the force's ellipse. Fixed
    whatever the seed, like real geography; a code lies in one authority everywhere."""
    total = sum(STREET_VOLUME[f] for f in AUTHORITIES)
    next_code = {"E": 1, "W": 1}
    out: dict[str, _Lsoas] = {}
    for force in sorted(AUTHORITIES):
        n = LSOAS_FIXED.get(force) or max(30, round(LSOAS_NATIONAL * STREET_VOLUME[force] / total))
        nation = "W" if force in WALES else "E"
        start = next_code[nation]
        next_code[nation] += n
        authorities = AUTHORITIES[force].split("|")
        names: list[str] = []
        seen: dict[str, int] = {}
        for i in range(n):
            la = authorities[i * len(authorities) // n]  # contiguous blocks of codes per authority
            k = seen.get(la, 0)
            seen[la] = k + 1
            names.append(f"{la} {k // 4 + 1:03d}{'ABCD'[k % 4]}")
        rng = np.random.default_rng(_stable_id("lsoa:" + force))
        lat, lon, rlat, rlon = PROFILES[force].centres[0]
        r, theta = np.sqrt(rng.random(n)) * 0.95, rng.random(n) * 2 * np.pi
        codes = [f"{nation}01{start + i:06d}" for i in range(n)]
        out[force] = _Lsoas(codes, names, lat + rlat * r * np.sin(theta), lon + rlon * r * np.cos(theta))
    return out


@cache
def _snap_points(force: str) -> tuple[tuple[str, ...], np.ndarray]:
    """A force's snap points as 'lon,lat,On or near …,LSOA code,LSOA name,' and their usage CDF (a few hot spots,
    a long tail). BTP's are stations in other forces' LSOAs, and some in Scotland without one; Northern Ireland's
    have no LSOA."""
    rng = np.random.default_rng(_stable_id("places:" + force))
    if force == "btp":
        areas = list(BTP_AREAS)
        n = 3000
        which = _draw(rng, _cdf(list(BTP_AREAS.values())), n)
        lsoas = [_lsoas()[areas[w]] for w in which.tolist()]
        pick = [int(rng.integers(0, len(a.codes))) for a in lsoas]
        codes = [a.codes[i] for a, i in zip(lsoas, pick, strict=True)]
        names = [a.names[i] for a, i in zip(lsoas, pick, strict=True)]
        lat = np.array([a.lat[i] for a, i in zip(lsoas, pick, strict=True)])
        lon = np.array([a.lon[i] for a, i in zip(lsoas, pick, strict=True)])
        scotland = rng.random(n) < BTP_NO_LSOA
        lat[scotland], lon[scotland] = 55.86 + rng.normal(0, 0.2, scotland.sum()), -4.25 + rng.normal(0, 0.4,
                                                                                                        scotland.sum())
        codes = ["" if s else c for c, s in zip(codes, scotland.tolist(), strict=True)]
        names = ["" if s else m for m, s in zip(names, scotland.tolist(), strict=True)]
        suffixes = ("", " Central", " North", " South", " Park", " Road", " Junction", " Parkway")
        towns = [(m.rsplit(" ", 1)[0] if m else "Glasgow") for m in names]
        stations = [t + suffixes[i] for t, i in zip(towns, rng.integers(0, len(suffixes), n).tolist(), strict=True)]
        streets = [f"{s} (Station)" for s in stations]
    elif force in NO_LSOA:
        n = 3000
        lat0, lon0, rlat, rlon = PROFILES[force].centres[0]
        r, theta = np.sqrt(rng.random(n)) * 0.95, rng.random(n) * 2 * np.pi
        lat, lon = lat0 + rlat * r * np.sin(theta), lon0 + rlon * r * np.cos(theta)
        codes = names = [""] * n
        streets = [STREET_NAMES[i] for i in rng.integers(0, len(STREET_NAMES), n).tolist()]
    else:
        area = _lsoas()[force]
        owner = np.repeat(np.arange(len(area.codes)), SNAPS_PER_LSOA)
        n = len(owner)
        lat = area.lat[owner] + rng.normal(0, 0.003, n)
        lon = area.lon[owner] + rng.normal(0, 0.005, n)
        codes = [area.codes[i] for i in owner.tolist()]
        names = [area.names[i] for i in owner.tolist()]
        streets = [STREET_NAMES[i] for i in rng.integers(0, len(STREET_NAMES), n).tolist()]
        blank = rng.random(n) < BLANK_STREET_NAME
        streets = ["" if b else s for s, b in zip(streets, blank.tolist(), strict=True)]
    text = tuple(f"{x:.6f},{y:.6f},On or near {s},{c},{m},"
                 for x, y, s, c, m in zip(lon.tolist(), lat.tolist(), streets, codes, names, strict=True))
    return text, _cdf(rng.pareto(1.5, n) + 0.05)


@cache
def _places(force: str, kind: str) -> pa.Array:
    """The snap points, then the no-location entry: street files say "No Location", outcomes files "No location"."""
    return _strings([*_snap_points(force)[0], ",,No Location,,," if kind == STREET else ",,No location,,,"])


# --- one force ---------------------------------------------------------------------------------------------

TYPE_CDFS = np.vstack([_cdf(CRIME_TYPE_W), _cdf(BTP_TYPE_W)])
LAST_CDFS = np.vstack([_cdf(w) for w in LAST_W])
FIRST_CDFS = np.vstack([_cdf(w) for w in FIRST_W])
COURT_CDF, FIRST_LAG_CDF = _cdf(COURT_W), _cdf(FIRST_LAG_W)
COURT_LAG_CDF, ANOTHER_LAG_CDF = _cdf(COURT_LAG_W), _cdf(ANOTHER_LAG_W)
_HEX_PAIRS = np.frombuffer(b"".join(b"%02x" % i for i in range(256)), dtype=np.uint16)  # byte -> its two digits


@dataclass(frozen=True)
class ForceTask:
    """One force's files: its months in order, with the street rows (crimes and ASB) of each."""

    out_dir: Path
    force: str
    months: tuple[str, ...]
    counts: tuple[int, ...]
    seed: int
    kinds: tuple[str, ...]

    @property
    def rows(self) -> int:
        return sum(self.counts)

    def path(self, month: str, kind: str) -> Path:
        return self.out_dir / month / f"{month}-{self.force}-{kind}.csv"

    def crlf(self, month: str) -> bool:
        return (_stable_id(self.force) + int(month[5:])) % 5 < 2  # as for stops: ~40% CRLF, mixed within a force


@dataclass
class _Events:
    """Outcome events of one month's crimes, by crime then date: the month each falls in (index into the
    task's months, -1 after them), the crime's id bytes and place, the outcome type."""

    target: np.ndarray
    ids: np.ndarray
    place: np.ndarray
    kind: np.ndarray


def _hex_ids(ids: np.ndarray) -> pa.Array:
    """32 random bytes per row as 64 lower-case hex digits and a comma, built in one buffer."""
    n = len(ids)
    out = np.empty((n, 65), dtype=np.uint8)
    out[:, :64] = _HEX_PAIRS[ids].view(np.uint8).reshape(n, 64)
    out[:, 64] = ord(",")
    offsets = np.arange(0, 65 * n + 1, 65, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(out))


def _take(vocab: pa.Array, idx: np.ndarray) -> pa.Array:
    return vocab.take(pa.array(idx.astype(np.int32, copy=False)))


@cache
def _street_tail(eol: str) -> pa.Array:
    """Crime type,Last outcome category,Context (always blank)+EOL; index type * len(LAST_OUTCOMES) + last."""
    return _strings(f"{t},{last},{eol}" for t in CRIME_TYPES for last in LAST_OUTCOMES)


@cache
def _outcome_tail(eol: str) -> pa.Array:
    return _strings(f"{t}{eol}" for t in OUTCOME_TYPES)


def _write_csv(path: Path, header: tuple[str, ...], crlf: bool, n: int, render: RenderChunk) -> None:
    """Header and `n` rows rendered a chunk at a time; atomic, so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as f:
        f.write((",".join(header) + ("\r\n" if crlf else "\n")).encode())
        for start in range(0, n, CHUNK_ROWS):
            f.write(_text_bytes(render(start, min(start + CHUNK_ROWS, n))))
    tmp.replace(path)


def _month_crimes(task: ForceTask, j: int, index: dict[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                                                np.ndarray, _Events]:
    """A month's crimes (type, place, whether it has a Crime ID, its 32 id bytes) and their outcome events."""
    month, n = task.months[j], task.counts[j]
    rng = np.random.default_rng([task.seed, _stable_id(task.force), _stable_id(month), _stable_id("crimes")])
    btp = task.force == "btp"
    types = _draw(rng, TYPE_CDFS[int(btp)], n)
    place = _draw(rng, _snap_points(task.force)[1], n)
    place[rng.random(n) < NO_LOCATION] = len(_snap_points(task.force)[0])
    numbered = np.zeros(n, dtype=bool) if btp else types != ASB_I
    ids = np.frombuffer(rng.bytes(32 * n), dtype=np.uint8).reshape(n, 32)

    crime = np.flatnonzero(numbered)
    m = len(crime)
    drugs = (types[crime] == DRUGS_I).astype(np.int32)
    has = rng.random(m) < ANY_OUTCOME
    lag = _draw(rng, FIRST_LAG_CDF, m)
    first = _draw_given(rng, FIRST_CDFS, drugs)
    court = has & (first == CHARGED) & (rng.random(m) < COURT_AFTER_CHARGE)
    court_lag = lag + 1 + _draw(rng, COURT_LAG_CDF, m)
    court_type = len(FIRST_OUTCOMES) + _draw(rng, COURT_CDF, m)
    another = has & (first != CHARGED) & (rng.random(m) < ANOTHER_OUTCOME)
    another_lag = lag + _draw(rng, ANOTHER_LAG_CDF, m)
    another_type = _draw_given(rng, FIRST_CDFS, drugs)

    who = np.concatenate([crime[has], crime[court], crime[another]])
    when = np.concatenate([lag[has], court_lag[court], another_lag[another]])
    what = np.concatenate([first[has], court_type[court], another_type[another]])
    seq = np.concatenate([np.zeros(has.sum(), np.int8), np.ones(court.sum() + another.sum(), np.int8)])
    order = np.lexsort((seq, when, who))
    who, when, what = who[order], when[order], what[order]
    base = _ordinal(month)
    lookup = np.full(int(when.max(initial=0)) + 1, -1, dtype=np.int32)
    for lag_months in range(len(lookup)):
        lookup[lag_months] = index.get(base + lag_months, -1)
    events = _Events(lookup[when], ids[who], place[who], what.astype(np.int16))
    return types, place, numbered, ids, events


def _ordinal(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def _write_force(task: ForceTask) -> list[tuple[Path, int]]:
    """Every file of one force: month by month, its street file, then the outcomes falling in that month."""
    name = forces()[task.force].name
    index = {_ordinal(m): j for j, m in enumerate(task.months)}
    pending: list[_Events] = []
    written: list[tuple[Path, int]] = []
    for j, month in enumerate(task.months):
        types, place, numbered, ids, events = _month_crimes(task, j, index)
        pending.append(events)
        eol = "\r\n" if task.crlf(month) else "\n"
        prefix = pa.scalar(f"{month},{name},{name},")
        n = len(types)
        if STREET in task.kinds and n:
            srng = np.random.default_rng([task.seed, _stable_id(task.force), _stable_id(month), _stable_id("street")])
            last = _draw_given(srng, LAST_CDFS, (types == DRUGS_I).astype(np.int32))
            last[~numbered] = 0  # ASB, and BTP's unnumbered crimes, publish no last outcome
            tail = types * len(LAST_OUTCOMES) + last
            render = partial(_street_chunk, ids, numbered, prefix, _places(task.force, STREET), place,
                             _street_tail(eol), tail)
            written.append(_write_file(task, month, STREET, n, render))
        if OUTCOMES in task.kinds:
            due = [e for e in pending if (e.target == j).any()]
            picks = [e.target == j for e in due]
            o_ids = np.concatenate([e.ids[p] for e, p in zip(due, picks, strict=True)] or [np.empty((0, 32), np.uint8)])
            o_place = np.concatenate([e.place[p] for e, p in zip(due, picks, strict=True)] or [np.empty(0, np.int32)])
            o_kind = np.concatenate([e.kind[p] for e, p in zip(due, picks, strict=True)] or [np.empty(0, np.int16)])
            if len(o_ids):
                render = partial(_outcome_chunk, o_ids, prefix, _places(task.force, OUTCOMES), o_place,
                                 _outcome_tail(eol), o_kind)
                written.append(_write_file(task, month, OUTCOMES, len(o_ids), render))
        pending = [e for e in pending if (e.target > j).any()]
    return written


def _street_chunk(ids: np.ndarray, numbered: np.ndarray, prefix: pa.Scalar, places: pa.Array, place: np.ndarray,
                  tails: pa.Array, tail: np.ndarray, a: int, b: int) -> pa.Array:
    """Street rows a..b: Crime ID ("," alone where there is none), month and force, place, type and outcome."""
    id_text = pc.if_else(pa.array(numbered[a:b]), _hex_ids(ids[a:b]), pa.scalar(","))
    return pc.binary_join_element_wise(id_text, prefix, _take(places, place[a:b]), _take(tails, tail[a:b]), "")


def _outcome_chunk(ids: np.ndarray, prefix: pa.Scalar, places: pa.Array, place: np.ndarray, tails: pa.Array,
                   kind: np.ndarray, a: int, b: int) -> pa.Array:
    """Outcome rows a..b: the crime's id and place, the outcome's month, force and type."""
    return pc.binary_join_element_wise(_hex_ids(ids[a:b]), prefix, _take(places, place[a:b]), _take(tails, kind[a:b]),
                                       "")


def _write_file(task: ForceTask, month: str, kind: str, n: int, render: RenderChunk) -> tuple[Path, int]:
    path = task.path(month, kind)
    _write_csv(path, STREET_HEADER if kind == STREET else OUTCOMES_HEADER, task.crlf(month), n, render)
    write_sidecar(path, seed=task.seed, rows=n, force=task.force, month=month, kind=kind)
    return path, n


# --- the whole set -----------------------------------------------------------------------------------------


def parse_kinds(text: str) -> tuple[str, ...]:
    """`stop-and-search,street,outcomes` (any of them, comma-separated) as a tuple in that order."""
    given = [k.strip().lower() for k in text.split(",") if k.strip()]
    unknown = [k for k in given if k not in KINDS]
    if unknown or not given:
        what = f"unknown kind {unknown[0]!r}" if unknown else "no kind given"
        raise BadInput(f"--kind: {what}: expected one or more of {', '.join(KINDS)}, separated by commas")
    return tuple(k for k in KINDS if k in given)


def plan_crime(
    out_dir: Path,
    rows: int,
    *,
    seed: int = 0,
    forces: list[str] | None = None,
    months: list[str] | None = None,
    kinds: tuple[str, ...] = CRIME_KINDS,
) -> list[ForceTask]:
    """Split `rows` street rows over force-months (multinomial by each force's volume: the total is exact)."""
    if rows < 1:
        raise ValueError(f"rows must be at least 1, not {rows}")
    chosen = sorted(set(forces)) if forces else DEFAULT_FORCES
    for force in chosen:
        check_force(force)
    month_list = sorted({check_month(m) for m in months}) if months else DEFAULT_MONTHS
    weights = np.array([STREET_VOLUME[f] for f in chosen for _ in month_list], dtype=np.float64)
    counts = np.random.default_rng([seed, _stable_id("plan-street")]).multinomial(rows, weights / weights.sum())
    per_force = counts.reshape(len(chosen), len(month_list))
    kinds = tuple(k for k in CRIME_KINDS if k in kinds)
    return [ForceTask(Path(out_dir), f, tuple(month_list), tuple(int(c) for c in row), seed, kinds)
            for f, row in zip(chosen, per_force.tolist(), strict=True) if sum(row)]


def write_synthetic_crime(
    out_dir: Path,
    rows: int,
    *,
    seed: int = 0,
    forces: list[str] | None = None,
    months: list[str] | None = None,
    kinds: tuple[str, ...] = CRIME_KINDS,
    progress: Progress | None = None,
    workers: int | None = None,
) -> list[Path]:
    """Write synthetic street files (`rows` rows in all) and/or the outcomes of their crimes under `out_dir`.

    Same arguments give byte-identical files whatever the kinds and the number of workers. `progress(path, rows)`
    is called as each file is finished (a force's files come together). Returns the CSV paths, sorted.
    """
    out_dir = Path(out_dir)
    tasks = plan_crime(out_dir, rows, seed=seed, forces=forces, months=months, kinds=kinds)
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_marker(out_dir, rows, seed, tasks)
    tasks.sort(key=lambda t: -t.rows)  # largest first balances the workers
    return run_tasks(_write_force, tasks, workers=workers, parallel=rows >= PARALLEL_MIN_ROWS, progress=progress)


STOPS_PARAGRAPH = "Every `*-stop-and-search.csv`"


def _write_marker(out_dir: Path, rows: int, seed: int, tasks: list[ForceTask]) -> None:
    """SYNTHETIC.md at the top of the set, written first so even a partial set is marked; a paragraph about
    synthetic stop-and-search files already there (same folder, `--kind stop-and-search,street`) is kept."""
    marker = out_dir / "SYNTHETIC.md"
    kept = [p for p in marker.read_text(encoding="utf-8").split("\n\n") if p.startswith(STOPS_PARAGRAPH)] \
        if marker.exists() else []
    kinds = " and ".join(f"`*-{k}.csv`" for k in (tasks[0].kinds if tasks else CRIME_KINDS))
    months = tasks[0].months if tasks else ("",)
    ours = (
        f"Every {kinds} under this folder was generated by `{GENERATOR}` (seed {seed}, {rows:,} street rows, "
        f"{len(tasks)} forces, {months[0]} to {months[-1]}; outcomes are events of those crimes).\n"
        "The files copy the layout and quirks of the data.police.uk archive so software can be tested on them, "
        "but no row describes a real crime. Each file has a `.synthetic.json` sidecar saying so.\n"
        "Do not publish figures computed from them as facts about any police force.\n"
    )
    text = f"# {NOTE}\n\n" + "".join(p.rstrip("\n") + "\n\n" for p in kept) + ours
    marker.write_text(text, encoding="utf-8")
