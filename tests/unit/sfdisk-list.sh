#!/bin/sh
# List a disk image's partitions as sfdisk --json sees them, one per line:
#   NUMBER START SIZE TYPE UUID NAME   (GPT: GUIDs in lower case; MBR: TYPE in hex, UUID -)
# test_gpt compares Keel's reading of the same image with this.
sfdisk --json "$1" | python3 -c '
import json, re, sys
t = json.load(sys.stdin)["partitiontable"]
for p in t["partitions"]:
    n = re.search(r"(\d+)$", p["node"]).group(1)
    print(n, p["start"], p["size"], p["type"].lower(), p.get("uuid", "-").lower(), p.get("name", ""))
'
