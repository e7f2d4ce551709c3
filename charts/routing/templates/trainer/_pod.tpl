{{/* The trainer's pod template, shared by the Job and the CronJob. */}}
{{- define "routing.trainer.podTemplate" -}}
{{- $c := dict "ctx" . "component" "trainer" }}
{{- $v := .Values.trainer }}
metadata:
  labels:
    {{- include "routing.selectorLabels" $c | nindent 4 }}
spec:
  serviceAccountName: {{ include "routing.trainer.serviceAccountName" . }}
  automountServiceAccountToken: false
  enableServiceLinks: false
  restartPolicy: Never
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- toYaml $v.podSecurityContext | nindent 4 }}
  containers:
    - name: trainer
      image: {{ include "routing.image" (dict "ctx" . "image" $v.image) | quote }}
      imagePullPolicy: {{ $v.image.pullPolicy }}
      args:
        {{- toYaml $v.args | nindent 8 }}
      env:
        - name: Routing__Logging__Format
          value: {{ .Values.logFormat | quote }}
        {{- include "routing.redis.env" . | trim | nindent 8 }}
        - name: Routing__Executor__KeyPrefix
          value: {{ .Values.executor.config.keyPrefix | quote }}
        {{- with $v.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      # A batch process: the Job's activeDeadlineSeconds bounds it, not a liveness probe.
      resources:
        {{- toYaml $v.resources | nindent 8 }}
      securityContext:
        {{- toYaml $v.securityContext | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
        - name: models
          mountPath: {{ $v.modelMountPath }}
  volumes:
    - name: tmp
      emptyDir:
        sizeLimit: {{ $v.tmpSizeLimit }}
    # The policy's model volume, read-write: a new version is written to a staging directory and renamed
    # into place, so the policy never loads a half-written version.
    - name: models
      persistentVolumeClaim:
        claimName: {{ .Values.policy.model.pvc.claimName }}
  {{- with $v.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $v.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $v.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
