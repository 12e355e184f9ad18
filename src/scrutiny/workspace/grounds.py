"""Classify the free-text grounds for a search as smell only, smell plus other factors, or no smell.

Panels ask how many searches rest on the smell of cannabis alone, because the College of Policing says smell
alone should not normally justify a search. The grounds are free text, so this reads them with a small,
readable lexicon (stdlib `re`, no model) and returns the words it relied on, so a panel member can see why and
disagree. It is an aid to reading records, not a judgement on whether a search was lawful.

Rules (each is a choice a panel can challenge):

- A *smell ground* is a smell word (smell, odour, aroma, reek, stench…) tied to a drug word (cannabis and its
  misspellings, weed, skunk, drugs…) in the same clause, in either order ("smell of cannabis", "cannabis smell",
  "cannabis could be smelt"). A smell with no stated object ("strong smell from the vehicle") counts too: on a
  search record it means drugs. A smell of something else (alcohol, petrol, body odour) does not, nor does a
  drugs dog's indication, which is a different ground.
- A smell ground is *negated* by a negation just before it in the same clause ("no smell of", "could not smell",
  "without any smell", "not based on smell") or just after it ("smell of cannabis was not present/detected").
  Negated smells are shown (kind "negated") but are not smell grounds.
- A *factor* is any other ground from the lexicon below: behaviour, physical signs, intelligence or
  information, handling or passing items, admissions, items seen, a stated place ("known drug area"). A factor
  with a negation just before it ("not nervous", "no intelligence") does not count.
- Being in a "known drug area" is commonly held not to be a reasonable ground on its own, but when an officer
  states it as an extra factor the search is `smell_plus`: the classifier reports what was written, and the
  panel judges how much each factor weighs.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple


class GroundsClass(StrEnum):
    smell_only = "smell_only"
    smell_plus = "smell_plus"
    no_smell = "no_smell"


class Span(NamedTuple):
    """Characters [start, end) of the text; kind is "smell", "factor" or "negated" (a smell said to be absent)."""

    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class Grounds:
    grounds_class: GroundsClass
    evidence: tuple[str, ...]  # the matched words, in text order, one entry per span
    spans: tuple[Span, ...]


def _words(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(patterns) + r")\b", re.IGNORECASE)


# --- The smell -------------------------------------------------------------------------------------------------

# Words for perceiving a smell, with common misspellings: smel, smelll, smelt, smellt, smelled, odor.
SMELL_WORDS = (
    r"smel+(?:t|ed|ing|s|y)?",
    r"odou?rs?",
    r"aromas?",
    r"scents?",
    r"stench",
    r"stink(?:s|ing|y)?",
    r"stank",
    r"stunk",
    r"reek(?:s|ed|ing)?",
    r"whiff",
)

# What the smell is of. Cannabis is matched loosely (canabis, cannabas, cannibis, cannibas, cannabus); "cannabis
# smoke" is one object, so the smoke is not read as a separate sighting of smoke.
DRUG_WORDS = (
    r"(?:herbal\s+|skunk\s+)?c[ae]n+[aeiou]*b+[aeiou]+s+(?:\s+(?:smoke|resin))?",
    r"skunk",
    r"weed",
    r"ganja",
    r"ganga",
    r"mari[jh]uana",
    r"hash(?:ish)?",
    r"kush",
    r"drugs?",
    r"crack",
    r"heroin",
    r"cocaine",
    r"spice",
    r"spliffs?",
    r"zoots?",
)

# Smells that are not drugs: a smell of these is not a smell ground ("smelt of alcohol", "body odour").
OTHER_SMELLS = (
    r"alcohol",
    r"intoxicating",
    r"drink",
    r"beer",
    r"booze",
    r"petrol",
    r"diesel",
    r"fuel",
    r"gas",
    r"burning",
    r"fire",
    r"sweat",
    r"urine",
    r"vomit",
    r"body",
    r"perfume",
    r"aftershave",
    r"tobacco",
    r"cigarettes?",
    r"paint",
    r"bleach",
)

# A drugs dog's indication is its own ground, not an officer smelling drugs.
DOG = _words(r"dogs?", r"k9")

# --- Negation ----------------------------------------------------------------------------------------------------

# Words that, a few words before a smell or a factor in the same clause, say it was absent.
NEGATION_WORDS = (
    r"no",
    r"not",
    r"nil",
    r"never",
    r"without",
    r"unable",
    r"cannot",
    r"nor",
    r"neither",
    r"none",
    r"nothing",
    r"negative",
    r"absence",
    r"absent",
    r"lack(?:ing)?",
    r"(?:could|did|would|was|were|is|are|does|do|had|has|have|should)n['’]?t",
    r"can['’]?t",
    r"won['’]?t",
)
NEGATION_WINDOW = 4  # words looked back for a negation
NOT_NEGATION = re.compile(r"not\s+(?:only|just)\b|no\s+doubt\b", re.IGNORECASE)  # "not only a smell of…"
AUXILIARY_BEFORE = re.compile(r"\b(?:could|did|does|do|would|was|were|is|are|can|will|should)\s+$", re.IGNORECASE)

# After a smell: "…was not present", "…could not be detected", "…not detected", "Smell of cannabis? No."
NEGATION_AFTER = re.compile(
    r"^(?:\s+\w+){0,2}?\s+(?:not|never|\w+n['’]?t)\s+(?:be\s+|been\s+)?"
    r"(?:present|detected|detectable|noticed|apparent|evident|noted|confirmed|found)\b"
    r"|^(?:\s+(?:was|were|is))?\s+(?:absent|undetected)\b"
    r"|^\s*[?:\-–]+\s*(?:(?:was\s+)?not\s+(?:present|detected|noted)|no|none|nil|negative|absent)\b",
    re.IGNORECASE,
)

# Where a clause ends: a negation, or a drug word before a smell ("cannabis smell"), does not reach across these.
CLAUSE_END = re.compile(
    r"[.,;:!?\n()\-–+&]|\b(?:and|but|however|although|though|whereas|whilst|while|as|when|who|which)\b",
    re.IGNORECASE,
)
# Where a smell's object cannot be: as CLAUSE_END, but "and"/"or" may join objects ("of alcohol and cannabis").
OBJECT_END = re.compile(
    r"[.,;:!?\n()+&]|\b(?:but|however|although|though|whereas|whilst|while|as|when|who|which)\b", re.IGNORECASE
)
SENTENCE_END = re.compile(r"[.;!?\n]|\bbut\b", re.IGNORECASE)
OBJECT_WINDOW = 5  # at most this many words between a smell word and the drug it is of ("smelt strongly of")
DRUG_FIRST_WINDOW = 2  # at most this many between a drug word and a later smell word ("cannabis could be smelt")

# --- The other factors -------------------------------------------------------------------------------------------

# Behaviour: nerves, trying to leave, reacting to police, hiding or getting rid of things, not answering.
BEHAVIOUR = (
    r"nerv(?:ous|y)(?:ness)?",
    r"anxious",
    r"agitated",
    r"shak(?:ing|y)",
    r"sweating",
    r"fidget\w*",
    r"shifty",
    r"jumpy",
    r"vague",
    r"push(?:ed|ing)? (?:past|away)",
    r"look(?:ed|ing) over (?:his|her|their) shoulders?",
    r"hands? in (?:his|her|their) pockets?",
    r"evasive",
    r"avoid(?:ed|ing)? eye contact",
    r"(?:tried|trying|attempted|attempting) to (?:leave|walk|run|get|cycle|drive)(?: away| off)?",
    r"walk(?:ed|ing)? (?:away|off)",
    r"r[au]n(?:ning)? (?:off|away|from)",
    r"fled",
    r"flee(?:ing)?",
    r"made off",
    r"decamp\w*",
    r"changed direction",
    r"turned (?:around|away|back)",
    r"(?:on|upon|after) (?:seeing|spotting) (?:the )?(?:police|officers|us)",
    r"(?:he|she|they) saw (?:the )?(?:police|officers|us)",
    r"conceal\w*",
    r"hid(?:e|es|ing|den)?",
    r"tuck(?:ed|ing)",
    r"stuff(?:ed|ing)",
    r"waistband",
    r"crotch",
    r"groin",
    r"touch(?:ed|ing) (?:his|her|their) (?:groin|crotch|waistband|pockets?|bag)",
    r"plac(?:ed|ing) (?:something|an item|an object|items?|it)",
    r"holding",
    r"in (?:his|her|their) mouth",
    r"swallow\w*",
    r"reach(?:ed|ing)",
    r"discard\w*",
    r"thr(?:ew|ow|owing|own)",
    r"dropp(?:ed|ing)",
    r"ditch(?:ed|ing)",
    r"loiter\w*",
    r"furtive\w*",
    r"suspicious(?:ly)?",
    r"looking around",
    r"lookout",
    r"aggressive",
    r"refus(?:ed|ing|al)",
    r"obstruct\w*",
    r"conflicting",
    r"inconsistent",
    r"false (?:name|details|address)",
    r"(?:two|2|different|several) (?:different )?(?:names|details|accounts|addresses|dates of birth)",
    r"dispers(?:ed|ing)",
    r"scattered",
    r"(?:unable to|could ?n['’]?o?t|failed to|refused to) (?:give|provide|explain|account)",
    r"no (?:reason|explanation) for being",
    r"failed to stop",
    r"(?:did|would) ?n['’]?o?t stop",
)

# Physical signs of having used drugs.
PHYSICAL = (
    r"red eyes",
    r"bloodshot",
    r"glazed",
    r"dilated",
    r"pupils",
    r"slurr\w*",
    r"under the influence",
    r"intoxicated",
    r"stoned",
)

# Intelligence, information, descriptions and what is known about the person or vehicle.
INTELLIGENCE = (
    r"intel(?:ligence)?",
    r"info(?:rmation)? (?:was )?received",
    r"information (?:from|that)",
    r"cad",
    r"crimint",
    r"pnc",
    r"anpr",
    r"informant",
    r"tip[- ]?off",
    r"caller",
    r"(?:999|101) call",
    r"report(?:ed|s)? (?:by|from|that)",
    r"member of (?:the )?public",
    r"mop",
    r"match(?:ed|es|ing)?(?: the| a)? description",
    r"fit(?:s|ted)?(?: the| a)? description",
    r"circulated",
    r"wanted",
    r"flagged",
    r"warning markers?",
    r"linked to",
    r"county lines",
    r"known to (?:police|officers|us)",
    r"known (?:for|drug|drugs|dealer|user|offender|associate)\w*(?: (?:dealer|user|supplier)s?)?",
    r"previous(?:ly)?",
    r"convictions?",
)

# Place: a stated "known drug area". Commonly held not to be a ground on its own; as an extra factor it counts.
PLACE = (
    r"known (?:drugs? )?(?:dealing )?(?:area|location|spot|hot ?spot)",
    r"(?:area|location) known for",
    r"hot ?spot(?: area)?",
    r"high crime(?: area)?",
    r"crack house",
    r"trap house",
    r"drugs? (?:dealing )?(?:area|hotspot)",
)

# Handling, passing or selling things, and what dealing leaves behind (cash, bags, phones, scales).
HANDLING = (
    r"hand[- ]to[- ]hand",
    r"exchang\w*",
    r"transaction",
    r"deal(?:ing|s|ers?)?(?!\s+with)",  # not "dealing with a traffic matter"
    r"suppl(?:y|ying|ier)",
    r"sell(?:ing)?",
    r"sold",
    r"pass(?:ed|ing)? (?:(?:an?|some|the) )?(?:small )?(?:something|items?|packages?|parcels?|wraps?|drugs|cash"
    r"|money|objects?|bags?)",
    r"pass(?:ed|ing)? (?:it |them )?(?:over|to)",
    r"seen passing",  # "passed" alone is not a factor: "as officers passed him"
    r"hand(?:ed|ing)? (?:over|something)",
    r"seen to (?:pass|hand|give|throw|discard|drop|conceal|put|place)",
    r"handing",
    r"package",
    r"parcel",
    r"wraps?",
    r"deal bags?",
    r"snap bags?",
    r"bag of",
    r"baggies?",
    r"bulg(?:e|es|ing)",
    r"cash",
    r"money",
    r"(?:multiple|several|two|2|three|3) (?:mobile )?phones",
    r"scales",
)

# Admissions. "stated he had not…" and "said he had no…" are denials, so they are excluded.
ADMISSION = (
    r"admit\w*",
    r"admission",
    r"confess\w*",
    r"(?:stated|said|says|states|told (?:officers|police|me|us)|confirmed|disclosed|declared)(?: that)?"
    r" (?:he|she|they|i) (?:had|has|have|was|is|smoked|just)\b(?!\s+(?:not|no|never)\b)",
    r"handed over",
    r"produced",
    r"(?:said|replied|answered|stated|admitted)(?: that)? (?:yes|yeah)",
    r"(?:i['’]ve|i have|i got|he['’]s got|she['’]s got|i['’]m carrying)"
    r" (?:some|a bit|a little|a small amount|a spliff|a joint)",
)

# Things seen: drugs, paraphernalia, smoking, weapons, tools, face coverings.
SEEN = (
    r"in plain (?:view|sight)",
    r"visible",
    r"grinders?",
    r"rizlas?",
    r"(?:rolling )?papers",
    r"joints?",
    r"spliffs?",
    r"zoots?",
    r"blunts?",
    r"roach(?:es)?",
    r"bongs?",
    r"seen smoking",
    r"smoking (?:an? )?(?:joint|spliff|zoot|blunt|roll[- ]?up)s?",
    r"smoke (?:seen|coming|billowing|visible)",
    r"green leafy",
    r"green (?:leafy )?(?:substance|material|vegetable matter)",
    r"clear (?:plastic )?bags?",
    r"roll(?:ed)?[- ]?(?:up|cigarette)s?",
    r"white powder",
    r"(?:seen|found) (?:with|holding|carrying) (?:drugs|cannabis|weed|(?:an?|the) (?:bag|package|wrap|knife|weapon)s?)",
    r"in (?:his|her|their) hands?",
    r"knife",
    r"knives",
    r"blade",
    r"bladed",
    r"weapons?",
    r"machete",
    r"gun",
    r"firearm",
    r"needles?",
    r"syringes?",
    r"injecting",
    r"balaclava",
    r"face covering",
    r"gloves",
    r"screwdriver",
    r"crowbar",
    r"stolen",
)

FACTOR_GROUPS = {
    "behaviour": BEHAVIOUR,
    "physical": PHYSICAL,
    "intelligence": INTELLIGENCE,
    "place": PLACE,
    "handling": HANDLING,
    "admission": ADMISSION,
    "seen": SEEN,
}

SMELL = _words(*SMELL_WORDS)
DRUG = _words(*DRUG_WORDS)
OTHER_OBJECT_AFTER = re.compile(
    r"^\s+(?:\w+ly\s+)?(?:of|like)\s+(?:\w+\s+)?(?:" + "|".join(OTHER_SMELLS) + r")\b", re.IGNORECASE
)
OTHER_OBJECT_BEFORE = re.compile(r"\b(?:" + "|".join(OTHER_SMELLS) + r")\s+$", re.IGNORECASE)
NEGATION = re.compile(r"(?:" + "|".join(NEGATION_WORDS) + r")", re.IGNORECASE)
FACTORS = tuple(_words(p) for group in FACTOR_GROUPS.values() for p in group)  # one each, so the longest wins
WORD = re.compile(r"[\w'’]+")


def _word_count(text: str) -> int:
    return len(WORD.findall(text))


def _negation_before(text: str, start: int) -> int | None:
    """Where a negation starts in the few words before `start` in the same clause, or None."""
    clause_start = 0
    for end in CLAUSE_END.finditer(text, 0, start):
        clause_start = end.end()
    words = list(WORD.finditer(text, clause_start, start))[-NEGATION_WINDOW:]
    for word in words:
        if NEGATION.fullmatch(word.group()) and not NOT_NEGATION.match(text, word.start()):
            auxiliary = AUXILIARY_BEFORE.search(text, clause_start, word.start())
            return auxiliary.start() if auxiliary else word.start()
    return None


def _near(gap: str, boundary: re.Pattern[str], most_words: int) -> bool:
    return not boundary.search(gap) and _word_count(gap) <= most_words


def _sentence(text: str, pos: int) -> str:
    starts = [m.end() for m in SENTENCE_END.finditer(text, 0, pos)]
    end = SENTENCE_END.search(text, pos)
    return text[starts[-1] if starts else 0 : end.start() if end else len(text)]


def _smell_spans(text: str) -> list[Span]:
    spans: list[Span] = []
    for smell in SMELL.finditer(text):
        if DOG.search(_sentence(text, smell.start())):
            continue
        start, end = smell.start(), smell.end()
        after = DRUG.search(text, end)
        before = list(DRUG.finditer(text, 0, start))
        if after and _near(text[end : after.start()], OBJECT_END, OBJECT_WINDOW):
            end = after.end()  # "smell of cannabis", "smelt strongly of weed"
        elif before and _near(text[before[-1].end() : start], CLAUSE_END, DRUG_FIRST_WINDOW):
            start = before[-1].start()  # "cannabis smell", "cannabis could be smelt"
        elif OTHER_OBJECT_AFTER.match(text[end:]) or OTHER_OBJECT_BEFORE.search(text[:start]):
            continue  # a smell of something that is not a drug
        # otherwise a smell with no stated object: on a search record, a drugs smell
        negated_from = _negation_before(text, start)
        after_negation = NEGATION_AFTER.match(text[end:])
        if negated_from is not None:
            spans.append(Span(negated_from, end, "negated"))
        elif after_negation:
            spans.append(Span(start, end + after_negation.end(), "negated"))
        else:
            spans.append(Span(start, end, "smell"))
    return spans


def _factor_spans(text: str) -> list[Span]:
    return [Span(m.start(), m.end(), "factor") for pattern in FACTORS for m in pattern.finditer(text)
            if _negation_before(text, m.start()) is None]


def _union(spans: list[Span]) -> list[Span]:
    joined: list[Span] = []
    for span in sorted(spans):
        if joined and span.start < joined[-1].end:
            joined[-1] = joined[-1]._replace(end=max(joined[-1].end, span.end))
        else:
            joined.append(span)
    return joined


def _merge(spans: list[Span]) -> list[Span]:
    """Join overlapping spans of a kind; where kinds overlap, a smell beats a negated smell beats a factor."""
    kept: list[Span] = []
    for kind in ("smell", "negated", "factor"):
        for span in _union([s for s in spans if s.kind == kind]):
            if not any(span.start < k.end and k.start < span.end for k in kept):
                kept.append(span)
    return sorted(kept)


def classify(text: str) -> Grounds:
    """The class of one search's grounds, with the words and spans it rests on."""
    spans = _merge(_smell_spans(text) + _factor_spans(text))
    kinds = {s.kind for s in spans}
    if "smell" not in kinds:
        grounds_class = GroundsClass.no_smell
    elif "factor" in kinds:
        grounds_class = GroundsClass.smell_plus
    else:
        grounds_class = GroundsClass.smell_only
    return Grounds(grounds_class, tuple(text[s.start : s.end] for s in spans), tuple(spans))


def highlight(text: str, grounds: Grounds | None = None) -> str:
    """The text as HTML, every character escaped, with `<mark class="smell|factor|negated">` around the spans."""
    spans = (grounds or classify(text)).spans
    out: list[str] = []
    pos = 0
    for span in spans:
        out.append(html.escape(text[pos : span.start]))
        out.append(f'<mark class="{span.kind}">{html.escape(text[span.start : span.end])}</mark>')
        pos = span.end
    out.append(html.escape(text[pos:]))
    return "".join(out)
