-- wrk script: non-streaming OpenAI chat completions against the mock LLM.
-- wrk -t1 -c32 -d10s -s mock_llm/bench/openai_chat.lua http://127.0.0.1:4000/v1/chat/completions
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench-key"
wrk.body = '{"model":"gpt-4o-mini","temperature":0.7,"max_tokens":1000,"messages":[' ..
  '{"role":"system","content":"You are a WhatsApp assistant. Reply briefly in plain text."},' ..
  '{"role":"user","content":"My name is Alice"},' ..
  '{"role":"assistant","content":"Nice to meet you, Alice!"},' ..
  '{"role":"user","content":"What is my name?"}]}'

local bad = 0
response = function(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("non-200 responses: %d\n", bad))
end
