"""Print pip constraints pinning every direct dependency (and the test extra) to its declared minimum."""

import re
import sys
import tomllib
from pathlib import Path

project = tomllib.loads(Path(sys.argv[1] if len(sys.argv) > 1 else "pyproject.toml").read_text())["project"]
extras = sys.argv[2:] or ["test"]
for spec in project["dependencies"] + [d for e in extras for d in project["optional-dependencies"].get(e, [])]:
    m = re.match(r"([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*>=\s*([0-9][^,;\s]*)", spec)
    if m:
        print(f"{m.group(1)}=={m.group(3)}")
