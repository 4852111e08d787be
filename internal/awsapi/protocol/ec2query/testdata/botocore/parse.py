"""Parse EC2 responses with botocore's EC2QueryParser.

stdin:  [{"name": ..., "op": "DescribeVpcs", "status": 200, "body": "<xml>"}, ...]
stdout: {name: parsed dict, ...}; timestamps as ISO 8601 strings.
"""
import json
import sys

import botocore.session
from botocore.parsers import EC2QueryParser


def main():
    model = botocore.session.get_session().get_service_model("ec2")
    parser = EC2QueryParser()
    out = {}
    for case in json.load(sys.stdin):
        op = model.operation_model(case["op"])
        resp = {
            "status_code": case["status"],
            "headers": {},
            "body": case["body"].encode("utf-8"),
        }
        out[case["name"]] = parser.parse(resp, op.output_shape)
    json.dump(out, sys.stdout, sort_keys=True, default=lambda t: t.isoformat())


main()
