{{/* Chart name, overridable with nameOverride. */}}
{{- define "ucr.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-qualified name for every object (63 characters: a DNS label). */}}
{{- define "ucr.fullname" -}}
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

{{/* Labels that select the DaemonSet's pods; never change them in an upgrade. */}}
{{- define "ucr.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ucr.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "ucr.labels" -}}
{{ include "ucr.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{- define "ucr.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "ucr.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* There is no published image: refuse to render without one. */}}
{{- define "ucr.image" -}}
{{- $repository := required "image.repository is empty: build and push the ucrd image (see the chart's README.md) and set image.repository" .Values.image.repository }}
{{- printf "%s:%s" $repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
config.toml from .Values.config: top-level scalars and arrays first, then one [table] per
map (cni, ...), then one [registries."<host>"] table per registry. Every value goes through
toJson: a JSON string, number, boolean or array of them is also a valid TOML value.
test/charts_test.py renders the chart with these rules and feeds the result to `ucrd config`.
*/}}
{{- define "ucr.configToml" -}}
{{- $config := .Values.config }}
{{- range $key, $value := $config }}
{{- if not (kindIs "map" $value) }}
{{ $key }} = {{ toJson $value }}
{{- end }}
{{- end }}
{{- range $table, $body := $config }}
{{- if and (kindIs "map" $body) (ne $table "registries") }}

[{{ $table }}]
{{- range $key, $value := $body }}
{{ $key }} = {{ toJson $value }}
{{- end }}
{{- end }}
{{- end }}
{{- range $host, $registry := $config.registries }}

[registries.{{ toJson $host }}]
{{- range $key, $value := $registry }}
{{ $key }} = {{ toJson $value }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The config and the host mounts must agree: ucrd writes where config.toml says, the node
sees what hostPaths mounts. Fail at render time instead of running a ucrd whose state the
node cannot see.
*/}}
{{- define "ucr.validate" -}}
{{- $c := .Values.config }}
{{- $h := .Values.hostPaths }}
{{- if ne $c.root_dir $h.rootDir }}
{{- fail (printf "config.root_dir (%s) must equal hostPaths.rootDir (%s)" $c.root_dir $h.rootDir) }}
{{- end }}
{{- if ne $c.state_dir $h.stateDir }}
{{- fail (printf "config.state_dir (%s) must equal hostPaths.stateDir (%s)" $c.state_dir $h.stateDir) }}
{{- end }}
{{- if not (hasPrefix (printf "%s/" $h.stateDir) $c.socket) }}
{{- fail (printf "config.socket (%s) must be under hostPaths.stateDir (%s) so the kubelet can reach it" $c.socket $h.stateDir) }}
{{- end }}
{{- if ne $c.cni.conf_dir $h.cniConfDir }}
{{- fail (printf "config.cni.conf_dir (%s) must equal hostPaths.cniConfDir (%s)" $c.cni.conf_dir $h.cniConfDir) }}
{{- end }}
{{- if not (has $h.cniBinDir $c.cni.bin_dirs) }}
{{- fail (printf "config.cni.bin_dirs must include hostPaths.cniBinDir (%s)" $h.cniBinDir) }}
{{- end }}
{{- end }}
