{{/* Names and labels follow `helm create`. */}}
{{- define "aigov.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "aigov.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "aigov.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Name of a component's resources: <fullname>-<component> (fullname cut to leave room). */}}
{{- define "aigov.componentName" -}}
{{- $root := index . 0 }}{{- $component := index . 1 }}
{{- printf "%s-%s" (include "aigov.fullname" $root | trunc 50 | trimSuffix "-") $component }}
{{- end }}

{{- define "aigov.selectorLabels" -}}
app.kubernetes.io/name: {{ include "aigov.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "aigov.labels" -}}
helm.sh/chart: {{ include "aigov.chart" . }}
{{ include "aigov.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: aigov
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Labels of one component: call with (list $ "inventory"). */}}
{{- define "aigov.componentLabels" -}}
{{- $root := index . 0 }}{{- $component := index . 1 }}
{{- include "aigov.labels" $root }}
app.kubernetes.io/component: {{ $component }}
{{- end }}

{{- define "aigov.componentSelectorLabels" -}}
{{- $root := index . 0 }}{{- $component := index . 1 }}
{{- include "aigov.selectorLabels" $root }}
app.kubernetes.io/component: {{ $component }}
{{- end }}

{{- define "aigov.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "aigov.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The components, the port each listens on (the image's CMD) and whether it consumes from Kafka.
Keep in step with the Dockerfiles (tests/deploy checks both).
*/}}
{{- define "aigov.components" -}}
gateway: {port: 8080, consumer: false}
inventory: {port: 8101, consumer: true}
classifier: {port: 8102, consumer: true}
monitoring: {port: 8103, consumer: true}
evidence: {port: 8104, consumer: true}
{{- end }}

{{/* Service components in a stable order. */}}
{{- define "aigov.serviceNames" -}}
inventory classifier monitoring evidence
{{- end }}

{{/* The values block of a component: (list $ "inventory") -> .Values.services.inventory. */}}
{{- define "aigov.componentValues" -}}
{{- $root := index . 0 }}{{- $component := index . 1 }}
{{- if eq $component "gateway" }}
{{- toYaml $root.Values.gateway }}
{{- else }}
{{- toYaml (index $root.Values.services $component) }}
{{- end }}
{{- end }}

{{- define "aigov.image" -}}
{{- $root := index . 0 }}{{- $component := index . 1 }}
{{- $img := $root.Values.image }}
{{- $repo := printf "%s/%s" $img.repository $component }}
{{- if $img.registry }}{{ $repo = printf "%s/%s" $img.registry $repo }}{{ end }}
{{- printf "%s:%s" $repo (default $root.Chart.AppVersion $img.tag) }}
{{- end }}

{{/* Every Kafka topic with its dead-letter topic: aigov.shared.topics.with_dlqs(ALL_TOPICS). */}}
{{- define "aigov.kafkaTopics" -}}
{{- $topics := list "aigov.registry.lifecycle" "aigov.monitoring.observations" "aigov.inventory.events" "aigov.classifier.events" "aigov.monitoring.events" "aigov.evidence.events" }}
{{- range $topics }}
- {{ . }}
{{- end }}
{{- range $topics }}
- {{ . }}.dlq
{{- end }}
{{- end }}

{{- define "aigov.internalSecretName" -}}
{{- default (printf "%s-internal" (include "aigov.fullname" .)) .Values.internalSecret.existingSecret }}
{{- end }}

{{/* Kafka connection env for every pod that talks to the brokers. */}}
{{- define "aigov.kafkaEnv" -}}
{{- $k := .Values.kafka }}
- name: KAFKA_BOOTSTRAP_SERVERS
  value: {{ $k.bootstrapServers | quote }}
- name: KAFKA_SECURITY_PROTOCOL
  value: {{ $k.securityProtocol | quote }}
{{- if hasPrefix "SASL_" $k.securityProtocol }}
- name: KAFKA_SASL_MECHANISM
  value: {{ $k.sasl.mechanism | quote }}
{{- if $k.sasl.username }}
- name: KAFKA_SASL_USERNAME
  value: {{ $k.sasl.username | quote }}
{{- else }}
- name: KAFKA_SASL_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ required "kafka.sasl.existingSecret is required with a SASL_* securityProtocol" $k.sasl.existingSecret }}
      key: {{ $k.sasl.usernameKey }}
{{- end }}
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ required "kafka.sasl.existingSecret is required with a SASL_* securityProtocol" $k.sasl.existingSecret }}
      key: {{ $k.sasl.passwordKey }}
{{- end }}
{{- if hasSuffix "SSL" $k.securityProtocol }}
{{- if $k.tls.caSecret }}
- name: KAFKA_SSL_CAFILE
  value: /etc/aigov/kafka-ca/{{ $k.tls.caKey }}
{{- end }}
{{- if $k.tls.clientSecret }}
- name: KAFKA_SSL_CERTFILE
  value: /etc/aigov/kafka-client/{{ $k.tls.clientCertKey }}
- name: KAFKA_SSL_KEYFILE
  value: /etc/aigov/kafka-client/{{ $k.tls.clientKeyKey }}
{{- end }}
{{- end }}
{{- end }}

{{- define "aigov.kafkaVolumeMounts" -}}
{{- $k := .Values.kafka }}
{{- if hasSuffix "SSL" $k.securityProtocol }}
{{- if $k.tls.caSecret }}
- name: kafka-ca
  mountPath: /etc/aigov/kafka-ca
  readOnly: true
{{- end }}
{{- if $k.tls.clientSecret }}
- name: kafka-client
  mountPath: /etc/aigov/kafka-client
  readOnly: true
{{- end }}
{{- end }}
{{- end }}

{{- define "aigov.kafkaVolumes" -}}
{{- $k := .Values.kafka }}
{{- if hasSuffix "SSL" $k.securityProtocol }}
{{- if $k.tls.caSecret }}
- name: kafka-ca
  secret:
    secretName: {{ $k.tls.caSecret }}
    defaultMode: 0440
    items:
      - key: {{ $k.tls.caKey }}
        path: {{ $k.tls.caKey }}
{{- end }}
{{- if $k.tls.clientSecret }}
- name: kafka-client
  secret:
    secretName: {{ $k.tls.clientSecret }}
    defaultMode: 0440
    items:
      - key: {{ $k.tls.clientCertKey }}
        path: {{ $k.tls.clientCertKey }}
      - key: {{ $k.tls.clientKeyKey }}
        path: {{ $k.tls.clientKeyKey }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Database URL env of a component: (list $ "inventory" $values).
A per-component Secret with the full URL wins; else the URL is built from postgresql.* with the
credentials of its Secret (Kubernetes expands $(VAR) from the variables defined before it).
*/}}
{{- define "aigov.databaseEnv" -}}
{{- $root := index . 0 }}{{- $component := index . 1 }}{{- $db := index . 2 }}
{{- $var := printf "%s_DATABASE_URL" (upper $component) }}
{{- if $db.existingSecret }}
- name: {{ $var }}
  valueFrom:
    secretKeyRef:
      name: {{ $db.existingSecret }}
      key: {{ $db.urlKey }}
{{- else }}
{{- $pg := $root.Values.postgresql }}
- name: AIGOV_DB_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ required "postgresql.existingSecret (or a per-service database.existingSecret) is required" $pg.existingSecret }}
      key: {{ $pg.usernameKey }}
- name: AIGOV_DB_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $pg.existingSecret }}
      key: {{ $pg.passwordKey }}
- name: {{ $var }}
  value: {{ printf "%s://$(AIGOV_DB_USERNAME):$(AIGOV_DB_PASSWORD)@%s:%d/%s%s" $pg.driver (required "postgresql.host is required" $pg.host) (int $pg.port) $db.name (ternary (printf "?%s" $pg.query) "" (ne $pg.query "")) | quote }}
{{- end }}
{{- end }}

{{/* The pod-level settings shared by Deployments and Jobs. */}}
{{- define "aigov.podSecurity" -}}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
