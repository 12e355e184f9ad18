"""Response models of the `crime` figures (GET /api/v1/crime, and the `crime` key of /api/v1/metrics): what
`scrutiny.metrics.crime` builds, key for key (docs/metrics.md, "Recorded crime and justice outcomes")."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

Share = float | None  # a fraction in [0, 1]; null where its denominator is zero


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class CrimeScopeOut(_Model):
    force: str
    area: str | None = Field(description="Local authority code, when the scope is one authority.")
    area_name: str | None
    from_: str = Field(alias="from")
    to: str
    type: str | None = Field(description="The crime type every figure is narrowed to; null for all.")


class TypeCount(_Model):
    type: str
    crimes: int


class CrimeMonth(_Model):
    month: str
    crimes: int
    anti_social_behaviour: int
    by_type: dict[str, int]


class Recorded(_Model):
    crimes: int = Field(description="Recorded crimes; anti-social behaviour is never counted as crime.")
    anti_social_behaviour: int
    by_type: list[TypeCount]
    monthly: list[CrimeMonth]


class ShareOut(_Model):
    n: int
    of: int
    share: Share
    ci_low: Share = Field(description="Wilson 95% interval.")
    ci_high: Share


class ClassShare(ShareOut):
    class_: str = Field(alias="class")
    label: str


class DelayBucket(_Model):
    months: str
    crimes: int


class Delays(_Model):
    median: float | None = Field(description="Median whole months from the crime's month to its first outcome.")
    crimes: int
    before_crime_month: int = Field(description="Crimes whose first outcome is dated before the crime's month.")
    distribution: list[DelayBucket]


class CrimeOutcomes(_Model):
    crime_type: str = Field(description="The type these outcome figures are of: Drugs unless `type` is given.")
    crimes: int
    without_crime_id: int = Field(description="Published without a Crime ID: no outcome can be linked to them.")
    crime_ids: int
    with_outcome: int
    not_linked_yet: int = Field(description="Crimes with no outcome loaded yet: not 'nothing happened'.")
    published_last_outcome: list[ClassShare] = Field(
        description="The street files' own `Last outcome category`, over every crime of the type.")
    published_without_outcome: int
    latest_outcome: list[ClassShare] = Field(description="The latest linked outcome of each crime with one.")
    events: int
    outcome_events: list[ClassShare] = Field(description="Every linked outcome event (several for one crime).")
    charged: ShareOut = Field(description="Crimes with an outcome that reached a charge or summons.")
    no_further_action: ShareOut = Field(description="Crimes whose latest outcome is no further action.")
    months_to_first_outcome: Delays


class DrugSearches(_Model):
    searches: int
    drug_crimes: int
    force_months: int
    months: list[str] = Field(description="The months with both stop and search and street crime loaded.")
    per_drug_crime: float | None
    caveat: str


class LondonScope(_Model):
    area: str | None
    area_name: str
    from_: str = Field(alias="from")
    to: str


class DrugOffences(_Model):
    possession: int
    trafficking: int
    other: int = Field(description="Any further kind of drug offence the MPS may add.")
    drug_offences: int
    possession_share: ShareOut


class DrugOffencesMonth(DrugOffences):
    month: str


class DrugOffencesBorough(DrugOffences):
    la_code: str | None = Field(description="Null for the MPS's Unknown and airports rows.")
    borough_name: str


class LondonDrugs(_Model):
    """Possession against trafficking from the Metropolitan Police's recorded crime by borough."""

    scope: LondonScope
    totals: DrugOffences
    monthly: list[DrugOffencesMonth]
    by_borough: list[DrugOffencesBorough] = Field(description="For all London only.")
    months_not_loaded: list[str]
    source: str
    notes: list[str]


class Linking(_Model):
    force: str
    month: str
    crimes: int = Field(description="Crimes with a Crime ID recorded this month.")
    crimes_with_outcome: int
    outcomes: int = Field(description="Outcome events published this month.")
    outcomes_linked: int = Field(description="Of those, how many name a crime in the loaded street files.")


class CrimeDocument(_Model):
    """Recorded crime and what happened to it, for a force or authority and a month range."""

    scope: CrimeScopeOut
    recorded: Recorded
    outcomes: CrimeOutcomes
    drug_searches: DrugSearches | None = Field(description="Null when no month has both kinds of data loaded.")
    london_drugs: LondonDrugs | None = Field(description="For the Metropolitan Police alone, when its recorded "
                                                         "crime by borough is loaded for the period.")
    linking: list[Linking]
    notes: list[str]
