{{/* The chart name, or nameOverride. */}}
{{- define "gallery-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The prefix of every object's name: the release name, plus the chart name unless it holds it. */}}
{{- define "gallery-operator.fullname" -}}
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

{{- define "gallery-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "gallery-operator.labels" -}}
helm.sh/chart: {{ include "gallery-operator.chart" . }}
{{ include "gallery-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: gallery-operator
{{- end }}

{{/* Labels that select the manager pods (immutable in the Deployment). */}}
{{- define "gallery-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gallery-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
control-plane: controller-manager
{{- end }}

{{- define "gallery-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (printf "%s-controller-manager" (include "gallery-operator.fullname" .)) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* "true" when the manager runs with --leader-elect. */}}
{{- define "gallery-operator.leaderElect" -}}
{{- if or .Values.leaderElection.enabled (gt (int .Values.replicaCount) 1) }}true{{ end }}
{{- end }}

{{/* Fails on contradicting values. */}}
{{- define "gallery-operator.validate" -}}
{{- if and .Values.azure.workloadIdentity.enabled .Values.azure.existingSecret }}
{{- fail "azure.workloadIdentity.enabled and azure.existingSecret exclude each other: a client secret would take precedence over workload identity" }}
{{- end }}
{{- if and .Values.azure.workloadIdentity.enabled .Values.serviceAccount.create (not .Values.azure.workloadIdentity.clientId) }}
{{- fail "azure.workloadIdentity.clientId is required when azure.workloadIdentity.enabled is true (or bring your own annotated ServiceAccount with serviceAccount.create=false)" }}
{{- end }}
{{- if and .Values.credentialSecrets.namespaces (not .Values.credentialSecrets.enabled) }}
{{- fail "credentialSecrets.namespaces is set but credentialSecrets.enabled is false" }}
{{- end }}
{{- end }}
