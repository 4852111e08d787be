"""Serialise operation inputs as the aws CLI does, with botocore's
QuerySerializer (parameter validation on), and print the request bodies.

stdin:  [{"name": …, "service": …, "operation": …, "params": {…}}, …]
stdout: {name: "<x-www-form-urlencoded body>", …}
"""
import json
import sys

import botocore.session
from botocore.awsrequest import create_request_object, prepare_request_dict
from botocore.serialize import create_serializer


def main():
    session = botocore.session.get_session()
    serializer = create_serializer('query', include_validation=True)
    bodies = {}
    for case in json.load(sys.stdin):
        model = session.get_service_model(case['service'])
        operation = model.operation_model(case['operation'])
        request = serializer.serialize_to_request(case['params'], operation)
        prepare_request_dict(request, endpoint_url='https://berth.test')
        body = create_request_object(request).prepare().body
        bodies[case['name']] = body.decode() if isinstance(body, bytes) else body
    json.dump(bodies, sys.stdout)


main()
