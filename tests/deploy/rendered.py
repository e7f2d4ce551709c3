"""Reading rendered manifests in .ci/validate-deploy.sh's checks: objects by (kind, name), pod specs, env."""
import os

import yaml


def load(work, name):
    """The objects of one render in the work folder, keyed by (kind, name)."""
    with open(os.path.join(work, name)) as f:
        return {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(f) if d}


def pod(workload):
    """The pod spec of a Deployment, StatefulSet, Job or CronJob."""
    spec = workload["spec"]
    if workload["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]


def env(workload):
    """Name -> literal value of the first container's environment (None for valueFrom)."""
    return {e["name"]: e.get("value") for e in pod(workload)["containers"][0].get("env", [])}
