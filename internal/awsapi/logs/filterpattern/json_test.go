package filterpattern

import (
	"slices"
	"testing"
)

// trailEvent is AWS's sample JSON log event, on one line as AWS asks, plus
// the ThisFlag of its older page.
const trailEvent = `{"eventType": "UpdateTrail", "sourceIPAddress": "111.111.111.111",` +
	` "arrayKey": ["value", "another value"],` +
	` "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}],` +
	` "SomeObject": null, "cluster.name": "c", "ThisFlag": true}`

// usersEvent is AWS's sample for compound expressions.
const usersEvent = `{"user": {"id": 1, "email": "John.Stiles@example.com"},` +
	` "users": [{"id": 2, "email": "John.Doe@example.com"}, {"id": 3, "email": "Jane.Doe@example.com"}],` +
	` "actions": ["GET", "PUT", "DELETE"],` +
	` "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]]}`

// metricsEvent carries the fields of AWS's numeric examples.
const metricsEvent = `{"bandwidth": 80, "latency": 20, "refreshRate": 60, "responseTime": 5,` +
	` "errorCode": 400, "number": [1000, 0.001], "numbers": [9, 0.005],` +
	` "processes": [{}, {}, {}, {}, {"averageRuntime": 55.5}]}`

func TestMatchJSON(t *testing.T) {
	cases := slices.Concat(
		// AWS's examples on trailEvent: every one matches.
		rows(`{ $.eventType = "UpdateTrail" }`, yes(trailEvent, `{"eventType":"UpdateTrail"}`),
			`{"eventType": "UpdateTrails"}`, `{"eventType": ["UpdateTrail"]}`, `{"other": "UpdateTrail"}`),
		rows(`{ $.sourceIPAddress != 123.123.* }`, yes(trailEvent), `{"sourceIPAddress": "123.123.4.5"}`, `{"other": 1}`),
		rows(`{ $.arrayKey[0] = "value" }`, yes(trailEvent), `{"arrayKey": ["another value", "value"]}`, `{"arrayKey": "value"}`),
		rows(`{ $.eventType = %Trail% }`, yes(trailEvent), `{"eventType": "UpdateTrial"}`),
		rows(`{ $.arrayKey[*] = %val.{2}% }`, yes(trailEvent), `{"arrayKey": ["va", "v"]}`),
		rows(`{ $.* = %111\.111\.111\.1[0-9]{1,2}% }`, yes(trailEvent), `{"ip": "112.111.111.111"}`, `{"a": {"ip": "111.111.111.111"}}`),
		rows(`{ $.['cluster.name'] = "c" }`, yes(trailEvent), `{"cluster": {"name": "c"}}`),
		rows(`{ $['cluster.name'] = "c" && $.["cluster.name"] = c }`, yes(trailEvent)),
		rows(`{ $.SomeObject IS NULL }`, yes(trailEvent), `{"SomeObject": "null"}`, `{"other": null}`),
		rows(`{ $.SomeOtherObject NOT EXISTS }`, yes(trailEvent, `{}`), `{"SomeOtherObject": null}`),
		rows(`{ $.objectList[1].id = 2 }`, yes(trailEvent), `{"objectList": [{"id": 2}]}`, `{"objectList": {"1": {"id": 2}}}`),
		rows(`{ $.ThisFlag IS TRUE }`, yes(trailEvent), `{"ThisFlag": "true"}`, `{"ThisFlag": false}`),
		rows(`{ $.ThisFlag IS FALSE }`, yes(`{"ThisFlag": false}`), trailEvent),
		rows(`{ $.SomeObject is null && $.ThisFlag Is True && $.x not exists }`, yes(trailEvent)),
		// Selectors that land on no value node match neither = nor !=.
		rows(`{ $.users = 1 }`, nil, `{"users": [1, 2, 3]}`),
		rows(`{ $.users != 1 }`, nil, `{"users": [1, 2, 3]}`, `{"users": {"a": 2}}`, `{"users": null}`, `{"users": true}`, `{}`),
		// Wildcards inside string values, at the start or end only.
		rows(`{ $.eventType = *Trail }`, yes(trailEvent), `{"eventType": "TrailUpdate"}`),
		rows(`{ $.eventType = Update* }`, yes(trailEvent), `{"eventType": "PutTrail"}`),
		rows(`{ $.eventType = "*date*" }`, yes(trailEvent), `{"eventType": "PutTrail"}`),
		rows(`{ $.eventType = Up*ail }`, yes(`{"eventType": "Up*ail"}`), trailEvent),
		rows(`{ $.latency = * }`, yes(`{"latency": 12}`, `{"latency": "slow"}`), `{"latency": null}`, `{"x": 1}`),
		rows(`{ $.status = 4* }`, yes(`{"status": 404}`, `{"status": "403"}`), `{"status": 500}`),
		// Strings with and without quotes, escapes on both sides.
		rows(`{$.foo = bar}`, yes(`{"foo": "bar"}`), `{"foo": "baz"}`),
		rows(`{$.foo = baz }`, yes(`{"foo": "baz"}`), `{"foo": "bar"}`),
		rows(`{$.foo = bar || $.foo = baz }`, yes(`{"foo": "bar"}`, `{"foo": "baz"}`), `{"foo": "qux"}`),
		rows(`{ $.msg = "say \"hi\"" }`, yes(`{"msg": "say \"hi\""}`, `{"msg": "say \u0022hi\u0022"}`), `{"msg": "say hi"}`),
		rows(`{ $.name = "café" && $.key = v }`, yes(`{"name": "caf\u00e9", "k\u0065y": "v"}`)),
		rows(`{ $.emoji = "😀" }`, yes(`{"emoji": "\ud83d\ude00"}`, `{"emoji": "😀"}`)),
		rows(`{ $.email = "John.Doe@example.com" }`, yes(`{"email": "John.Doe@example.com"}`)),
		// Numbers.
		rows(`{ $.bandwidth > 75 }`, yes(metricsEvent), `{"bandwidth": 75}`),
		rows(`{ $.latency < 50 }`, yes(metricsEvent), `{"latency": 50}`),
		rows(`{ $.refreshRate >= 60 }`, yes(metricsEvent), `{"refreshRate": 59.9}`),
		rows(`{ $.responseTime <= 5 }`, yes(metricsEvent), `{"responseTime": 5.01}`),
		rows(`{ $.errorCode = 400}`, yes(metricsEvent, `{"errorCode": 400.0}`, `{"errorCode": 4e2}`, `{"errorCode": "400"}`), `{"errorCode": 404}`),
		rows(`{ $.errorCode != 500 }`, yes(metricsEvent), `{"errorCode": 500}`, `{"errorCode": "500.0"}`),
		rows(`{ $.number[0] = 1e+3 }`, yes(metricsEvent)),
		rows(`{ $.number[0] != 1e-3 }`, yes(metricsEvent), `{"number": [0.001]}`),
		rows(`{ $.numbers[0] < 10e3 }`, yes(metricsEvent), `{"numbers": [10000]}`),
		rows(`{ $.numbers[1] < 10e-3 }`, yes(metricsEvent), `{"numbers": [1, 0.01]}`),
		rows(`{ $.processes[4].averageRuntime <= 55.5 }`, yes(metricsEvent), `{"processes": [{"averageRuntime": 1}]}`),
		rows(`{ $.latency > +1000 }`, yes(`{"latency": 1500}`), metricsEvent),
		rows(`{ $.latency >= 500 }`, yes(`{"latency": 500}`, `{"latency": "750"}`), `{"latency": "fast"}`, `{"latency": [600]}`),
		rows(`{ $.t > -1.5 && $.t < .5 }`, yes(`{"t": -1}`, `{"t": 0.25}`), `{"t": -2}`, `{"t": 0.5}`),
		// AWS's compound examples on usersEvent.
		rows(`{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }`, yes(usersEvent)),
		rows(`{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch" && $.actions[2] = "nonmatch" }`, yes(usersEvent)),
		rows(`{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }`, yes(usersEvent)),
		rows(`{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch") && $.actions[2] = "nonmatch" }`, nil, usersEvent),
		rows(`{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }`, nil, usersEvent),
		rows(`{ $.coordinates[1][2] = 6 && $.actions[*] = PUT && $.users[*].id = 3 }`, yes(usersEvent)),
		rows(`{ (($.user.id = 1)) }`, yes(usersEvent)),
		// Wildcards select members of objects and elements of arrays.
		rows(`{ $.user.* = 1 }`, yes(usersEvent)),
		rows(`{ $.user[*] = 1 }`, yes(usersEvent)),
		rows(`{ $.actions.* = DELETE }`, yes(usersEvent)),
		rows(`{ $.users[*].phone NOT EXISTS }`, yes(usersEvent), `{"users": [{"phone": 1}]}`),
		rows(`{ $.users[*].phone IS NULL }`, yes(`{"users": [{"phone": 1}, {"phone": null}]}`), usersEvent),
		// Names with '-' and '_', and other keys in brackets.
		rows(`{ $.request-id = abc && $.trace_id = def }`, yes(`{"request-id": "abc", "trace_id": "def"}`)),
		rows(`{ $.['@timestamp'] = "2024" && $.['a b'] = 1 && $.['it\'s'] = 2 }`, yes(`{"@timestamp": "2024", "a b": 1, "it's": 2}`)),
		// Duplicate keys: any of them.
		rows(`{ $.a = 2 }`, yes(`{"a": 1, "a": 2}`)),
	)
	runMatchCases(t, cases)
}

// A JSON pattern matches only messages that are one valid JSON object.
func TestMatchJSONNeedsJSON(t *testing.T) {
	for _, pattern := range []string{`{ $.a = 1 }`, `{ $.b NOT EXISTS }`, `{ $.a = * }`} {
		cases := rows(pattern, yes(`{"a": 1}`, "  \t{\"a\":1}\n"),
			`a = 1`, `INFO {"a": 1}`, `{"a": 1} trailing`, `{"a": 1`, `{"a": 01}`, `{"a": 1,}`,
			`{'a': 1}`, `{"a": 1}{"a": 1}`, `[{"a": 1}]`, `{"a": "tab	in string", "b": 1}`, ``, `{`)
		runMatchCases(t, cases)
	}
}
