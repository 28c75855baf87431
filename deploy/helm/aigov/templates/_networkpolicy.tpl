{{/* NetworkPolicy rule fragments. */}}
{{- define "aigov.np.dns" -}}
- to:
    - namespaceSelector:
        {{- toYaml .Values.networkPolicy.dns.namespaceSelector | nindent 8 }}
      podSelector:
        {{- toYaml .Values.networkPolicy.dns.podSelector | nindent 8 }}
  ports:
    - {port: 53, protocol: UDP}
    - {port: 53, protocol: TCP}
{{- end }}
{{- define "aigov.np.egressTo" -}}
{{- $ports := list }}
{{- range .ports }}{{ $ports = append $ports (dict "port" (int .) "protocol" "TCP") }}{{ end }}
{{- $rule := dict "ports" $ports }}
{{- with .to }}{{ $_ := set $rule "to" . }}{{ end }}
{{- toYaml (list $rule) }}
{{- end }}
{{- define "aigov.np.prometheus" -}}
{{- toYaml (list .Values.networkPolicy.prometheus) }}
{{- end }}
