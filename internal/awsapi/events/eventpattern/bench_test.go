package eventpattern

import (
	"encoding/json"
	"testing"
)

// An ECS task state change, the kind of event berth routes most.
const benchEvent = `{"version":"0","id":"3317b2af-7005-47ca-8d7b-1f6d4a1f4c3e","detail-type":"ECS Task State Change",
"source":"aws.ecs","account":"111122223333","time":"2024-05-01T12:00:00Z","region":"us-east-1",
"resources":["arn:aws:ecs:us-east-1:111122223333:task/web/8e4c2b7a1f9d4e6b8a3c5d7e9f1a2b3c"],
"detail":{"clusterArn":"arn:aws:ecs:us-east-1:111122223333:cluster/web","lastStatus":"STOPPED","desiredStatus":"STOPPED",
"stopCode":"EssentialContainerExited","cpu":"256","memory":"512","version":4,
"containers":[{"name":"app","lastStatus":"STOPPED","exitCode":1},{"name":"sidecar","lastStatus":"STOPPED","exitCode":0}]}}`

func BenchmarkMatch(b *testing.B) {
	patterns := map[string]string{
		"exact":   `{"source":["aws.ecs"],"detail-type":["ECS Task State Change"],"detail":{"lastStatus":["STOPPED"]}}`,
		"filters": `{"source":[{"prefix":"aws."}],"detail":{"stopCode":[{"anything-but":["UserInitiated"]}],"version":[{"numeric":[">=",2,"<",10]}],"containers":{"name":["app"],"exitCode":[{"numeric":[">",0]}]}}}`,
		"or":      `{"source":["aws.ecs"],"$or":[{"detail":{"lastStatus":["RUNNING"]}},{"detail":{"stopCode":[{"wildcard":"*Exited"}]}},{"detail":{"cpu":[{"exists":false}]}}]}`,
	}
	var ev map[string]any
	if err := json.Unmarshal([]byte(benchEvent), &ev); err != nil {
		b.Fatal(err)
	}
	for name, src := range patterns {
		p, err := Compile(src)
		if err != nil {
			b.Fatal(err)
		}
		if !p.MatchValue(ev) {
			b.Fatalf("%s does not match", name)
		}
		b.Run(name+"/MatchValue", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p.MatchValue(ev)
			}
		})
		b.Run(name+"/Match", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Match([]byte(benchEvent)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCompile(b *testing.B) {
	const src = `{"source":["aws.ecs"],"detail":{"stopCode":[{"anything-but":{"prefix":["User","Service"]}}],"containers":{"exitCode":[{"numeric":[">",0,"<=",255]}]}},"$or":[{"region":["us-east-1"]},{"region":[{"wildcard":"eu-*-1"}]}]}`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(src); err != nil {
			b.Fatal(err)
		}
	}
}
