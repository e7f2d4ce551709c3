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
OpenTelemetry variables of one Routing service (dict: ctx, component); none when tracing.otlpEndpoint is empty,
which leaves tracing off. The services read only the standard OTEL_* names.
*/}}
{{- define "routing.tracing.env" -}}
{{- $t := .ctx.Values.tracing }}
{{- if $t.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ $t.otlpEndpoint | quote }}
- name: OTEL_EXPORTER_OTLP_PROTOCOL
  value: {{ $t.protocol | quote }}
- name: OTEL_SERVICE_NAME
  value: {{ printf "routing-%s" .component | quote }}
- name: OTEL_TRACES_SAMPLER
  value: {{ $t.sampler | quote }}
- name: OTEL_TRACES_SAMPLER_ARG
  value: {{ $t.samplerArg | toString | quote }}
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
{{- if .Values.policy.autoscaling.enabled }}{{ .Values.policy.autoscaling.minReplicas | int64 }}{{ else }}{{ .Values.policy.replicaCount | int64 }}{{ end }}
{{- end }}

{{- define "routing.executor.serviceAccountName" -}}
{{- if .Values.executor.serviceAccount.create }}
{{- default (include "routing.componentName" (dict "ctx" . "component" "executor")) .Values.executor.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.executor.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "routing.trainer.serviceAccountName" -}}
{{- if .Values.trainer.serviceAccount.create }}
{{- default (include "routing.componentName" (dict "ctx" . "component" "trainer")) .Values.trainer.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.trainer.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Pods the executor runs at least: the HPA's floor when autoscaling, else replicaCount (for the PDB). */}}
{{- define "routing.executor.minReplicas" -}}
{{- if .Values.executor.autoscaling.enabled }}{{ .Values.executor.autoscaling.minReplicas | int64 }}{{ else }}{{ .Values.executor.replicaCount | int64 }}{{ end }}
{{- end }}

{{/* dns:/// address of one of this release's headless gRPC Services (client-side round-robin). */}}
{{- define "routing.grpcAddress" -}}
{{- printf "dns:///%s.%s.svc.cluster.local:%d" (include "routing.componentName" .) .ctx.Release.Namespace ((index .ctx.Values .component).ports.grpc | int64) }}
{{- end }}

{{/* The rollout ConfigMap the policy watches: the chart's own, or the one the operator manages. */}}
{{- define "routing.policy.rolloutConfigMap" -}}
{{- if .Values.policy.rollout.create }}
{{- printf "%s-rollout" (include "routing.componentName" (dict "ctx" . "component" "policy")) }}
{{- else }}
{{- required "policy.rollout.existingConfigMap is required when policy.rollout.create is false" .Values.policy.rollout.existingConfigMap }}
{{- end }}
{{- end }}

{{/* The agent-pool ConfigMap (key agents.json) the executor mounts and watches. */}}
{{- define "routing.executor.agentsConfigMap" -}}
{{- if .Values.executor.agentPool.create }}
{{- printf "%s-agents" (include "routing.componentName" (dict "ctx" . "component" "executor")) }}
{{- else }}
{{- required "executor.agentPool.existingConfigMap is required when executor.agentPool.create is false" .Values.executor.agentPool.existingConfigMap }}
{{- end }}
{{- end }}

{{/* The SALE weights ConfigMap (key sale-weights.json) the executor mounts; empty: none (untrained neutral weights). */}}
{{- define "routing.executor.saleWeightsConfigMap" -}}
{{- $w := .Values.executor.sale.weights }}
{{- if and $w.create $w.existingConfigMap }}
{{- fail "executor.sale.weights: set either create (the chart makes the ConfigMap from weights) or existingConfigMap (yours), not both" }}
{{- else if $w.create }}
{{- printf "%s-sale-weights" (include "routing.componentName" (dict "ctx" . "component" "executor")) }}
{{- else }}
{{- $w.existingConfigMap }}
{{- end }}
{{- end }}

{{/* The Secret (key tenants.json) with the tenants' API key hashes. */}}
{{- define "routing.executor.tenantsSecret" -}}
{{- default (printf "%s-tenants" (include "routing.componentName" (dict "ctx" . "component" "executor"))) .Values.executor.tenants.existingSecret }}
{{- end }}

{{/*
Role + RoleBinding that let one component's ServiceAccount get, list and watch exactly one ConfigMap.
RBAC restricts list and watch by resourceNames only for requests with a metadata.name field selector,
which is what Routing.Kubernetes' ConfigMapWatcher sends. Args: ctx, component, configMap, serviceAccount.
*/}}
{{- define "routing.configMapWatchRbac" -}}
{{- $c := dict "ctx" .ctx "component" .component }}
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {{ include "routing.componentName" $c }}-configmap-watch
  labels:
    {{- include "routing.labels" $c | nindent 4 }}
rules:
  - apiGroups:
      - ""
    resources:
      - configmaps
    resourceNames:
      - {{ .configMap }}
    verbs:
      - get
      - list
      - watch
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {{ include "routing.componentName" $c }}-configmap-watch
  labels:
    {{- include "routing.labels" $c | nindent 4 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: {{ include "routing.componentName" $c }}-configmap-watch
subjects:
  - kind: ServiceAccount
    name: {{ .serviceAccount }}
    namespace: {{ .ctx.Release.Namespace }}
{{- end }}

{{/* The Secrets with the service token (every service) and the admin token (budget only). */}}
{{- define "routing.serviceAuth.serviceSecret" -}}
{{- default (printf "%s-service-token" (include "routing.fullname" .)) .Values.serviceAuth.existingSecret }}
{{- end }}
{{- define "routing.serviceAuth.adminSecret" -}}
{{- default (printf "%s-admin-token" (include "routing.fullname" .)) .Values.serviceAuth.existingAdminSecret }}
{{- end }}

{{/* Service auth settings of a service; the tokens are read from the mounted Secret(s), never from env. */}}
{{- define "routing.serviceAuth.env" -}}
- name: Routing__Auth__Mode
  value: {{ .Values.serviceAuth.mode | quote }}
{{- if eq .Values.serviceAuth.mode "Token" }}
- name: Routing__Auth__TokenDirectory
  value: /var/run/secrets/routing/auth
- name: Routing__Auth__ReloadIntervalSeconds
  value: {{ .Values.serviceAuth.reloadIntervalSeconds | int64 | quote }}
{{- end }}
{{- end }}

{{- define "routing.serviceAuth.volumeMount" -}}
- name: service-auth
  mountPath: /var/run/secrets/routing/auth
  readOnly: true
{{- end }}

{{/*
The token volume: a projected volume keeps the kubelet's atomic ..data swap, so a rotated Secret is seen whole.
Args: ctx, admin (also mount the admin token).
*/}}
{{- define "routing.serviceAuth.volume" -}}
- name: service-auth
  projected:
    defaultMode: 0440
    sources:
      - secret:
          name: {{ include "routing.serviceAuth.serviceSecret" .ctx }}
      {{- if .admin }}
      - secret:
          name: {{ include "routing.serviceAuth.adminSecret" .ctx }}
      {{- end }}
{{- end }}
