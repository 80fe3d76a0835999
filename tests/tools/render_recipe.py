#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Does what the Greengrass nucleus does with packaging/greengrass/recipe.yaml before it runs
the component: merges a configuration update into DefaultConfiguration and interpolates
{artifacts:path} and {configuration:/Key} in Setenv and the Run script. Prints JSON:
{"script": "...", "env": {"NAME": "value", ...}} for a test to run with `sh -c`.

Usage: render_recipe.py RECIPE ARTIFACTS_DIR [MERGE_JSON]
"""
import json
import re
import sys

import yaml


def main(recipe_path, artifacts, merge):
    with open(recipe_path, encoding="utf-8") as handle:
        recipe = yaml.safe_load(handle)
    config = dict(recipe["ComponentConfiguration"]["DefaultConfiguration"])
    config.update(json.loads(merge) if merge else {})

    def interpolate(text):
        text = text.replace("{artifacts:path}", artifacts)
        return re.sub(r"\{configuration:/([A-Za-z0-9]+)\}", lambda m: str(config[m.group(1)]), text)

    lifecycle = recipe["Manifests"][0]["Lifecycle"]
    env = {name: interpolate(str(value)) for name, value in lifecycle.get("Setenv", {}).items()}
    print(json.dumps({"script": interpolate(lifecycle["Run"]["Script"]), "env": env}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else ""))
