"""Domain metrics of the classifier (bounded labels only)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

CLASSIFICATIONS = Counter(
    "aigov_classifier_classifications_total",
    "Classifications computed, by risk tier, trigger and whether they were stored.",
    ["tier", "trigger", "stored"],
)
CLASSIFICATION_SECONDS = Histogram(
    "aigov_classifier_classification_seconds", "Time to evaluate the rulebook for one system."
)
QUESTIONNAIRE_ANSWERS = Counter(
    "aigov_classifier_questionnaire_answers_total", "Questionnaire answers recorded."
)
RECLASSIFIED = Counter(
    "aigov_classifier_rulebook_reclassifications_total",
    "Systems reclassified because the rulebook changed.",
)
