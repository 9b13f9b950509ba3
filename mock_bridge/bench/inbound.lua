-- wrk script: simulated inbound messages, each delivered as a webhook (see README, Benchmark).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"from":"15550001111","text":"Hello Zapa, this is an inbound benchmark message."}'
