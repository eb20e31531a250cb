"""The one time unit of the tests: every wait, deadline and test-server window derives from
TIMEOUT. A slow machine sets WSCLI_TEST_TIMEOUT_SCALE (e.g. 3) to stretch them all."""

import os

SCALE = float(os.environ.get("WSCLI_TEST_TIMEOUT_SCALE", "1"))
#: The longest any single wait in a test may take before it fails.
TIMEOUT = 20.0 * SCALE
