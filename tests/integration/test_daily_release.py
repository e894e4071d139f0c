"""The daily pipeline on the fraud feed, at a reduced size, as it runs on AWS: the feed lands in
S3 (moto on loopback) one day at a time, `inferno retrain` trains, gates against production on
the newest day and starts a shadow rollout, the service under uvicorn compares the candidate on
live traffic, and `inferno rollout judge` (the scheduled judge's code) decides.

Day 1 brings a new fraud tactic: its candidate wins on day 1's data and is promoted. Day 2's
labels arrive flipped (an inverted flag upstream): the candidate wins on its own broken data, so
the gate lets it through, and the rollout stops it on live traffic. Day 3's labels are shuffled
(a bad join): the gate refuses it. Production is never touched by a broken day."""

import json
import time
import uuid
from pathlib import Path

import boto3
import httpx

from model_build.examples.fraud_feed import day_folder, write_days
from tests.support.cli import inferno, judged
from tests.support.fraud_versions import NAME, requests_of
from tests.support.servers import moto_server, uvicorn_server

ROWS = 2000
FEED = f"training-data/{NAME}"


def published(output: str) -> str:
    (line,) = [line for line in output.splitlines() if ": published " in line]
    return line.split(": published ")[1].split()[0]


def test_a_new_model_every_day_promoted_when_it_wins_stopped_when_its_day_is_broken(
    tmp_path: Path,
) -> None:
    feed = tmp_path / "feed"
    write_days(feed, range(4), ROWS, broken={2: "flipped", 3: "shuffled"})
    bucket = f"inferno-daily-{uuid.uuid4().hex[:8]}"
    with moto_server() as endpoint:
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        s3.create_bucket(Bucket=bucket)
        env = {
            "AWS_ENDPOINT_URL_S3": endpoint,
            "MODEL_BUCKET_NAME": bucket,
            "MODEL_PREFIX": "models",
            "MODEL_NAME": NAME,
            "ROLLOUT_REFRESH_SECONDS": "0.5",
            "MODEL_REFRESH_SECONDS": "0.5",  # a promotion is served within half a second
        }
        data = f"s3://{bucket}/{FEED}"

        def lands(day: int) -> None:
            folder = day_folder(feed, day)
            for path in folder.iterdir():
                s3.upload_file(str(path), bucket, f"{FEED}/{folder.name}/{path.name}")

        # The model's rollout policy: every request shadowed, decided after 150 comparisons.
        defaults = tmp_path / "defaults.json"
        defaults.write_text(
            json.dumps(
                {"mode": "shadow", "share": 1.0, "policy": {"min_compared": 150,
                 "min_agreement": 0.85, "max_latency_ratio": 5}}
            )
        )  # fmt: skip
        inferno("rollout", "policy", NAME, "--set", str(defaults), env=env)

        # Day 0: the first version; nothing to compare with, an operator makes it production.
        lands(0)
        first = published(inferno("retrain", NAME, "--data", data, env=env))
        inferno("alias", NAME, "production", first, env=env)

        with uvicorn_server(env, tmp_path / "server.log") as server:
            client = httpx.Client(base_url=server.url, timeout=30)

            def traffic(day: int) -> set[str]:
                time.sleep(1.5)  # the service follows the new rollout within its refresh
                answers = [
                    client.post(f"/models/{NAME}/predict", json=row).raise_for_status().json()
                    for row in requests_of(day, 200, seed=11)
                ]
                return {answer["version"] for answer in answers}

            # Day 1: a new tactic. The candidate beats production on the day's held-out rows,
            # shadows live traffic, agrees enough and is promoted.
            lands(1)
            output = inferno("retrain", NAME, "--data", data, env=env)
            second = published(output)
            gate = [line for line in output.splitlines() if "held out.macro_f1" in line]
            assert gate and "(+" in gate[0], output
            assert "shadow rollout of" in output
            assert traffic(1) == {first}  # a shadow never answers
            assert f"{NAME}: promote:" in judged(NAME, env, code=0)

            # Day 2: labels flipped upstream. Trained on that day alone, the candidate wins on
            # its own broken held-out rows, so the gate passes it; live traffic does not.
            lands(2)
            output = inferno("retrain", NAME, "--data", data, "--window-days", "1", env=env)
            assert "shadow rollout of" in output
            assert traffic(2) == {second}
            verdict = judged(NAME, env, code=3)
            assert f"{NAME}: abort: agreement" in verdict, verdict

            # Day 3: labels shuffled. The gate refuses it: nothing is published.
            lands(3)
            versions_before = inferno("models", env=env)
            refused = inferno(
                "retrain", NAME, "--data", data, "--window-days", "1", env=env, code=1
            )
            assert "below" in refused or "< floor" in refused, refused
            assert inferno("models", env=env) == versions_before
            assert traffic(3) == {second}
            client.close()

        # The history keeps each decision with its figures.
        history = [
            json.loads(line) for line in inferno("rollout", "history", NAME, env=env).splitlines()
        ]
        assert [(h["candidate"], h["state"]) for h in history][-2:] == [
            (second, "promoted"),
            (history[-1]["candidate"], "aborted"),
        ]
        print("daily release history:", json.dumps(history[-2:], indent=1))
