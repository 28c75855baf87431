{{/* Refuse combinations that would install but not work. Called from deployment.yaml. */}}
{{- define "aigov.validate" -}}
{{- $components := fromYaml (include "aigov.components" .) }}
{{- range $component := splitList " " (include "aigov.serviceNames" $) }}
{{- $v := index $.Values.services $component }}
{{- if and $v.autoscaling.enabled (gt (int $v.autoscaling.maxReplicas) (int $.Values.kafka.topics.partitions)) }}
{{- fail (printf "services.%s.autoscaling.maxReplicas (%d) exceeds kafka.topics.partitions (%d): the extra consumers would idle" $component (int $v.autoscaling.maxReplicas) (int $.Values.kafka.topics.partitions)) }}
{{- end }}
{{- if and $v.autoscaling.enabled (gt (int $v.autoscaling.minReplicas) (int $v.autoscaling.maxReplicas)) }}
{{- fail (printf "services.%s.autoscaling.minReplicas exceeds maxReplicas" $component) }}
{{- end }}
{{- end }}
{{- if and .Values.gateway.autoscaling.enabled (gt (int .Values.gateway.autoscaling.minReplicas) (int .Values.gateway.autoscaling.maxReplicas)) }}
{{- fail "gateway.autoscaling.minReplicas exceeds maxReplicas" }}
{{- end }}
{{- $ev := .Values.services.evidence }}
{{- if and (eq $ev.storage.type "persistentVolumeClaim") (has "ReadWriteOnce" $ev.storage.accessModes) (not (has "ReadWriteMany" $ev.storage.accessModes)) }}
{{- if or (gt (int $ev.replicaCount) 1) $ev.autoscaling.enabled }}
{{- fail "services.evidence: a ReadWriteOnce volume serves one replica; set replicaCount 1 and autoscaling.enabled false, or use ReadWriteMany storage" }}
{{- end }}
{{- end }}
{{- if and (eq .Values.kafka.topics.provisioner "strimzi") (not .Values.kafka.topics.strimzi.clusterName) }}
{{- fail "kafka.topics.strimzi.clusterName is required with provisioner strimzi" }}
{{- end }}
{{- end }}
