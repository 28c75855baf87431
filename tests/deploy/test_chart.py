"""The Helm chart: what a platform team reviews, asserted on the rendered manifests."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from aigov.shared.topics import ALL_TOPICS, with_dlqs
from tests.deploy.chart import (
    KUBE_VERSION,
    NAMESPACE,
    VALUES_FILES,
    Manifest,
    component,
    env_of,
    named,
    of_kind,
    pod_labels,
    pod_spec,
    render,
    render_error,
    render_notes,
    run_helm,
)
from tests.deploy.dockerfiles import COMPONENTS, ROOT, parse

SERVICES = ("inventory", "classifier", "monitoring", "evidence")
CRD_SCHEMAS = {
    "ServiceMonitor": Path(__file__).parent / "crd_schemas" / "servicemonitor.json",
    "KafkaTopic": Path(__file__).parent / "crd_schemas" / "kafkatopic.json",
}
values_sets = pytest.mark.parametrize("values_name", list(VALUES_FILES))


def fullname(name: str) -> str:
    return f"aigov-{name}"  # release "aigov" contains the chart name: no doubled prefix


def workloads(manifests: list[Manifest]) -> list[Manifest]:
    return of_kind(manifests, "Deployment") + of_kind(manifests, "Job") + of_kind(manifests, "Pod")


# ---- offline schema validation -------------------------------------------------------------


@values_sets
def test_every_manifest_validates_against_the_kubernetes_schemas(values_name: str) -> None:
    manifests = render(values_name)
    assert manifests
    for manifest in manifests:
        kind = manifest["kind"]
        if kind in CRD_SCHEMAS:
            schema = json.loads(CRD_SCHEMAS[kind].read_text())
            jsonschema.validate(manifest, schema)
        else:
            kubernetes_validate.validate(manifest, KUBE_VERSION, strict=True)


def test_the_validator_rejects_a_broken_manifest() -> None:
    deployment = of_kind(render(), "Deployment")[0]
    pod_spec(deployment)["containers"][0]["readinessProbe"]["httpGet"]["paht"] = "/readyz"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBE_VERSION, strict=True)


# ---- pod security ---------------------------------------------------------------------------


@values_sets
def test_every_pod_is_locked_down(values_name: str) -> None:
    pods = workloads(render(values_name))
    assert len(pods) >= 5
    for workload in pods:
        spec = pod_spec(workload)
        where = workload["metadata"]["name"]
        assert spec["automountServiceAccountToken"] is False, where
        assert spec["enableServiceLinks"] is False, where
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True, where
        assert pod["runAsUser"] == 10001, where
        assert pod["seccompProfile"] == {"type": "RuntimeDefault"}, where
        volumes = {v["name"]: v for v in spec["volumes"]}
        assert "emptyDir" in volumes["tmp"], where
        for container in spec["containers"]:
            sc = container["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True, where
            assert sc["allowPrivilegeEscalation"] is False, where
            assert sc["privileged"] is False, where
            assert sc["capabilities"] == {"drop": ["ALL"]}, where
            assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"], where
            assert container["resources"]["requests"]["memory"], where
            assert container["resources"]["limits"]["memory"], where


def test_the_service_account_does_not_mount_a_token() -> None:
    (account,) = of_kind(render(), "ServiceAccount")
    assert account["automountServiceAccountToken"] is False


# ---- deployments, probes, ports, images -------------------------------------------------------


@values_sets
def test_one_deployment_and_service_per_component_on_the_image_port(values_name: str) -> None:
    manifests = render(values_name)
    deployments = {component(d): d for d in of_kind(manifests, "Deployment")}
    assert set(deployments) == set(COMPONENTS)
    for name, (path, port) in COMPONENTS.items():
        dockerfile = parse(ROOT / path / "Dockerfile")
        assert [i.args for i in dockerfile.final.all("EXPOSE")] == [str(port)]
        (container,) = pod_spec(deployments[name])["containers"]
        assert container["ports"] == [{"name": "http", "containerPort": port, "protocol": "TCP"}]
        assert re.fullmatch(rf".+/{name}:[\w.-]+", container["image"])
        service = named(manifests, "Service", fullname(name))
        assert service["spec"]["selector"] == deployments[name]["spec"]["selector"]["matchLabels"]
        assert service["spec"]["ports"][0]["targetPort"] == "http"


@values_sets
def test_probes_use_the_health_endpoints(values_name: str) -> None:
    for deployment in of_kind(render(values_name), "Deployment"):
        (container,) = pod_spec(deployment)["containers"]
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        # The gateway's own readiness only: a service outage degrades views, not the whole API.
        ready = "/readyz?scope=self" if component(deployment) == "gateway" else "/readyz"
        assert container["readinessProbe"]["httpGet"] == {"path": ready, "port": "http"}
        assert container["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        # Drain first, then uvicorn's 20 s graceful shutdown, inside the grace period.
        sleep = int(container["lifecycle"]["preStop"]["exec"]["command"][1])
        assert sleep > 0
        assert pod_spec(deployment)["terminationGracePeriodSeconds"] >= sleep + 20


def test_gateway_reaches_each_service_by_its_service_name_and_port() -> None:
    manifests = render("production")
    gateway = named(manifests, "Deployment", fullname("gateway"))
    env = env_of(pod_spec(gateway)["containers"][0])
    for service in SERVICES:
        url = env[f"GATEWAY_{service.upper()}_URL"]["value"]
        port = named(manifests, "Service", fullname(service))["spec"]["ports"][0]["port"]
        assert url == f"http://{fullname(service)}:{port}"


def resolved_env(container: dict[str, Any], secrets: dict[str, str]) -> dict[str, str]:
    """The container's environment as the kubelet would give it (Secrets filled in)."""
    out: dict[str, str] = {}
    for item in container["env"]:
        if "valueFrom" in item:
            ref = item["valueFrom"]["secretKeyRef"]
            out[item["name"]] = secrets.get(f"{ref['name']}/{ref['key']}", "from-secret")
        else:
            out[item["name"]] = re.sub(r"\$\((\w+)\)", lambda m: out[m.group(1)], item["value"])
    return out


@pytest.mark.parametrize("values_name", ["production", "strimzi"])
def test_the_components_read_the_environment_the_chart_gives(
    values_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chart's variables parse into each component's settings as intended."""
    from aigov.classifier.config import ClassifierSettings
    from aigov.evidence.config import EvidenceSettings
    from aigov.gateway.config import GatewaySettings
    from aigov.inventory.config import InventorySettings
    from aigov.monitoring.config import MonitoringSettings
    from aigov.shared.config import ServiceSettings

    classes: dict[str, type[ServiceSettings]] = {
        "inventory": InventorySettings,
        "classifier": ClassifierSettings,
        "monitoring": MonitoringSettings,
        "evidence": EvidenceSettings,
        "gateway": GatewaySettings,
    }
    manifests = render(values_name)
    for deployment in of_kind(manifests, "Deployment"):
        name = component(deployment)
        container = pod_spec(deployment)["containers"][0]
        # The evidence database URL of the production values is a Secret of its own.
        env = resolved_env(
            container,
            {"aigov-evidence-database/url": "postgresql+asyncpg://from-secret:from-secret@db/ev"},
        )
        with monkeypatch.context() as patch:
            for key, value in env.items():
                patch.setenv(key, value)
            settings = classes[name]()
        assert settings.internal_secret == "from-secret"
        assert settings.migrate_on_start is False, name
        assert settings.database_url.startswith("postgresql+asyncpg://from-secret:from-secret@")
        if name == "gateway":
            assert "KAFKA_BOOTSTRAP_SERVERS" not in env
            continue
        assert settings.create_topics is False, name
        assert settings.kafka_security_protocol == "SASL_SSL"
        assert settings.kafka_bootstrap_servers.endswith((":9093", ":9096"))
        assert settings.kafka_sasl_mechanism == "SCRAM-SHA-512"
        assert settings.kafka_sasl_password == "from-secret"
        mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
        assert settings.kafka_ssl_cafile == f"{mounts['kafka-ca']}/ca.crt"
        if name == "inventory" and values_name == "production":
            assert settings.database_url == (
                "postgresql+asyncpg://from-secret:from-secret@"
                "aigov.cluster-abc.eu-central-1.rds.example.com:5432/aigov_inventory?ssl=require"
            )


def test_evidence_gets_its_volume_and_signing_key() -> None:
    manifests = render("production")
    evidence = named(manifests, "Deployment", fullname("evidence"))
    spec = pod_spec(evidence)
    env = env_of(spec["containers"][0])
    assert env["EVIDENCE_BLOB_DIR"]["value"] == "/var/lib/aigov/evidence"
    assert env["EVIDENCE_SIGNING_KEY_FILE"]["value"] == "/etc/aigov/signing/ed25519.pem"
    assert env["EVIDENCE_GENERATE_SIGNING_KEY"]["value"] == "false"
    assert env["EVIDENCE_DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {
        "name": "aigov-evidence-database",
        "key": "url",
    }
    volumes = {v["name"]: v for v in spec["volumes"]}
    claim = volumes["evidence-blobs"]["persistentVolumeClaim"]["claimName"]
    pvc = named(manifests, "PersistentVolumeClaim", claim)
    assert pvc["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    assert volumes["signing-key"]["secret"]["secretName"] == "aigov-evidence-signing-key"
    mounts = {m["name"]: m for m in spec["containers"][0]["volumeMounts"]}
    assert mounts["signing-key"]["readOnly"] is True
    assert evidence["spec"]["strategy"] == {"type": "Recreate"}  # ReadWriteOnce
    # Audit packages are built in /tmp: room for them, unlike the other components' /tmp.
    assert volumes["tmp"]["emptyDir"]["sizeLimit"] == "4Gi"
    gateway = pod_spec(named(manifests, "Deployment", fullname("gateway")))
    assert {v["name"]: v for v in gateway["volumes"]}["tmp"]["emptyDir"]["sizeLimit"] == "64Mi"


def test_helm_test_checks_the_gateway_readiness_and_may_reach_it() -> None:
    manifests = render("production")
    (pod,) = of_kind(manifests, "Pod")
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    script = pod["spec"]["containers"][0]["command"][2]
    assert f"http://{fullname('gateway')}:80/readyz" in script
    policy = named(manifests, "NetworkPolicy", fullname("gateway"))
    assert any(
        "podSelector" in peer and selects(peer["podSelector"], pod_labels(pod))
        for peer in ingress_peers(policy)
    )


def test_without_a_key_secret_evidence_generates_its_key_on_the_writable_volume() -> None:
    evidence = named(render(), "Deployment", fullname("evidence"))
    container = pod_spec(evidence)["containers"][0]
    env = env_of(container)
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert env["EVIDENCE_SIGNING_KEY_FILE"]["value"].startswith(mounts["evidence-blobs"] + "/")
    assert "EVIDENCE_GENERATE_SIGNING_KEY" not in env


# ---- hooks: migrations and topics -------------------------------------------------------------


@values_sets
def test_migrations_run_as_pre_install_and_pre_upgrade_hooks(values_name: str) -> None:
    manifests = render(values_name)
    jobs = [j for j in of_kind(manifests, "Job") if component(j) == "migrations"]
    migrated = {j["metadata"]["labels"]["aigov.dev/migrates"]: j for j in jobs}
    assert set(migrated) == {*SERVICES, "gateway"}
    chart_secrets = {s["metadata"]["name"] for s in of_kind(manifests, "Secret")}
    for name, job in migrated.items():
        annotations = job["metadata"]["annotations"]
        assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
        assert annotations["helm.sh/hook-delete-policy"] == "before-hook-creation,hook-succeeded"
        spec = pod_spec(job)
        assert spec["restartPolicy"] == "Never"
        (container,) = spec["containers"]
        assert container["command"] == ["python", "-m", "aigov.shared.ops", "migrate", name]
        assert container["image"].endswith(f"/{name}:" + container["image"].split(":")[-1])
        assert f"{name.upper()}_DATABASE_URL" in env_of(container)
        # A pre-install hook runs before the chart's own resources exist.
        assert "serviceAccountName" not in spec
        for item in container["env"]:
            ref = item.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                assert ref["name"] not in chart_secrets, f"{name} hook needs a chart Secret"


def test_topics_job_runs_first_with_the_configured_sizes() -> None:
    manifests = render("production")
    (job,) = [j for j in of_kind(manifests, "Job") if component(j) == "topics"]
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    migration_weight = min(
        int(j["metadata"]["annotations"]["helm.sh/hook-weight"])
        for j in of_kind(manifests, "Job")
        if component(j) == "migrations"
    )
    assert int(annotations["helm.sh/hook-weight"]) < migration_weight
    (container,) = pod_spec(job)["containers"]
    assert container["command"] == ["python", "-m", "aigov.shared.ops", "create-topics"]
    env = env_of(container)
    assert env["AIGOV_TOPIC_PARTITIONS"]["value"] == "12"
    assert env["AIGOV_TOPIC_REPLICATION_FACTOR"]["value"] == "3"
    assert env["KAFKA_SECURITY_PROTOCOL"]["value"] == "SASL_SSL"
    assert env["KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == (
        "aigov-kafka-credentials"
    )
    assert not of_kind(manifests, "KafkaTopic")


def test_strimzi_topics_are_every_topic_and_its_dead_letter_topic() -> None:
    manifests = render("strimzi")
    topics = of_kind(manifests, "KafkaTopic")
    assert sorted(t["spec"]["topicName"] for t in topics) == sorted(with_dlqs(ALL_TOPICS))
    for topic in topics:
        assert topic["metadata"]["namespace"] == "kafka"
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == "aigov-kafka"
        assert topic["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
        assert topic["spec"]["partitions"] == 6
        assert topic["spec"]["replicas"] == 3
        assert topic["spec"]["config"]["min.insync.replicas"] == 2
    assert not [j for j in of_kind(manifests, "Job") if component(j) == "topics"]


# ---- network policies -------------------------------------------------------------------------


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expr in selector.get("matchExpressions", []):
        assert expr["operator"] == "In"
        if labels.get(expr["key"]) not in expr["values"]:
            return False
    return True


@values_sets
def test_every_pod_is_covered_by_a_deny_by_default_network_policy(values_name: str) -> None:
    manifests = render(values_name)
    policies = of_kind(manifests, "NetworkPolicy")
    for workload in of_kind(manifests, "Deployment") + of_kind(manifests, "Job"):
        labels = pod_labels(workload)
        covering = [p for p in policies if selects(p["spec"]["podSelector"], labels)]
        assert len(covering) == 1, workload["metadata"]["name"]
        assert covering[0]["spec"]["policyTypes"] == ["Ingress", "Egress"]


def ingress_peers(policy: Manifest) -> list[dict[str, Any]]:
    peers: list[dict[str, Any]] = []
    for rule in policy["spec"].get("ingress", []):
        assert "from" in rule, "a rule without `from` admits everyone"
        peers += rule["from"]
    return peers


@values_sets
def test_services_are_reached_only_by_the_gateway_and_prometheus(values_name: str) -> None:
    manifests = render(values_name)
    gateway_labels = named(manifests, "Deployment", fullname("gateway"))["spec"]["template"][
        "metadata"
    ]["labels"]
    for service in SERVICES:
        policy = named(manifests, "NetworkPolicy", fullname(service))
        peers = ingress_peers(policy)
        assert len(peers) == 2
        gateway_peer, prometheus_peer = peers
        assert set(gateway_peer) == {"podSelector"}
        assert selects(gateway_peer["podSelector"], gateway_labels)
        assert set(prometheus_peer) == {"namespaceSelector", "podSelector"}
        egress_ports = {p["port"] for r in policy["spec"]["egress"] for p in r["ports"]}
        assert 53 in egress_ports
        assert 5432 in egress_ports


def test_gateway_ingress_is_open_by_default_and_narrowed_in_production() -> None:
    default = named(render(), "NetworkPolicy", fullname("gateway"))
    assert "from" not in default["spec"]["ingress"][0]
    production = named(render("production"), "NetworkPolicy", fullname("gateway"))
    peers = ingress_peers(production)
    assert peers[0]["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "ingress-nginx"
    }
    assert any("namespaceSelector" in p and "prometheus" in json.dumps(p) for p in peers)


def test_egress_follows_the_kafka_and_postgresql_settings() -> None:
    policy = named(render("strimzi"), "NetworkPolicy", fullname("classifier"))
    rules = policy["spec"]["egress"]
    kafka = next(r for r in rules if r["ports"] == [{"port": 9093, "protocol": "TCP"}])
    assert kafka["to"][0]["podSelector"]["matchLabels"] == {"strimzi.io/cluster": "aigov-kafka"}
    gateway = named(render(), "NetworkPolicy", fullname("gateway"))
    gateway_ports = {p["port"] for r in gateway["spec"]["egress"] for p in r["ports"]}
    assert gateway_ports == {53, 5432, 8101, 8102, 8103, 8104}, "the gateway needs no Kafka"
    no_db = named(
        render("default", {"gateway.database.enabled": False}), "NetworkPolicy", fullname("gateway")
    )
    assert 5432 not in {p["port"] for r in no_db["spec"]["egress"] for p in r["ports"]}


# ---- scaling and availability -----------------------------------------------------------------


def test_hpa_for_the_gateway_and_the_consumers() -> None:
    manifests = render("production")
    hpas = {component(h): h for h in of_kind(manifests, "HorizontalPodAutoscaler")}
    assert set(hpas) == {"gateway", "inventory", "classifier", "monitoring"}
    for name, hpa in hpas.items():
        target = hpa["spec"]["scaleTargetRef"]
        assert target == {"apiVersion": "apps/v1", "kind": "Deployment", "name": fullname(name)}
        deployment = named(manifests, "Deployment", fullname(name))
        assert "replicas" not in deployment["spec"], "the HPA owns the replica count"
    assert named(manifests, "Deployment", fullname("evidence"))["spec"]["replicas"] == 1


@values_sets
def test_a_disruption_budget_per_component(values_name: str) -> None:
    manifests = render(values_name)
    pdbs = {component(p): p for p in of_kind(manifests, "PodDisruptionBudget")}
    assert set(pdbs) == set(COMPONENTS)
    for name, pdb in pdbs.items():
        deployment = named(manifests, "Deployment", fullname(name))
        assert pdb["spec"]["selector"] == deployment["spec"]["selector"]
        assert pdb["spec"]["maxUnavailable"] == 1


# ---- ingress, monitoring, labels --------------------------------------------------------------


def test_ingress_routes_to_the_gateway_with_tls() -> None:
    (ingress,) = of_kind(render("production"), "Ingress")
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["spec"]["tls"] == [{"secretName": "aigov-tls", "hosts": ["aigov.example.com"]}]
    (rule,) = ingress["spec"]["rules"]
    backend = rule["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": fullname("gateway"), "port": {"name": "http"}}


def test_service_monitor_scrapes_every_component() -> None:
    manifests = render("production")
    (monitor,) = of_kind(manifests, "ServiceMonitor")
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": [NAMESPACE]}
    services = of_kind(manifests, "Service")
    scraped = [s for s in services if selects(monitor["spec"]["selector"], s["metadata"]["labels"])]
    assert len(scraped) == len(COMPONENTS)


@values_sets
def test_standard_labels_everywhere(values_name: str) -> None:
    for manifest in render(values_name):
        labels = manifest["metadata"]["labels"]
        for key in (
            "helm.sh/chart",
            "app.kubernetes.io/name",
            "app.kubernetes.io/instance",
            "app.kubernetes.io/version",
            "app.kubernetes.io/managed-by",
        ):
            assert labels.get(key), f"{manifest['kind']}/{manifest['metadata']['name']}: {key}"


# ---- what is off renders nothing --------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "kind", "component_name"),
    [
        ({"ingress.enabled": False}, "Ingress", None),
        ({"metrics.serviceMonitor.enabled": False}, "ServiceMonitor", None),
        ({"networkPolicy.enabled": False}, "NetworkPolicy", None),
        ({"migrations.enabled": False, "gateway.database.enabled": False}, "Job", "migrations"),
        ({"kafka.topics.provisioner": "none"}, "Job", "topics"),
        ({"kafka.topics.provisioner": "none"}, "KafkaTopic", None),
        ({"gateway.autoscaling.enabled": False}, "HorizontalPodAutoscaler", "gateway"),
        ({"gateway.podDisruptionBudget.enabled": False}, "PodDisruptionBudget", "gateway"),
        ({"serviceAccount.create": False}, "ServiceAccount", None),
        (
            {"services.evidence.storage": {"type": "emptyDir", "mountPath": "/var/lib/e"}},
            "PersistentVolumeClaim",
            None,
        ),
    ],
)
def test_a_disabled_feature_renders_nothing(
    values: dict[str, Any], kind: str, component_name: str | None
) -> None:
    def present(manifests: list[Manifest]) -> list[Manifest]:
        return [
            m
            for m in of_kind(manifests, kind)
            if component_name is None or component(m) == component_name
        ]

    assert present(render("production")) or present(render("strimzi")), "enabled renders some"
    assert not present(render("production", values))
    assert not present(render("strimzi", values))


def test_without_migration_jobs_the_services_migrate_on_start() -> None:
    manifests = render("default", {"migrations.enabled": False})
    inventory = named(manifests, "Deployment", fullname("inventory"))
    env = env_of(pod_spec(inventory)["containers"][0])
    assert env["INVENTORY_MIGRATE_ON_START"]["value"] == "true"


def test_an_existing_internal_secret_replaces_the_generated_one() -> None:
    manifests = render("production")
    assert not of_kind(manifests, "Secret")
    env = env_of(pod_spec(named(manifests, "Deployment", fullname("gateway")))["containers"][0])
    assert env["AIGOV_INTERNAL_SECRET"]["valueFrom"]["secretKeyRef"]["name"] == "aigov-internal"
    (generated,) = of_kind(render(), "Secret")
    assert generated["metadata"]["name"] == fullname("internal")
    assert len(generated["data"]["internal-secret"]) >= 48


def test_plaintext_kafka_sets_no_sasl_or_tls() -> None:
    inventory = named(render(), "Deployment", fullname("inventory"))
    container = pod_spec(inventory)["containers"][0]
    assert not {k for k in env_of(container) if k.startswith(("KAFKA_SASL", "KAFKA_SSL"))}
    assert {m["name"] for m in container["volumeMounts"]} == {"tmp"}


# ---- values that must fail --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"kafka.securityProtocol": "TLS"}, "securityProtocol"),
        ({"kafka.topics.partitions": 0}, "partitions"),
        ({"kafka.topics.provisioner": "kubectl"}, "provisioner"),
        ({"logLevel": "verbose"}, "logLevel"),
        ({"gatway": {"replicaCount": 2}}, "gatway"),
        ({"services.classifier.replicaCount": -1}, "replicaCount"),
        ({"services.evidence.storage.type": "hostPath"}, "type"),
        (
            {
                "ingress.hosts": [
                    {"host": "a.example", "paths": [{"path": "/", "pathType": "Regex"}]}
                ]
            },
            "pathType",
        ),
        ({"gateway.resources.requests.memory": "lots"}, "memory"),
        ({"kafka.bootstrapServers": "kafka"}, "bootstrapServers"),
    ],
)
def test_values_schema_rejects_a_wrong_value(values: dict[str, Any], message: str) -> None:
    error = render_error(values)
    assert "values don't meet the specifications of the schema" in error
    assert message in error


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"services.classifier.autoscaling.maxReplicas": 12}, "exceeds kafka.topics.partitions"),
        (
            {
                "services.evidence.storage.type": "persistentVolumeClaim",
                "services.evidence.replicaCount": 2,
            },
            "ReadWriteOnce volume serves one replica",
        ),
        ({"kafka.securityProtocol": "SASL_SSL"}, "kafka.sasl.existingSecret is required"),
        ({"postgresql.existingSecret": ""}, "postgresql.existingSecret"),
    ],
)
def test_combinations_that_cannot_work_are_refused(values: dict[str, Any], message: str) -> None:
    assert message in render_error(values)


# ---- NOTES ------------------------------------------------------------------------------------


def test_notes_tell_the_operator_what_to_do_next() -> None:
    default = render_notes("default")
    assert "kubectl -n compliance port-forward svc/aigov-gateway 8080:80" in default
    assert "PLAINTEXT" in default
    assert "emptyDir" in default
    production = render_notes("production")
    assert "https://aigov.example.com/readyz" in production
    assert "PLAINTEXT" not in production
    assert "app.kubernetes.io/component=migrations" in production


def test_the_readme_example_renders_and_validates(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    example = readme.split("# values-production.yaml\n", 1)[1].split("```", 1)[0]
    values = tmp_path / "values-production.yaml"
    values.write_text(example)
    result = run_helm("-f", str(values))
    assert result.returncode == 0, result.stderr
    manifests = [m for m in yaml.safe_load_all(result.stdout) if m]
    for manifest in manifests:
        if manifest["kind"] not in CRD_SCHEMAS:
            kubernetes_validate.validate(manifest, KUBE_VERSION, strict=True)
    assert of_kind(manifests, "Ingress")
