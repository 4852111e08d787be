package eventpattern

import "testing"

// The examples of the EventBridge user guide ("Amazon EventBridge event
// patterns", "Content filtering in Amazon EventBridge event patterns",
// arrays, null values), restated with events of our own.

const ec2Terminated = `{
  "version": "0",
  "id": "0f5a3f0e-1d2c-4b7a-9e1e-7c2b9d4e8a61",
  "detail-type": "EC2 Instance State-change Notification",
  "source": "aws.ec2",
  "account": "210987654321",
  "time": "2024-03-05T09:15:00Z",
  "region": "eu-west-1",
  "resources": ["arn:aws:ec2:eu-west-1:210987654321:instance/i-0abc1234def567890"],
  "detail": {"instance-id": "i-0abc1234def567890", "state": "terminated"}
}`

const metricsEvent = `{
  "version": "0",
  "id": "5d1e9c2a-0b3f-4e8d-a6c7-2f9b8e1d0c3a",
  "detail-type": "Metrics Sample",
  "source": "com.example.metrics",
  "account": "210987654321",
  "time": "2017-10-02T07:30:12Z",
  "region": "us-east-2",
  "resources": [],
  "detail": {
    "c-count": 4,
    "d-count": 7,
    "x-limit": 301.8,
    "source-ip": "10.1.2.3",
    "state": "running"
  }
}`

func TestUserGuideExamples(t *testing.T) {
	const termination = `{"source":["aws.ec2"],"detail-type":["EC2 Instance State-change Notification"],"detail":{"state":["terminated"]}}`
	const complex = `{
	  "time": [{"prefix": "2017-10-02"}],
	  "detail": {
	    "state": [{"anything-but": "initializing"}],
	    "c-count": [{"numeric": [">", 0, "<=", 5]}],
	    "d-count": [{"numeric": ["<", 10]}],
	    "x-limit": [{"anything-but": [100, 200, 300]}],
	    "source-ip": [{"cidr": "10.0.0.0/8"}]
	  }
	}`
	runMatches(t, []matchCase{
		// Patterns name only the fields they care about.
		{"termination", termination, ec2Terminated, true},
		{"termination other state", termination, `{"source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","detail":{"state":"pending"}}`, false},
		{"termination other source", termination, `{"source":"aws.ecs","detail-type":"EC2 Instance State-change Notification","detail":{"state":"terminated"}}`, false},
		// ARNs compare exactly (':' and '/' are not interchangeable).
		{"arn exact", `{"resources":["arn:aws:ec2:eu-west-1:210987654321:instance/i-0abc1234def567890"]}`, ec2Terminated, true},
		{"arn colon vs slash", `{"resources":["arn:aws:ec2:eu-west-1:210987654321:instance:i-0abc1234def567890"]}`, ec2Terminated, false},
		// Arrays: a match needs one value in common.
		{"arrays intersect",
			`{"resources":["arn:aws:ec2:us-east-1:111111111111:instance/i-1","arn:aws:ec2:us-east-1:222222222222:instance/i-1","arn:aws:ec2:us-east-1:333333333333:instance/i-1"]}`,
			`{"resources":["arn:aws:autoscaling:us-east-1:111111111111:autoScalingGroup:x","arn:aws:ec2:us-east-1:111111111111:instance/i-1"]}`, true},
		// Null and the empty string are different values.
		{"empty string", `{"detail":{"eventVersion":[""]}}`, `{"detail":{"eventVersion":"","responseElements":null}}`, true},
		{"null", `{"detail":{"responseElements":[null]}}`, `{"detail":{"eventVersion":"","responseElements":null}}`, true},
		{"null is not empty", `{"detail":{"responseElements":[""]}}`, `{"detail":{"eventVersion":"","responseElements":null}}`, false},
		// Content filtering: every filter of the complex example at once.
		{"complex", complex, metricsEvent, true},
		{"complex one filter fails", complex, `{"time":"2017-10-02T07:30:12Z","detail":{"c-count":6,"d-count":7,"x-limit":301.8,"source-ip":"10.1.2.3","state":"running"}}`, false},
		{"complex excluded limit", complex, `{"time":"2017-10-02T07:30:12Z","detail":{"c-count":4,"d-count":7,"x-limit":200,"source-ip":"10.1.2.3","state":"running"}}`, false},
		{"complex other network", complex, `{"time":"2017-10-02T07:30:12Z","detail":{"c-count":4,"d-count":7,"x-limit":301.8,"source-ip":"192.168.0.1","state":"running"}}`, false},
		// exists:false on a field whose value is an object: it is not a leaf.
		{"exists false absent", `{"detail":{"c-count":[{"exists":false}]}}`,
			`{"detail-type":"EC2 Instance State-change Notification","detail":{"state":["initializing","running"]}}`, true},
		{"exists false object value", `{"detail":{"c-count":[{"exists":false}]}}`,
			`{"detail-type":"EC2 Instance State-change Notification","detail":{"state":["initializing","running"],"c-count":{"c1":100}}}`, true},
		// Region is not in the US; file names that are not PNGs.
		{"not us region", `{"region":[{"anything-but":{"prefix":"us-"}}]}`, ec2Terminated, true},
		{"not png", `{"FileName":[{"anything-but":{"suffix":".png"}}]}`, `{"FileName":"report.pdf"}`, true},
		// Wildcards over object keys.
		{"wildcard key", `{"detail":{"object":{"key":[{"wildcard":"*/stock/XYZ/*"}]}}}`,
			`{"detail":{"object":{"key":"2024-05-01/10/stock/XYZ/trades.csv"}}}`, true},
		{"wildcard key other symbol", `{"detail":{"object":{"key":[{"wildcard":"*/stock/XYZ/*"}]}}}`,
			`{"detail":{"object":{"key":"2024-05-01/10/stock/ABC/trades.csv"}}}`, false},
	})
}
