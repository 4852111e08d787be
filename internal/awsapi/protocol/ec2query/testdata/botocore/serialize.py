"""Serialise EC2 requests with botocore's EC2Serializer.

stdin:  [{"name": ..., "op": "DescribeVpcs", "params": {...}}, ...]
stdout: {name: form-encoded body, ...}
"""
import json
import sys
from urllib.parse import urlencode

import botocore.session
from botocore.serialize import EC2Serializer


def main():
    model = botocore.session.get_session().get_service_model("ec2")
    serializer = EC2Serializer()
    out = {}
    for case in json.load(sys.stdin):
        op = model.operation_model(case["op"])
        req = serializer.serialize_to_request(case["params"], op)
        # botocore leaves the body as a dict; encode it as its HTTP layer
        # does, in serialisation order.
        out[case["name"]] = urlencode(req["body"])
    json.dump(out, sys.stdout, sort_keys=True)


main()
