{{/*
The runbook_url annotation of one alert: monitoring.prometheusRule.runbookUrlTemplate rendered with the
chart (.Chart) and the alert's section in docs/operations.md (.anchor, GitHub's heading anchor: the alert
name in lower case). Nothing when the template is empty. Args: ctx, anchor.
*/}}
{{- define "routing.runbookUrl" -}}
{{- with .ctx.Values.monitoring.prometheusRule.runbookUrlTemplate -}}
runbook_url: {{ tpl . (dict "Chart" $.ctx.Chart "Release" $.ctx.Release "Template" $.ctx.Template "anchor" $.anchor) }}
{{- end }}
{{- end }}

{{/*
"Service down" alert of one component: none of its pods answers Prometheus' scrape (up == 0 on every target),
or Prometheus has no target for it at all (absent: every pod gone, or the ServiceMonitor selects nothing).
Args: ctx, component (budget, policy, memory, executor), alert (its name), settings (alerts.serviceDown).
*/}}
{{- define "routing.alert.serviceDown" -}}
{{- $sel := include "routing.alertSelector" (dict "ctx" .ctx "component" .component) -}}
- alert: {{ .alert }}
  expr: |
    max by (namespace, job) (up{ {{- $sel -}} }) == 0
    or
    absent(up{ {{- $sel -}} })
  for: {{ .settings.for }}
  labels:
    severity: {{ .settings.severity }}
  annotations:
    summary: No {{ .component }} pod of release {{ .ctx.Release.Name }} answers Prometheus in {{ "{{ $labels.namespace }}" }}.
    description: Every scrape target of job {{ "{{ $labels.job }}" }} is down, or there is none, for {{ .settings.for }}.
    {{- include "routing.runbookUrl" (dict "ctx" .ctx "anchor" (lower .alert)) | nindent 4 }}
{{- end }}
