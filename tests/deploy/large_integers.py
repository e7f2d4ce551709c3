"""Write a values file that sets every integer the values schema declares to a number of seven digits or more.

Helm hands templates the numbers of -f/--set values (and, in Helm 4, the chart's own values.yaml) as float64,
and Go's %v prints a float64 of a million or more in exponent form: `quote` turns 2592000 into "2.592e+06",
which the services refuse to read as an integer. .ci/validate-deploy.sh renders this file with every Helm it
tests (schema bounds skipped: a port of 1234567 is out of range but shows how the template prints it) and
fails on any exponent in the output, so a template that prints an integer without `int64` is caught.

Usage: large_integers.py VALUES_YAML SCHEMA_JSON OUT_YAML
"""
import json
import sys

import yaml

LARGE = 10_000_000


def is_integer(schema):
    kinds = schema.get("type")
    return kinds == "integer" or (isinstance(kinds, list) and "integer" in kinds and "number" not in kinds)


def enlarge(value, schema):
    if isinstance(value, bool) or schema is None:
        return value
    if isinstance(value, int) and is_integer(schema):
        return LARGE + value
    if isinstance(value, dict):
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        return {k: enlarge(v, props.get(k, extra if isinstance(extra, dict) else None)) for k, v in value.items()}
    if isinstance(value, list):
        items = schema.get("items")
        return [enlarge(v, items if isinstance(items, dict) else None) for v in value]
    return value


def main(values_path, schema_path, out_path):
    with open(values_path) as f:
        values = yaml.safe_load(f)
    with open(schema_path) as f:
        schema = json.load(f)
    with open(out_path, "w") as f:
        yaml.safe_dump(enlarge(values, schema), f, sort_keys=False)


if __name__ == "__main__":
    main(*sys.argv[1:])
