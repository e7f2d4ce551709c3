{{/*
Names and labels shared by every component. A component template passes a dict with the root context
("ctx") and its component name ("component"): budget, redis (and later policy, memory, executor, trainer).
*/}}

{{- define "routing.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Resource name prefix: the release name, or release-chart when the release name lacks the chart name. */}}
{{- define "routing.fullname" -}}
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

{{/* Name of one component's objects: <fullname>-<component>, kept within the 63-character label limit. */}}
{{- define "routing.componentName" -}}
{{- printf "%s-%s" (include "routing.fullname" .ctx | trunc (int (sub 62 (len .component)))) .component | trimSuffix "-" }}
{{- end }}

{{- define "routing.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels: stable for the life of a release (Deployment selectors are immutable). */}}
{{- define "routing.selectorLabels" -}}
app.kubernetes.io/name: {{ include "routing.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "routing.labels" -}}
helm.sh/chart: {{ include "routing.chart" .ctx }}
{{ include "routing.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: routing
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
{{- end }}

{{/* Labels for objects that belong to the release as a whole (PrometheusRule). */}}
{{- define "routing.releaseLabels" -}}
helm.sh/chart: {{ include "routing.chart" . }}
app.kubernetes.io/name: {{ include "routing.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: routing
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Image reference: repository:tag[tagSuffix], or with @digest when a digest is given (tagSuffix: policy's `-gpu`). */}}
{{- define "routing.image" -}}
{{- $tag := printf "%s%s" (default .ctx.Chart.AppVersion .image.tag) (default "" .image.tagSuffix) }}
{{- if .image.digest }}
{{- printf "%s:%s@%s" .image.repository $tag .image.digest }}
{{- else }}
{{- printf "%s:%s" .image.repository $tag }}
{{- end }}
{{- end }}

{{- define "routing.budget.serviceAccountName" -}}
{{- if .Values.budget.serviceAccount.create }}
{{- default (include "routing.componentName" (dict "ctx" . "component" "budget")) .Values.budget.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.budget.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret and key that hold the Redis password; empty name when Redis needs none (external only). */}}
{{- define "routing.redis.secretName" -}}
{{- if .Values.redis.auth.existingSecret }}
{{- .Values.redis.auth.existingSecret }}
{{- else if eq .Values.redis.mode "bundled" }}
{{- include "routing.componentName" (dict "ctx" . "component" "redis") }}
{{- end }}
{{- end }}

{{/*
StackExchange.Redis configuration without the password. The password is appended in the pod through
Kubernetes' $(VAR) expansion of an env var read from the Secret, so it appears in neither values nor spec.
*/}}
{{- define "routing.redis.address" -}}
{{- if eq .Values.redis.mode "bundled" }}
{{- printf "%s.%s.svc:6379" (include "routing.componentName" (dict "ctx" . "component" "redis")) .Release.Namespace }}
{{- else }}
{{- required "redis.external.connectionString is required when redis.mode is external" .Values.redis.external.connectionString }}
{{- end }}
{{- end }}

{{/* Env vars that give a Routing service its Redis connection (budget today, memory later). */}}
{{- define "routing.redis.env" -}}
{{- $secret := include "routing.redis.secretName" . }}
{{- if $secret }}
- name: ROUTING_REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ .Values.redis.auth.existingSecretPasswordKey }}
- name: Routing__Redis__ConnectionString
  value: {{ printf "%s,password=$(ROUTING_REDIS_PASSWORD)" (include "routing.redis.address" .) | quote }}
{{- else }}
- name: Routing__Redis__ConnectionString
  value: {{ include "routing.redis.address" . | quote }}
{{- end }}
{{- end }}

{{/*
PromQL label matcher for one component's scrape job. A ServiceMonitor names the job after the Service it
selects, and the Service is named <fullname>-<component>.
*/}}
{{- define "routing.alertSelector" -}}
{{- printf "namespace=%q, job=%q" .ctx.Release.Namespace (include "routing.componentName" .) }}
{{- end }}

{{- define "routing.policy.serviceAccountName" -}}
{{- if .Values.policy.serviceAccount.create }}
{{- default (include "routing.componentName" (dict "ctx" . "component" "policy")) .Values.policy.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.policy.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "routing.memory.serviceAccountName" -}}
{{- if .Values.memory.serviceAccount.create }}
{{- default (include "routing.componentName" (dict "ctx" . "component" "memory")) .Values.memory.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.memory.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Pods the policy service runs at least: the HPA's floor when autoscaling, else replicaCount (for the PDB). */}}
{{- define "routing.policy.minReplicas" -}}
{{- if .Values.policy.autoscaling.enabled }}{{ .Values.policy.autoscaling.minReplicas }}{{ else }}{{ .Values.policy.replicaCount }}{{ end }}
{{- end }}
