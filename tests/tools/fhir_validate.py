"""Validates FHIR JSON resources with an independent implementation: the `fhir.resources` R4B
models (pydantic). Usage: fhir_validate.py FILE... ; exit 0 when every file is valid, 1 otherwise
(the errors on stderr), 3 when fhir.resources is not installed."""

import json
import sys

try:
    from fhir.resources.R4B import get_fhir_model_class
except ImportError:
    print("fhir.resources is not installed (pip install 'fhir.resources>=7,<8')", file=sys.stderr)
    sys.exit(3)

failed = 0
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    try:
        get_fhir_model_class(data["resourceType"]).parse_obj(data)
    except Exception as e:  # noqa: BLE001 - every validation error is reported
        failed += 1
        print(f"{path}: {e}", file=sys.stderr)
print(f"{len(sys.argv) - 1 - failed} valid, {failed} invalid", file=sys.stderr)
sys.exit(1 if failed else 0)
