"""The `plan_schema` test: schema/plan.schema.json is a valid draft 2020-12
schema and every plan under examples/plans and tests/data/plans/*/ is valid
against it.  python3 plan_schema.py SCHEMA PLAN..."""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
bad = 0
for path in sys.argv[2:]:
    for e in validator.iter_errors(json.load(open(path))):
        print(f"{path}: /{'/'.join(map(str, e.absolute_path))}: {e.message}")
        bad += 1
print(f"plan_schema: {len(sys.argv) - 2} plans checked, {bad} errors")
sys.exit(1 if bad else 0)
