"""Drive berth's ELBv2 API with botocore, the library the aws CLI is built
on, through the seed's flow: load balancer, target group, listener, rule,
targets, the load-balancer-available waiter, paging and errors. Prints
what the calls returned as one JSON object for the Go test to check.

env: ENDPOINT, the URL of the API.
"""
import json
import os
import sys

import botocore.session
from botocore.exceptions import ClientError


def error_of(call, **kwargs):
    try:
        call(**kwargs)
    except ClientError as e:
        return {k: e.response['Error'].get(k) for k in ('Type', 'Code', 'Message')}
    return None


def main():
    session = botocore.session.get_session()
    c = session.create_client('elbv2', region_name='us-east-1', endpoint_url=os.environ['ENDPOINT'],
                              aws_access_key_id='AKIDEXAMPLE', aws_secret_access_key='secret')
    out = {}
    lb = c.create_load_balancer(Name='web', Subnets=['subnet-a', 'subnet-b'],
                                Tags=[{'Key': 'env', 'Value': 'dev'}])['LoadBalancers'][0]
    c.create_load_balancer(Name='web2', Subnets=['subnet-a', 'subnet-b'], Scheme='internal')
    out['created'] = lb
    tg = c.create_target_group(Name='tg', Protocol='HTTP', Port=80, VpcId='vpc-1', TargetType='ip',
                               HealthCheckPath='/health', HealthCheckEnabled=True)['TargetGroups'][0]
    listener = c.create_listener(LoadBalancerArn=lb['LoadBalancerArn'], Protocol='HTTP', Port=80,
                                 DefaultActions=[{'Type': 'forward', 'TargetGroupArn': tg['TargetGroupArn']}])['Listeners'][0]
    out['listener'] = listener
    out['rule'] = c.create_rule(ListenerArn=listener['ListenerArn'], Priority=10,
                                Conditions=[{'Field': 'path-pattern', 'Values': ['/api/*']}],
                                Actions=[{'Type': 'fixed-response', 'FixedResponseConfig': {
                                    'StatusCode': '200', 'ContentType': 'text/plain', 'MessageBody': 'ok'}}])['Rules'][0]
    c.register_targets(TargetGroupArn=tg['TargetGroupArn'], Targets=[{'Id': '10.0.1.5', 'Port': 8080}, {'Id': '10.0.2.6'}])
    c.deregister_targets(TargetGroupArn=tg['TargetGroupArn'], Targets=[{'Id': '10.0.2.6'}])
    out['health'] = c.describe_target_health(TargetGroupArn=tg['TargetGroupArn'])['TargetHealthDescriptions']
    c.get_waiter('load_balancer_available').wait(Names=['web'], WaiterConfig={'Delay': 1, 'MaxAttempts': 10})
    out['lbs'] = c.describe_load_balancers(Names=['web'])['LoadBalancers']
    pages = c.get_paginator('describe_load_balancers').paginate(PaginationConfig={'PageSize': 1})
    out['paged'] = [lb['LoadBalancerName'] for page in pages for lb in page['LoadBalancers']]
    out['tgs'] = c.describe_target_groups(LoadBalancerArn=lb['LoadBalancerArn'])['TargetGroups']
    out['rules'] = c.describe_rules(ListenerArn=listener['ListenerArn'])['Rules']
    out['attributes'] = c.modify_load_balancer_attributes(
        LoadBalancerArn=lb['LoadBalancerArn'],
        Attributes=[{'Key': 'idle_timeout.timeout_seconds', 'Value': '120'}])['Attributes']
    out['tags'] = c.describe_tags(ResourceArns=[lb['LoadBalancerArn']])['TagDescriptions']
    out['errors'] = {
        'in_use': error_of(c.delete_target_group, TargetGroupArn=tg['TargetGroupArn']),
        'bad_name': error_of(c.create_load_balancer, Name='a_b', Subnets=['subnet-a', 'subnet-b']),
        'not_found': error_of(c.describe_load_balancers, Names=['nope']),
        'duplicate_listener': error_of(c.create_listener, LoadBalancerArn=lb['LoadBalancerArn'], Protocol='HTTP', Port=80,
                                       DefaultActions=[{'Type': 'fixed-response', 'FixedResponseConfig': {'StatusCode': '404'}}]),
    }
    c.delete_listener(ListenerArn=listener['ListenerArn'])
    c.delete_target_group(TargetGroupArn=tg['TargetGroupArn'])
    c.delete_load_balancer(LoadBalancerArn=lb['LoadBalancerArn'])
    out['after_delete'] = [lb['LoadBalancerName'] for lb in c.describe_load_balancers()['LoadBalancers']]
    json.dump(out, sys.stdout, default=str)


main()
