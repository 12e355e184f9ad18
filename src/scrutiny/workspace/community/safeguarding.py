"""Reports that may be about harm to a child, flagged on the moderation pages with the steps a panel should take.

Worked out when a moderator looks, from what the report already holds (nothing new is stored):
  - a child: the age band "under 10" or "10-17"; with no age band, the person's own words saying an age under 18
    ("I'm 15", "aged 14", "16 years old");
  - more than outer clothing removed: the form's question "Were you asked to take off more than your coat, jacket
    or gloves?" (`outer_clothing_removed`: yes, or not sure), or their words telling of clothing taken off beyond
    that (a strip search, underwear, trousers pulled down, shoes and socks off: PACE Code A allows only an outer
    coat, jacket and gloves in public, and a more thorough search of a child needs an appropriate adult);
  - no appropriate adult: the form's question "If you were under 18: was a parent, carer or another adult there for
    you?" (`appropriate_adult`: no, or not sure), or their words saying it ("there was no appropriate adult", "they
    didn't call my mum", "my dad wasn't there").
A child is one whose age band is under 10 or 10-17; one who answered that question yes, no or not sure (the
answers of someone under 18), unless their age band is 25 or over (reports go back two years, so 18-24 may have
been 17 then); or, with no age band, one whose words say an age under 18.
Words are matched loosely on purpose: a moderator reads every flagged report, so a false alarm costs a minute and
a missed child costs far more. The matched words are shown so the moderator sees why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scrutiny.workspace.models.community import AdultPresent, AgeBand, Answer, CommunityReport, StopKind

CHILD_BANDS = frozenset({AgeBand.under_10, AgeBand.age_10_17})
GROWN_BANDS = frozenset({AgeBand.age_25_34, AgeBand.over_34})  # 23 or over at any stop the form takes
UNDER_18 = frozenset({AdultPresent.yes, AdultPresent.no, AdultPresent.not_sure})  # the answers only a child gives
WORD_FIELDS = ("account", "suspected_of", "searched_for", "found")  # the person's own words, in that order
STRIPPED = re.compile(r"\b(strip[- ]?search(?:ed)?|strip(?:ped)?|undress(?:ed)?|naked|underwear|under ?pants|boxers|"
                      r"knickers|bra|intimate|private parts|privates|genitals?)\b", re.I)
CLOTHES = re.compile(r"\b(t-?shirt|shirt|top|hoodie|jumper|trousers|jeans|joggers|tracksuit|shorts|skirt|dress|"
                     r"pants|shoes|trainers|socks|hat|cap|head ?scarf|hijab|turban)\b", re.I)
TAKEN_OFF = re.compile(r"\b(take|takes|took|taken|taking|remove[ds]?|removing|pull(?:ed)?|lift(?:ed)?|drop(?:ped)?|"
                       r"off|down|unzip(?:ped)?|undo|undid)\b", re.I)
QUOTE = 160  # the longest sentence quoted whole
NEAR = 40  # characters between a piece of clothing and a word for taking it off, within one sentence
ADULT = r"(?:appropriate adult|parents?|mum|mom|mother|dad|father|carer|guardian|social worker|an adult|family)"
NOT = r"(?:no|without|not|never|didn't|did not|wasn't|weren't|was not|were not|wouldn't|would not|refused|nobody)"
NO_ADULT = re.compile(rf"\b{NOT}\b[^.!?\n]{{0,40}}\b{ADULT}\b|\b{ADULT}\b[^.!?\n]{{0,30}}\b{NOT}\b", re.I)
AGE_WORDS = re.compile(r"\b(?:i am|i'm|im|aged?)\s+(\d{1,2})\b|\b(\d{1,2})\s*(?:years?|yrs?)[ -]old\b", re.I)


@dataclass(frozen=True)
class Concern:
    """Who the report is from, why it is flagged (a sentence each), and the words that raised it."""

    who: str  # "a child (10 to 17) who was searched"
    reasons: list[str]
    words: list[str]


def _words(report: CommunityReport) -> str:
    return "\n".join(str(getattr(report, name)) for name in WORD_FIELDS if getattr(report, name))


def _said_age(text: str) -> int | None:
    for match in AGE_WORDS.finditer(text):
        age = int(match.group(1) or match.group(2))
        if 5 <= age < 18:
            return age
    return None


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n", text) if s.strip()]


def _quoted(sentence: str, start: int, end: int) -> str:
    """The sentence, or for a long one the words around what matched (a moderator reads the rest below)."""
    if len(sentence) <= QUOTE:
        return sentence
    left, right = max(0, start - QUOTE // 2), min(len(sentence), end + QUOTE // 2)
    return ("…" if left else "") + sentence[left:right].strip() + ("…" if right < len(sentence) else "")


def _clothing_taken_off(text: str) -> list[str]:
    """The sentences that tell of clothing taken off beyond a coat, jacket or gloves."""
    found = []
    for sentence in _sentences(text):
        hits = [m for m in CLOTHES.finditer(sentence)
                if TAKEN_OFF.search(sentence[max(0, m.start() - NEAR):m.end() + NEAR])]
        hits += list(STRIPPED.finditer(sentence))
        if hits:
            found.append(_quoted(sentence, hits[0].start(), hits[0].end()))
    return found


def _child(report: CommunityReport, text: str) -> str | None:
    """How the report says it is from a child, in words for the moderator; None when it does not."""
    band = report.age_band
    if band in CHILD_BANDS:
        return "a child under 10" if band == AgeBand.under_10 else "a child (10 to 17)"
    if report.appropriate_adult in UNDER_18 and band not in GROWN_BANDS:
        return "a child (they say they were under 18" + (f"; their age band is {band.value})" if band else ")")
    said = _said_age(text) if band is None else None
    return f"a child (their words say {said})" if said is not None else None


def concern(report: CommunityReport) -> Concern | None:
    """The safeguarding concern a report raises, or None (never for an adult, or anyone whose age is unknown)."""
    text = _words(report)
    child = _child(report, text)
    if child is None:
        return None
    done = "searched" if report.kind == StopKind.search else "stopped"
    who = f"{child} who was {done}"
    reasons: list[str] = []
    words: list[str] = []
    if report.outer_clothing_removed == Answer.yes:
        reasons.append("They say they were asked to take off more than a coat, jacket or gloves. For a child, that "
                       "needs an appropriate adult there, unless it was urgent.")
    elif report.outer_clothing_removed == Answer.not_sure:
        reasons.append("They are not sure whether they were asked to take off more than a coat, jacket or gloves.")
    clothing = _clothing_taken_off(text)
    if clothing:
        reasons.append("Their own words tell of clothing being taken off.")
        words += clothing
    if report.appropriate_adult == AdultPresent.no:
        reasons.append(f"They say no parent, carer or other appropriate adult was with them when they were {done}.")
    elif report.appropriate_adult == AdultPresent.not_sure:
        reasons.append(f"They are not sure whether a parent, carer or other appropriate adult was with them when "
                       f"they were {done}.")
    no_adult = [m.group(0) for m in NO_ADULT.finditer(text)]
    if no_adult:
        reasons.append("Their own words say no appropriate adult or parent was there, or was called.")
        words += no_adult
    quoted = list(dict.fromkeys(words))
    quoted = [w for w in quoted if not any(w != other and w in other for other in quoted)]  # once, in its sentence
    return Concern(who, reasons, quoted) if reasons else None


def steps(force: str | None, council: str | None) -> list[str]:
    """What a moderator does about a flagged report, in order (`force` and `council` by name, where known)."""
    force = force or "the police force that stopped them"
    council = council or "the council area where it happened"
    return [
        "Act today: do not wait for the next panel meeting. If you think a child is in danger now, call 999.",
        f"Tell {force}'s safeguarding lead for children (through its professional standards department if you "
        "have no direct contact), saying what the report says and when it was sent.",
        f"Refer it to the Local Authority Designated Officer (LADO) for {council}: the LADO deals with concerns "
        "that someone who works with children, police officers included, may have harmed a child. Search for "
        f"\"{council} LADO\" to find their contact.",
        "If the person left contact details, tell them what you have done and offer to help them complain (their "
        "letter is theirs to send). If they did not, do not try to find out who they are.",
        "Record the referral where your panel keeps confidential records: who you told, when, and any reference "
        "they gave you. Copy no more of the report there than the referral needs.",
        "Keep the report Flagged until that is done, and do not approve a child's own words for publishing.",
    ]
