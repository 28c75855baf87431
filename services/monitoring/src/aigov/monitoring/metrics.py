"""Domain metrics for SRE dashboards.

Labels are bounded on purpose: no system id (an organisation may register thousands of systems,
and a label per system multiplies every series). Per-system figures are aggregated instead:
drift scores and drifted-feature shares are histograms (the distribution across runs), and gauges
count systems by risk tier (five values). Dashboards that need one system's numbers read the API.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

OBSERVATIONS_INGESTED = Counter(
    "aigov_monitoring_observations_ingested_total",
    "Observations stored, by transport (json, ndjson, kafka).",
    ["transport"],
)
EVALUATIONS = Counter(
    "aigov_monitoring_evaluations_total",
    "Drift, performance and bias evaluations, by kind and status (ok, insufficient_data).",
    ["kind", "status"],
)
DRIFTED_SHARE = Histogram(
    "aigov_monitoring_drifted_feature_share",
    "Share of drifted features per drift run (all systems).",
    buckets=(0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0),
)
DRIFT_SCORE = Histogram(
    "aigov_monitoring_drift_score",
    "Per-feature drift score by method (p-values for ks/chisquare/z, distances otherwise).",
    ["method"],
    buckets=(0.001, 0.01, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 5.0),
)
SYSTEMS_DRIFTING = Gauge(
    "aigov_monitoring_systems_drifting",
    "Systems whose latest drift run found dataset drift, by risk tier.",
    ["risk_tier"],
)
MAX_DRIFTED_SHARE = Gauge(
    "aigov_monitoring_max_drifted_feature_share",
    "Highest drifted-feature share among the systems' latest drift runs, by risk tier.",
    ["risk_tier"],
)
ALERTS_FIRED = Counter(
    "aigov_monitoring_alerts_fired_total", "Alert rules breached, by severity.", ["severity"]
)
OPEN_INCIDENTS = Gauge(
    "aigov_monitoring_open_incidents", "Incidents not closed, by severity.", ["severity"]
)
DEADLINE_SECONDS = Gauge(
    "aigov_monitoring_seconds_to_nearest_reporting_deadline",
    "Seconds to the nearest Art. 73 deadline of an unreported serious incident (negative: "
    "missed; +Inf: none pending).",
)
DEADLINES_MISSED = Gauge(
    "aigov_monitoring_reporting_deadlines_missed",
    "Unreported serious incidents past their Art. 73 deadline.",
)
DEADLINE_EVENTS = Counter(
    "aigov_monitoring_deadline_events_total",
    "Reporting-clock events raised, by kind (approaching, missed).",
    ["kind"],
)

RISK_TIERS = ("prohibited", "high_risk", "limited_risk", "minimal_risk", "out_of_scope", "unknown")
SEVERITIES = ("low", "medium", "high", "critical")
