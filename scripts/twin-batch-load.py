#!/usr/bin/env python3
"""Times Twin24 candidate batches against a running Parley (docs/PERFORMANCE.md).

Start a server, then run this from the repository root:

    cargo build --release -p parley-server
    target/release/parley serve --demo --data-dir /tmp/batch-load --port 8093 &
    python3 scripts/twin-batch-load.py --base http://127.0.0.1:8093

It logs in through the Twin24 face with the demo admin, and for each size creates a call task of
the demo voice bot (agent 2) and posts one batch of that many candidates, each with a number, a
`clientExternalId`, a Cyrillic variable and `callbackData`, three times. It prints the time to
the answer, by which every candidate is queued. Only the standard library is used.
"""

import argparse
import json
import time
import urllib.request


def post(base, path, body, token=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = "Bearer " + token
    request = urllib.request.Request(
        base + path, data=json.dumps(body).encode(), method="POST", headers=headers
    )
    with urllib.request.urlopen(request, timeout=300) as reply:
        return json.loads(reply.read())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8080", help="the server's URL")
    parser.add_argument("--email", default="demo@parley.local")
    parser.add_argument("--password", default="parley-demo")
    parser.add_argument("--bot", type=int, default=2, help="the voice agent's id")
    parser.add_argument("--sizes", default="1000,5000,10000", help="batch sizes, comma separated")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    login = {"email": args.email, "password": args.password, "ttl": 3600}
    token = post(args.base, "/api/v1/auth/login", login)["token"]
    for size in (int(s) for s in args.sizes.split(",")):
        times = []
        for run in range(args.runs):
            task_body = {"name": f"batch load {size} #{run}", "defaultExecData": args.bot}
            task = post(args.base, "/api/v1/telephony/autoCall", task_body, token)["id"]["identity"]
            batch = [
                {
                    "phone": [f"79{run % 10}{size % 10}{n:07d}"],
                    "autoCallId": task,
                    "clientExternalId": f"c{n}",
                    "variables": {"client_name": f"Клиент {n}"},
                    "callbackData": {"orderId": n},
                }
                for n in range(size)
            ]
            body = {"batch": batch}
            started = time.perf_counter()
            answer = post(args.base, "/api/v1/telephony/autoCallCandidate/batch", body, token)
            times.append(time.perf_counter() - started)
            if answer.get("count") != size:
                raise SystemExit(f"expected {size} candidates in the answer: {answer}")
        megabytes = len(json.dumps(body).encode()) / 1e6
        print(f"{size} candidates ({megabytes:.1f} MB): " + ", ".join(f"{t:.2f} s" for t in times))


if __name__ == "__main__":
    main()
