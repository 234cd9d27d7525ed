"""`make demo`: show ocitrace at work (placeholder until the registry demo lands)."""

import subprocess
import sys

sys.exit(subprocess.call([sys.executable, "-m", "ocitrace", "--version"]))
