"""The engine over the rulebook: cases a compliance officer recognises, one table per layer."""

from __future__ import annotations

import random
from datetime import date

import pytest

from aigov.classifier.rulebook.engine import classify
from aigov.classifier.rulebook.loader import load_rulebook
from tests.unit.classifier.cases import baseline, obligation, run


def test_nothing_applies_is_minimal_risk_and_fully_decided() -> None:
    result = run(baseline())
    assert result.risk_tier == "minimal_risk"
    assert result.missing_facts == []
    assert not result.needs_review
    assert [o.id for o in result.obligations] == ["art4_ai_literacy"]


# --- Art. 2 scope ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("facts", "exclusion"),
    [
        ({"scope.military_defence_national_security": True}, "art2_3_military"),
        ({"scope.sole_scientific_research": True}, "art2_6_scientific_research"),
        ({"scope.pre_market_research_testing": True}, "art2_8_pre_market_research"),
        ({"scope.personal_non_professional": True}, "art2_10_personal_use"),
        ({"scope.third_country_authority_cooperation": True}, "art2_4_third_country_cooperation"),
        ({"scope.free_open_source_licence": True}, "art2_12_open_source"),
    ],
)
def test_scope_exclusions(facts: dict[str, bool], exclusion: str) -> None:
    result = run(baseline(**{k.replace(".", "__"): v for k, v in facts.items()}))
    assert result.risk_tier == "out_of_scope"
    assert [e.id for e in result.scope_exclusions] == [exclusion]
    assert result.obligations == []


def test_outside_the_union_is_out_of_scope() -> None:
    result = run(baseline(scope__eu_nexus=False))
    assert result.risk_tier == "out_of_scope"
    assert result.scope_exclusions == []


@pytest.mark.parametrize(
    ("extra", "tier"),
    [
        ({"use.employment_recruitment": True}, "high_risk"),
        ({"interaction.direct_with_persons": True}, "limited_risk"),
        ({"practice.untargeted_facial_scraping": True}, "prohibited"),
        ({"gpai.provides_model": True}, "minimal_risk"),
    ],
)
def test_open_source_exclusion_yields_to_high_risk_art5_and_art50(
    extra: dict[str, bool], tier: str
) -> None:
    facts = baseline(scope__free_open_source_licence=True)
    facts.update(extra)
    assert run(facts).risk_tier == tier


# --- Art. 5 prohibitions ----------------------------------------------------------------------
PROHIBITIONS = [
    (
        "art5_1_a",
        {
            "practice.manipulative_techniques": True,
            "practice.material_distortion_significant_harm": True,
        },
        None,
    ),
    (
        "art5_1_b",
        {
            "practice.exploits_vulnerabilities": True,
            "practice.material_distortion_significant_harm": True,
        },
        None,
    ),
    (
        "art5_1_ba",
        {
            "practice.intimate_imagery": True,
            "practice.intimate_imagery_intended_or_unsafeguarded": True,
        },
        {"practice.intimate_imagery_explicit_consent": True},
    ),
    ("art5_1_bb", {"practice.csam_generation": True}, {"practice.csam_national_law_defence": True}),
    (
        "art5_1_c",
        {"practice.social_scoring": True, "practice.social_scoring_detrimental": True},
        None,
    ),
    (
        "art5_1_d",
        {"practice.crime_prediction_profiling": True},
        {"practice.crime_prediction_supports_human_assessment": True},
    ),
    ("art5_1_e", {"practice.untargeted_facial_scraping": True}, None),
    (
        "art5_1_f",
        {"biometric.emotion_recognition": True, "context.workplace": True},
        {"purpose.medical_or_safety": True},
    ),
    (
        "art5_1_g",
        {"biometric.categorisation": True, "biometric.categorisation_art5_attributes": True},
        {"biometric.lawful_dataset_labelling_or_law_enforcement": True},
    ),
    (
        "art5_1_h",
        {
            "biometric.remote_identification": True,
            "biometric.real_time": True,
            "context.publicly_accessible_space": True,
            "context.law_enforcement": True,
        },
        {
            "rbi.exception_objective": "victims_missing_persons",
            "rbi.national_law_and_authorisation": True,
        },
    ),
]


@pytest.mark.parametrize(
    ("point", "facts", "exception"), PROHIBITIONS, ids=[p[0] for p in PROHIBITIONS]
)
def test_every_prohibition_and_its_exception(
    point: str, facts: dict[str, object], exception: dict[str, object] | None
) -> None:
    prohibited = baseline()
    prohibited.update(facts)  # type: ignore[arg-type]
    result = run(prohibited)
    assert result.risk_tier == "prohibited"
    assert [p.id for p in result.prohibitions] == [point]
    assert any(b.startswith("Art. 5(1)") for b in result.legal_basis)
    assert obligation(result, "art5_prohibited_practices") is not None
    if exception is not None:
        prohibited.update(exception)  # type: ignore[arg-type]
        lifted = run(prohibited)
        assert lifted.risk_tier != "prohibited"
        assert point not in [p.id for p in lifted.prohibitions]
        step = next(s for s in lifted.trace if s.rule == point)
        assert step.result == "excepted"


def test_prohibition_table_covers_every_prohibition_in_the_rulebook() -> None:
    assert {p[0] for p in PROHIBITIONS} == {p["id"] for p in load_rulebook().prohibitions}


def test_emotion_recognition_at_work_for_safety_is_high_risk_not_prohibited() -> None:
    result = run(
        baseline(
            biometric__emotion_recognition=True,
            context__workplace=True,
            purpose__medical_or_safety=True,
        )
    )
    assert result.risk_tier == "high_risk"
    assert [p.id for p in result.high_risk.annex_iii_points] == ["1(c)"]
    assert "art50_3" in [t.id for t in result.transparency]


@pytest.mark.parametrize(
    ("as_of", "tier", "in_force"),
    [(date(2026, 12, 1), "minimal_risk", False), (date(2026, 12, 2), "prohibited", True)],
)
def test_omnibus_prohibitions_start_on_2_december_2026(
    as_of: date, tier: str, in_force: bool
) -> None:
    result = run(baseline(practice__csam_generation=True), as_of=as_of)
    assert result.risk_tier == tier
    assert result.prohibitions[0].in_force is in_force
    assert result.prohibitions[0].applies_from == date(2026, 12, 2)


# --- Art. 6(1) / Annex I ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("legislation", "third_party", "route"),
    [
        ("a11_medical_devices", True, "annex_i_a"),
        ("a2_toys", True, "annex_i_a"),
        ("b18_motor_vehicles", True, "annex_i_b"),
        ("b21_machinery", True, "annex_i_b"),
        ("a11_medical_devices", False, None),
        ("a1_machinery_directive", True, None),  # deleted from Section A by the Omnibus
        ("none", True, None),
    ],
)
def test_annex_i_route(legislation: str, third_party: bool, route: str | None) -> None:
    result = run(
        baseline(
            annex_i__legislation=legislation,
            annex_i__safety_component_or_product=True,
            annex_i__third_party_assessment=third_party,
        )
    )
    assert result.high_risk.route == route
    assert result.risk_tier == ("high_risk" if route else "minimal_risk")


@pytest.mark.parametrize(
    ("extra", "high_risk"),
    [
        ({"annex_i.solely_non_safety_functions": True}, False),
        (
            {
                "annex_i.solely_non_safety_functions": True,
                "annex_i.failure_endangers_health_safety": True,
            },
            True,
        ),
        ({"annex_i.third_party_only_non_safety_reasons": True}, False),
    ],
)
def test_omnibus_safety_component_narrowing(extra: dict[str, bool], high_risk: bool) -> None:
    facts = baseline(
        annex_i__legislation="a4_lifts",
        annex_i__safety_component_or_product=True,
        annex_i__third_party_assessment=True,
    )
    facts.update(extra)
    assert (run(facts).risk_tier == "high_risk") is high_risk


# --- Annex III ----------------------------------------------------------------------------------
ANNEX_III = [
    ("1(a)", {"biometric.remote_identification": True}),
    ("1(b)", {"biometric.categorisation": True, "biometric.categorisation_sensitive": True}),
    ("1(c)", {"biometric.emotion_recognition": True}),
    ("2", {"use.critical_infrastructure_safety": True}),
    ("3(a)", {"use.education_access_admission": True}),
    ("3(b)", {"use.education_learning_outcomes": True}),
    ("3(c)", {"use.education_level_assessment": True}),
    ("3(d)", {"use.education_proctoring": True}),
    ("4(a)", {"use.employment_recruitment": True}),
    ("4(b)", {"use.employment_decisions": True}),
    ("5(a)", {"use.public_benefits_eligibility": True}),
    ("5(b)", {"use.creditworthiness": True}),
    ("5(c)", {"use.life_health_insurance_pricing": True}),
    ("5(d)", {"use.emergency_triage": True}),
    ("6(a)", {"context.law_enforcement": True, "use.le_victim_risk": True}),
    ("6(b)", {"context.law_enforcement": True, "use.le_polygraph": True}),
    ("6(c)", {"context.law_enforcement": True, "use.le_evidence_reliability": True}),
    ("6(d)", {"context.law_enforcement": True, "use.le_offending_risk": True}),
    ("6(e)", {"context.law_enforcement": True, "use.le_profiling": True}),
    ("7(a)", {"context.migration_border": True, "use.migration_polygraph": True}),
    ("7(b)", {"context.migration_border": True, "use.migration_risk": True}),
    ("7(c)", {"context.migration_border": True, "use.migration_applications": True}),
    ("7(d)", {"context.migration_border": True, "use.migration_identification": True}),
    ("8(a)", {"use.justice_assistance": True}),
    ("8(b)", {"use.election_influence": True}),
]


@pytest.mark.parametrize(("point", "facts"), ANNEX_III, ids=[p[0] for p in ANNEX_III])
def test_every_annex_iii_point(point: str, facts: dict[str, bool]) -> None:
    data = baseline()
    data.update(facts)
    result = run(data)
    assert result.risk_tier == "high_risk"
    assert result.high_risk.route == "annex_iii"
    assert [p.id for p in result.high_risk.annex_iii_points] == [point]
    assert f"Art. 6(2); Annex III point {point}" in result.legal_basis[0]
    assert obligation(result, "art9_risk_management").applies_from == date(2027, 12, 2)


def test_annex_iii_table_covers_every_point() -> None:
    assert {p[0] for p in ANNEX_III} == {p["point"] for p in load_rulebook().annex_iii_points}


@pytest.mark.parametrize(
    ("facts", "exclusion", "point"),
    [
        (
            {"biometric.remote_identification": True, "biometric.verification_only": True},
            "annex_iii_1_a_verification",
            "1(a)",
        ),
        (
            {"use.creditworthiness": True, "use.financial_fraud_detection": True},
            "annex_iii_5_b_fraud",
            "5(b)",
        ),
        (
            {
                "context.migration_border": True,
                "use.migration_identification": True,
                "use.travel_document_verification": True,
            },
            "annex_iii_7_d_travel_documents",
            "7(d)",
        ),
        (
            {"use.election_influence": True, "use.campaign_logistics_only": True},
            "annex_iii_8_b_campaign_logistics",
            "8(b)",
        ),
    ],
)
def test_annex_iii_exclusions(facts: dict[str, bool], exclusion: str, point: str) -> None:
    data = baseline()
    data.update(facts)
    result = run(data)
    assert result.risk_tier == "minimal_risk"
    assert [p.id for p in result.high_risk.excluded_points] == [point]
    assert any(s.rule == exclusion and s.result == "applies" for s in result.trace)


def test_law_enforcement_points_need_the_law_enforcement_context() -> None:
    assert run(baseline(use__le_polygraph=True)).risk_tier == "minimal_risk"


# --- Art. 6(3) derogation and the profiling override --------------------------------------
@pytest.mark.parametrize(
    "condition",
    [
        "derogation.narrow_procedural_task",
        "derogation.improves_prior_human_activity",
        "derogation.detects_patterns_with_human_review",
        "derogation.preparatory_task",
    ],
)
def test_art6_3_derogation_unless_profiling(condition: str) -> None:
    facts = baseline(use__employment_recruitment=True)
    facts[condition] = True
    derogated = run(facts)
    assert derogated.risk_tier == "minimal_risk"
    assert derogated.high_risk.documentation_duty is not None
    assert len(derogated.high_risk.derogation) == 1
    assert obligation(derogated, "art6_4_not_high_risk_documentation") is not None
    assert obligation(derogated, "art9_risk_management") is None
    facts["processing.profiling"] = True
    profiled = run(facts)
    assert profiled.risk_tier == "high_risk"
    assert profiled.high_risk.profiling_override
    assert obligation(profiled, "art6_4_not_high_risk_documentation") is None


def test_unknown_profiling_keeps_high_risk_and_asks() -> None:
    facts = baseline(use__employment_recruitment=True, derogation__preparatory_task=True)
    del facts["processing.profiling"]
    result = run(facts)
    assert result.risk_tier == "high_risk"
    assert result.missing_facts == ["processing.profiling"]
    assert result.needs_review


# --- Art. 50 ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("facts", "duty", "role", "exception"),
    [
        (
            {"interaction.direct_with_persons": True},
            "art50_1",
            "provider",
            {"interaction.obvious_ai": True},
        ),
        (
            {"generates.synthetic_content": True},
            "art50_2",
            "provider",
            {"generates.assistive_editing_only": True},
        ),
        (
            {"biometric.categorisation": True},
            "art50_3",
            "deployer",
            {"exception.authorised_by_law_crime": True},
        ),
        (
            {"generates.deep_fake": True},
            "art50_4_deep_fake",
            "deployer",
            {"exception.authorised_by_law_crime": True},
        ),
        (
            {"generates.public_interest_text": True},
            "art50_4_text",
            "deployer",
            {"generates.human_editorial_control": True},
        ),
    ],
)
def test_art50_duties_and_exceptions(
    facts: dict[str, bool], duty: str, role: str, exception: dict[str, bool]
) -> None:
    data = baseline(org__roles=[role])
    data.update(facts)
    result = run(data)
    assert result.risk_tier == "limited_risk"
    assert [t.id for t in result.transparency] == [duty]
    duties = [o for o in result.obligations if o.article.startswith("Art. 50")]
    assert len(duties) == 1
    assert duties[0].roles == [role]
    data.update(exception)
    assert run(data).transparency == []


def test_chatbot_is_art50_1_with_its_date() -> None:
    result = run(baseline(interaction__direct_with_persons=True), as_of=date(2026, 8, 1))
    duty = obligation(result, "art50_1_interaction_disclosure")
    assert result.risk_tier == "limited_risk"
    assert duty.applies_from == date(2026, 8, 2)
    assert not duty.applicable
    assert run(baseline(interaction__direct_with_persons=True), as_of=date(2026, 8, 2)).obligations


def test_chatbot_run_by_police_still_discloses_when_public_can_report_crime() -> None:
    facts = baseline(interaction__direct_with_persons=True, exception__authorised_by_law_crime=True)
    assert run(facts).transparency == []
    facts["interaction.public_can_report_crime"] = True
    assert [t.id for t in run(facts).transparency] == ["art50_1"]


def test_art50_2_legacy_systems_get_until_2_december_2026() -> None:
    facts = baseline(generates__synthetic_content=True, market__placed_before_2026_08_02=True)
    marking = obligation(run(facts, as_of=date(2026, 9, 1)), "art50_2_marking")
    assert marking.applies_from == date(2026, 12, 2)
    assert not marking.applicable
    assert "Art. 111(4)" in marking.transitional


# --- GPAI -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("flop", "open_source", "systemic", "has_53_1_a", "has_55"),
    [
        (1e26, False, True, True, True),
        (1e25, False, False, True, False),  # "greater than" 10^25
        (5e24, True, False, False, False),  # open-source exemption
        (2e25, True, True, True, True),  # no exemption with systemic risk
    ],
)
def test_gpai_systemic_risk_and_open_source(
    flop: float, open_source: bool, systemic: bool, has_53_1_a: bool, has_55: bool
) -> None:
    result = run(
        baseline(
            gpai__provides_model=True,
            gpai__training_compute_flop=flop,
            gpai__open_source_public_weights=open_source,
        )
    )
    assert result.gpai.model_provider
    assert result.gpai.systemic_risk is systemic
    assert (obligation(result, "art53_1_a_technical_documentation") is not None) is has_53_1_a
    assert (obligation(result, "art55_1_a_model_evaluation") is not None) is has_55
    assert obligation(result, "art53_1_c_copyright_policy") is not None
    assert obligation(result, "art53_1_c_copyright_policy").applies_from == date(2025, 8, 2)


def test_legacy_gpai_model_has_until_2_august_2027() -> None:
    result = run(baseline(gpai__provides_model=True, gpai__placed_before_2025_08_02=True))
    assert obligation(result, "art53_1_c_copyright_policy").applies_from == date(2027, 8, 2)


# --- dates either side of the application dates -------------------------------------------------
@pytest.mark.parametrize(
    ("facts", "as_of", "applicable"),
    [
        ({"use.employment_recruitment": True}, date(2027, 12, 1), False),
        ({"use.employment_recruitment": True}, date(2027, 12, 2), True),
        ({"annex_i.legislation": "a11_medical_devices"}, date(2028, 8, 1), False),
        ({"annex_i.legislation": "a11_medical_devices"}, date(2028, 8, 2), True),
    ],
)
def test_high_risk_obligation_dates(
    facts: dict[str, str | bool], as_of: date, applicable: bool
) -> None:
    data = baseline(annex_i__safety_component_or_product=True, annex_i__third_party_assessment=True)
    data.update(facts)
    qms = obligation(run(data, as_of=as_of), "art17_quality_management")
    assert qms.applicable is applicable
    assert qms.status == ("applies" if applicable else "not_yet_applicable")


def test_legacy_high_risk_systems() -> None:
    facts = baseline(
        use__employment_recruitment=True,
        market__placed_before_high_risk_date=True,
        market__significant_design_change=False,
    )
    assert obligation(run(facts), "art9_risk_management").status == "suspended"
    facts["org.public_authority"] = True
    public = obligation(run(facts, as_of=date(2030, 8, 1)), "art9_risk_management")
    assert public.applies_from == date(2030, 8, 2)
    assert not public.applicable
    facts["market.significant_design_change"] = True
    assert obligation(run(facts), "art9_risk_management").applicable


# --- roles and Art. 25 --------------------------------------------------------------------------
def test_cv_screening_deployer_duties_and_fria_only_for_public_bodies() -> None:
    facts = baseline(
        use__employment_recruitment=True, org__roles=["deployer"], context__workplace=True
    )
    result = run(facts)
    ids = {o.id for o in result.obligations}
    assert {"art26_1_use_per_instructions", "art26_6_logs", "art26_7_inform_workers"} <= ids
    assert "art9_risk_management" not in ids
    assert "art27_fria" not in ids
    facts["org.public_authority"] = True
    assert obligation(run(facts), "art27_fria") is not None


def test_fria_for_every_credit_scoring_deployer_but_not_critical_infrastructure() -> None:
    credit = run(baseline(use__creditworthiness=True, org__roles=["deployer"]))
    assert obligation(credit, "art27_fria") is not None
    grid = run(
        baseline(
            use__critical_infrastructure_safety=True,
            org__roles=["deployer"],
            org__public_authority=True,
        )
    )
    assert obligation(grid, "art27_fria") is None


@pytest.mark.parametrize(
    ("role", "fact"),
    [
        ("deployer", "art25.own_name_on_high_risk"),
        ("distributor", "art25.substantial_modification"),
        ("importer", "art25.purpose_changed_to_high_risk"),
    ],
)
def test_art25_shift_makes_the_operator_a_provider(role: str, fact: str) -> None:
    facts = baseline(use__employment_recruitment=True, org__roles=[role])
    assert obligation(run(facts), "art17_quality_management") is None
    facts[fact] = True
    result = run(facts)
    assert "provider" in result.effective_roles
    assert result.role_shifts[0].from_role == role
    assert obligation(result, "art17_quality_management") is not None


def test_product_manufacturer_is_provider_for_section_a_only() -> None:
    common = {"annex_i__safety_component_or_product": True, "annex_i__third_party_assessment": True}
    section_a = run(
        baseline(org__roles=["product_manufacturer"], annex_i__legislation="a4_lifts", **common)
    )
    assert [s.id for s in section_a.role_shifts] == ["art25_3"]
    section_b = run(
        baseline(org__roles=["product_manufacturer"], annex_i__legislation="b17_rail", **common)
    )
    assert section_b.role_shifts == []
    assert obligation(section_b, "art2_2_section_b") is not None


# --- missing facts, determinism and properties ---------------------------------------------------
def test_unknown_facts_are_reported_not_guessed() -> None:
    result = classify(load_rulebook(), {"use.employment_recruitment": True}, as_of=date(2028, 1, 1))
    assert result.needs_review
    assert "scope.eu_nexus" in result.missing_facts
    assert "org.roles" in result.missing_facts
    assert not any(f.startswith("outcome.") for f in result.missing_facts)


def test_same_facts_same_result_regardless_of_order() -> None:
    facts = baseline(use__employment_recruitment=True, interaction__direct_with_persons=True)
    items = list(facts.items())
    first = run(facts).model_dump()
    rng = random.Random(7)
    for _ in range(5):
        rng.shuffle(items)
        assert run(dict(items)).model_dump() == first


@pytest.mark.parametrize("prohibition", PROHIBITIONS, ids=[p[0] for p in PROHIBITIONS])
@pytest.mark.parametrize("point", ANNEX_III[::4], ids=[p[0] for p in ANNEX_III[::4]])
def test_a_prohibition_is_never_hidden_by_another_outcome(
    prohibition: tuple[str, dict[str, object], object], point: tuple[str, dict[str, bool]]
) -> None:
    facts = baseline(interaction__direct_with_persons=True, gpai__provides_model=True)
    facts.update(point[1])
    facts.update(prohibition[1])  # type: ignore[arg-type]
    assert run(facts).risk_tier == "prohibited"


RANK = {"out_of_scope": 0, "minimal_risk": 1, "limited_risk": 2, "high_risk": 3, "prohibited": 4}
EXCLUSION_FACTS = [
    ("biometric.verification_only", {"biometric.remote_identification": True}),
    ("use.financial_fraud_detection", {"use.creditworthiness": True}),
    (
        "use.travel_document_verification",
        {"context.migration_border": True, "use.migration_identification": True},
    ),
    ("use.campaign_logistics_only", {"use.election_influence": True}),
    (
        "purpose.medical_or_safety",
        {"biometric.emotion_recognition": True, "context.education": True},
    ),
    ("interaction.obvious_ai", {"interaction.direct_with_persons": True}),
    ("derogation.preparatory_task", {"use.employment_recruitment": True}),
]


@pytest.mark.parametrize(
    ("exclusion", "facts"), EXCLUSION_FACTS, ids=[e[0] for e in EXCLUSION_FACTS]
)
def test_removing_an_exclusion_never_lowers_the_outcome(
    exclusion: str, facts: dict[str, bool]
) -> None:
    data = baseline()
    data.update(facts)
    data[exclusion] = True
    with_exclusion = run(data).risk_tier
    data[exclusion] = False
    without = run(data).risk_tier
    assert RANK[without] >= RANK[with_exclusion]
    assert RANK[without] > RANK[with_exclusion]  # and here it really matters


def test_unknown_exception_is_a_possible_prohibition_not_a_guess() -> None:
    facts = baseline(biometric__emotion_recognition=True, context__education=True)
    del facts["purpose.medical_or_safety"]
    result = run(facts)
    assert result.risk_tier == "high_risk"
    assert [p.id for p in result.possible_prohibitions] == ["art5_1_f"]
    assert result.missing_facts == ["purpose.medical_or_safety"]


@pytest.mark.parametrize(
    ("facts", "unknown"),
    [
        ({"use.creditworthiness": True}, "use.financial_fraud_detection"),
        ({"biometric.remote_identification": True}, "biometric.verification_only"),
    ],
)
def test_unknown_exclusion_keeps_high_risk_and_asks(facts: dict[str, bool], unknown: str) -> None:
    data = baseline()
    data.update(facts)
    del data[unknown]
    result = run(data)
    assert result.risk_tier == "high_risk"
    assert unknown in result.missing_facts
    assert unknown in (result.high_risk.annex_iii_points[0].note or "")


def test_unknown_annex_i_exception_keeps_high_risk_and_asks() -> None:
    data = baseline(
        annex_i__legislation="a4_lifts",
        annex_i__safety_component_or_product=True,
        annex_i__third_party_assessment=True,
    )
    del data["annex_i.third_party_only_non_safety_reasons"]
    result = run(data)
    assert result.high_risk.route == "annex_i_a"
    assert result.missing_facts == ["annex_i.third_party_only_non_safety_reasons"]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (
            "provider",
            {"art9_risk_management", "art43_conformity_assessment", "art49_1_registration"},
        ),
        ("deployer", {"art26_1_use_per_instructions", "art26_11_inform_persons"}),
        ("importer", {"art23_importer"}),
        ("distributor", {"art24_distributor"}),
        ("authorised_representative", {"art22_authorised_representative", "art49_1_registration"}),
        ("product_manufacturer", set()),  # Annex III: no Art. 25(3) shift
    ],
)
def test_obligations_by_role_for_an_annex_iii_system(role: str, expected: set[str]) -> None:
    result = run(baseline(use__education_proctoring=True, org__roles=[role]))
    ids = {o.id for o in result.obligations}
    assert expected <= ids
    for item in result.obligations:
        assert role in item.roles or item.id == "art4_ai_literacy"
    if role in ("importer", "distributor", "authorised_representative", "product_manufacturer"):
        assert "art9_risk_management" not in ids


def test_non_eu_provider_must_appoint_a_representative() -> None:
    result = run(baseline(use__education_proctoring=True, org__established_outside_eu=True))
    assert obligation(result, "art22_1_appoint_representative") is not None
