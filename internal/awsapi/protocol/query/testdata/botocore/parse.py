"""Parse awsQuery responses with botocore's QueryParser, as the aws CLI
does, and print the parsed dicts (timestamps as epoch seconds, blobs as
base64, like Go's encoding/json of berth's shapes).

stdin:  [{"name": …, "service": …, "operation": …, "status": 200, "body": "<xml>"}, …]
stdout: {name: {parsed…}, …}
"""
import base64
import datetime
import json
import sys

import botocore.session
from botocore.parsers import create_parser


def plain(value):
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    raise TypeError(f'cannot encode {type(value)}')


def main():
    session = botocore.session.get_session()
    parser = create_parser('query')
    parsed = {}
    for case in json.load(sys.stdin):
        model = session.get_service_model(case['service'])
        operation = model.operation_model(case['operation'])
        response = {
            'status_code': case['status'],
            'headers': {},
            'body': case['body'].encode(),
        }
        parsed[case['name']] = parser.parse(response, operation.output_shape)
    json.dump(parsed, sys.stdout, default=plain)


main()
