#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks packaging/greengrass/recipe.yaml: it parses, and grants exactly what the agent uses.

Run by CTest (greengrass.recipe). Exit 0 when the recipe is right, else 1 with the reasons.
"""
import sys

import yaml

TOPIC = "$aws/things/+/defender/metrics/"
# --mirror-topic dt/defender/{thingName}/metrics/{format} (docs/aws-quickstart.md, step 7), thing and format as `+`.
MIRROR = "dt/defender/+/metrics/+"


def main(path):
    with open(path, encoding="utf-8") as handle:
        recipe = yaml.safe_load(handle)
    problems = []

    def expect(condition, message):
        if not condition:
            problems.append(message)

    expect(recipe.get("RecipeFormatVersion") == "2020-01-25", "RecipeFormatVersion is not 2020-01-25")
    name = recipe.get("ComponentName", "")
    config = recipe["ComponentConfiguration"]["DefaultConfiguration"]
    expect(config.get("SampleIntervalSeconds") == "300",
           "SampleIntervalSeconds must default to the string '300'")
    policies = config["accessControl"]["aws.greengrass.ipc.mqttproxy"]
    granted = {}
    for policy_id, policy in policies.items():
        expect(policy_id.startswith(name + ":mqttproxy:"),
               f"policy id {policy_id} is not <component>:mqttproxy:<n> (ids must be unique)")
        for operation in policy["operations"]:
            granted.setdefault(operation, set()).update(policy["resources"])
    for resources in granted.values():
        for resource in resources:
            expect("{iot:thingName}" not in resource,
                   f"{resource}: nucleus versions without interpolation refuse it")
    expect(granted.get("aws.greengrass#PublishToIoTCore") ==
           {TOPIC + "json", TOPIC + "cbor", MIRROR},
           "PublishToIoTCore must cover the json and cbor topics and the default mirror topic")
    expect(granted.get("aws.greengrass#SubscribeToIoTCore") ==
           {TOPIC + f"{fmt}/{kind}" for fmt in ("json", "cbor") for kind in ("accepted", "rejected")},
           "SubscribeToIoTCore must cover the four reply topics")
    expect(set(granted) == {"aws.greengrass#PublishToIoTCore", "aws.greengrass#SubscribeToIoTCore"},
           "no other IPC operations are needed")

    manifest = recipe["Manifests"][0]
    lifecycle = manifest["Lifecycle"]
    expect(manifest["Platform"]["os"] == "linux", "the manifest must be for linux")
    expect(lifecycle["Setenv"].get("SAMPLE_INTERVAL_SECONDS") == "{configuration:/SampleIntervalSeconds}",
           "SAMPLE_INTERVAL_SECONDS must come from the configuration")
    expect(lifecycle["Setenv"].get("DEFENDER_AGENT_CONFIGURATION") ==
           "{configuration:/AgentConfiguration}",
           "DEFENDER_AGENT_CONFIGURATION must come from the configuration")
    expect(isinstance(config.get("AgentConfiguration"), str),
           "AgentConfiguration must default to a string (agent.conf text)")
    script = lifecycle["Run"]["Script"]
    expect("exec '{artifacts:path}/defender' agent --greengrass --config agent.conf" in script,
           "Run must exec the artifact with agent --greengrass --config agent.conf")
    expect('"$DEFENDER_AGENT_CONFIGURATION" > agent.conf' in script and "umask 077" in script,
           "Run must write AgentConfiguration to agent.conf from the environment, private")
    expect("{configuration:" not in script,
           "configuration must reach the script through Setenv, not be pasted into it")
    artifact = manifest["Artifacts"][0]
    expect(artifact["URI"].endswith("/defender") and artifact["Permission"]["Execute"] == "OWNER",
           "the artifact must be the executable defender")
    expect(f"/{recipe['ComponentVersion']}/" in artifact["URI"],
           "the artifact URI must carry the component version")

    for problem in problems:
        print(f"{path}: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
