"""The hostile sandbox program: what a competitor's code runs inside a platform sandbox.

The test writes this file, ``jailbreak.py`` and ``orders.json`` into a sandbox's workspace
and runs ``python3 sandbox_attack.py [ATTACK...]`` there (the sandbox's own system Python):
the attacks named on its command line, else every one the orders list. They are those of
``jailbreak.py``, the sandbox's resource attacks (memory across processes, ``/tmp``, the
workspace's disk) included. One JSON line per attack on stdout.
"""

import json
import sys

import jailbreak

if __name__ == "__main__":
    with open("orders.json", encoding="utf-8") as file:
        orders = json.load(file)
    orders["attacks"] = sys.argv[1:] or orders["attacks"]
    jailbreak.run(orders)
