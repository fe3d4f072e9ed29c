"""The README's example and examples/quickstart.py run as written."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

from support import PACKAGE_DIR, child_env


class ReadmeTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="offlog-py-readme-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def run_python(self, *args):
        out = subprocess.run([sys.executable] + list(args), cwd=self.tmp, env=child_env(),
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        return out.stdout

    def test_readme_example(self):
        with open(os.path.join(PACKAGE_DIR, "README.md"), encoding="utf-8") as f:
            code = re.search(r"```python\n(.*?)```", f.read(), re.S).group(1)
        self.assertEqual(len([line for line in code.splitlines() if line.strip()]), 10)
        script = os.path.join(self.tmp, "example.py")
        with open(script, "w") as f:
            f.write(code)
        self.assertEqual(self.run_python(script), "readings 0 0 b'sensor-7' b'21.5'\n")
        # Run again: the group resumes after the record it committed.
        self.assertEqual(self.run_python(script), "readings 0 1 b'sensor-7' b'21.5'\n")

    def test_quickstart_example(self):
        out = self.run_python(os.path.join(PACKAGE_DIR, "examples", "quickstart.py"))
        self.assertIn("produced 1200 records; per partition: "
                      "150 150 180 90 120 60 150 90 60 0 30 120", out)
        self.assertIn("restarted: resumes at the committed offsets: yes", out)
        self.assertIn("consumed the remaining 700 records and committed: total lag 0", out)


if __name__ == "__main__":
    unittest.main()
