-- wrk script: zapw sends on the default session (see mock_bridge/README.md, Benchmark).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"to":"15550001111","type":"text","text":"Hello from the benchmark, a reply of ordinary length."}'
