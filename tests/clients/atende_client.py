"""A client of Atende's HTTP API as an integrator would write it: Python and `requests` only,
every path taken from the OpenAPI document (/openapi.json) by operationId.

  atende_client.py call BASE_URL TOKEN OPERATION_ID [JSON]   one call; prints the JSON answer
  atende_client.py follow TOKEN BASE_URL [BASE_URL ...]      GET /api/v1/events, for ever:
      prints each event as a JSON line; on a drop reconnects (to the next URL, in turn) with
      Last-Event-ID, so it misses nothing and gets nothing twice.
"""
import json
import re
import sys
import time

import requests


def operation(base, operation_id):
    document = requests.get(f"{base}/openapi.json", timeout=10).json()
    for path, methods in document["paths"].items():
        for method, entry in methods.items():
            if entry.get("operationId") == operation_id:
                return method, path
    raise SystemExit(f"no operation {operation_id}")


def call(base, token, operation_id, params):
    method, path = operation(base, operation_id)
    # Path parameters from the params; the rest is the query (GET) or the JSON body.
    for name in re.findall(r"\{(\w+)\}", path):
        path = path.replace("{" + name + "}", str(params.pop(name)))
    headers = {"Authorization": f"Bearer {token}"}
    if method == "get":
        answer = requests.get(f"{base}{path}", params=params, headers=headers, timeout=30)
    else:
        answer = requests.request(method.upper(), f"{base}{path}", json=params, headers=headers, timeout=30)
    print(json.dumps({"status": answer.status_code, "body": answer.json()}), flush=True)


def follow(token, bases):
    _, path = operation(bases[0], "streamEvents")
    last_id = None
    turn = 0
    while True:
        base = bases[turn % len(bases)]
        turn += 1
        headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
        if last_id is not None:
            headers["Last-Event-ID"] = last_id
        try:
            with requests.get(f"{base}{path}", headers=headers, stream=True, timeout=(3, 60)) as stream:
                if stream.status_code != 200:
                    print(json.dumps({"connectError": stream.status_code}), flush=True)
                    time.sleep(0.3)
                    continue
                print(json.dumps({"connected": base}), flush=True)
                name, event_id, data = None, None, []
                for line in stream.iter_lines(chunk_size=None, decode_unicode=True):
                    if line == "":
                        if data:
                            if event_id is not None:
                                last_id = event_id
                            print(json.dumps({"event": name, "id": event_id, "data": json.loads("\n".join(data))}), flush=True)
                        name, event_id, data = None, None, []
                        continue
                    if line.startswith(":"):
                        continue
                    field, _, value = line.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    if field == "event":
                        name = value
                    elif field == "id":
                        event_id = value
                    elif field == "data":
                        data.append(value)
        except requests.exceptions.RequestException as error:
            print(json.dumps({"dropped": type(error).__name__}), flush=True)
        time.sleep(0.2)


if __name__ == "__main__":
    if sys.argv[1] == "call":
        call(sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5]) if len(sys.argv) > 5 else {})
    else:
        follow(sys.argv[2], sys.argv[3:])
