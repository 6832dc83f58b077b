"""Ecosystem files in the forms PM2 reads: JSON5 .json files, YAML, a
package.json's "pm2" key, JSON5 on stdin (`pm start -`), the sample that
`pm init` writes, PM2's field aliases and quoted numbers, increment_var and
append_env_to_name."""

import os
import subprocess

from harness import PM, SLEEPER, PmTestCase, free_port, http_get, main

PORT_SERVER = """\
import http.server, os

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"port {os.environ['PORT']} instance {os.environ['NODE_APP_INSTANCE']}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
"""


class EcosystemFormats(PmTestCase):
    def test_json5_file_with_comments_aliases_and_quoted_numbers(self):
        self.write("worker.py", SLEEPER)
        self.write("ecosystem.json", """\
// PM2 evaluates .json files as JavaScript, so people write this
{
  apps: [
    {
      name: 'api',               /* single quotes, unquoted keys */
      cmd: 'worker.py',          // PM2's alias of script
      instances: "2",
      max_restarts: '50',
      autorestart: 'true',
      env: {GREETING: 'json5',},
    },
  ],
}
""")
        result = self.pm("start", "ecosystem.json")
        self.assertEqual(result.stderr, "", "no warning for what PM2 accepts")
        self.assertEqual(len(self.wait_ready("api", 2)), 2)
        self.wait_log(self.log_path("api", 0), "up json5 []")
        self.assertIn("50", [line.split()[-1] for line in
                             self.pm("describe", "api").stdout.splitlines()
                             if "max restarts" in line])

    def test_a_json5_mistake_names_file_line_and_what_was_expected(self):
        self.write("worker.py", SLEEPER)
        self.write("ecosystem.json", "{\n  apps: [{name: 'a'\n    script: 'worker.py'}]\n}\n")
        result = self.pm("start", "ecosystem.json", check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("ecosystem.json:3:5: expected ',' or '}' after the value of \"name\", "
                      "got 's'; nothing was started", result.stderr)
        self.assertEqual(self.jlist(), [])

    def test_yaml_file_with_anchors(self):
        self.write("worker.py", SLEEPER)
        self.write("ecosystem.yml", """\
defaults: &defaults
  script: worker.py
  env:
    GREETING: from yaml
apps:
  - <<: *defaults
    name: one
  - <<: *defaults
    name: two
    args: [--two]
""")
        self.pm("start", "ecosystem.yml")
        self.wait_log(self.log_path("one", 0), "up from yaml []")
        self.wait_log(self.log_path("two", 0), "up from yaml ['--two']")
        self.write("broken.yaml", "apps:\n  - name: [x\n")
        result = self.pm("start", "broken.yaml", check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("broken.yaml:3:1:", result.stderr)

    def test_package_json_pm2_key(self):
        self.write("worker.py", SLEEPER)
        self.write("package.json", """{"name": "shop", "version": "1.0.0",
            "pm2": [{"name": "shop-worker", "script": "worker.py",
                     "env": {"GREETING": "from package.json"}}]}""")
        self.pm("start", "package.json")
        self.wait_log(self.log_path("shop-worker", 0), "up from package.json []")
        os.makedirs(os.path.join(self.tmp, "sub"))
        self.write("sub/package.json", '{"name": "plain", "main": "index.js"}')
        result = self.pm("start", "sub/package.json", check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn('sub/package.json: no "pm2" key', result.stderr)

    def test_start_dash_reads_json5_from_stdin(self):
        self.write("worker.py", SLEEPER)
        text = "{apps: [{name: 'piped', script: 'worker.py', env: {GREETING: 'stdin'},},],}"
        result = subprocess.run([PM, "start", "-"], input=text, env=self.env, cwd=self.tmp,
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("started piped", result.stdout)
        self.wait_log(self.log_path("piped", 0), "up stdin []")
        bad = subprocess.run([PM, "start", "-"], input="{apps: [", env=self.env, cwd=self.tmp,
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("stdin:1:9: expected a value, got the end of the document", bad.stderr)

    def test_init_writes_a_sample_that_starts(self):
        self.write("index.js", "console.log('sample up'); setInterval(() => {}, 1000);\n")
        result = self.pm("init")
        path = os.path.join(self.tmp, "ecosystem.config.js")
        self.assertIn(f"File {path} generated", result.stdout)
        with open(path) as f:
            sample = f.read()
        self.assertIn("//", sample, "the sample explains its fields")
        self.pm("start", "ecosystem.config.js")
        self.wait_ready("api", 1)
        self.wait_log(self.log_path("api", 0), "sample up")

        with open(path, "w") as f:
            f.write("// mine\n")
        again = self.pm("ecosystem", check=False)
        self.assertEqual(again.returncode, 1)
        self.assertIn("already exists", again.stderr)
        with open(path) as f:
            self.assertEqual(f.read(), "// mine\n", "an existing file is kept")
        self.pm("init", "--force")
        with open(path) as f:
            self.assertEqual(f.read(), sample)

    def test_increment_var_gives_each_instance_its_own_port(self):
        base = free_port()
        while free_port() != base + 1:
            base = free_port()
        self.write("port_server.py", PORT_SERVER)
        self.write("ecosystem.json", f"""{{apps: [{{
            name: 'web', script: 'port_server.py', instances: 2,
            increment_var: 'PORT', env: {{PORT: {base}}}}}]}}""")
        self.pm("start", "ecosystem.json")
        rows = self.wait_ready("web", 2)
        answers = {self.wait_for(lambda: self._get(port), f"an answer on port {port}")
                   for port in (base, base + 1)}
        self.assertEqual(answers, {f"port {base} instance 0", f"port {base + 1} instance 1"})
        env = self.pm("env", str(rows[1]["id"])).stdout.splitlines()
        self.assertIn(f"PORT={base + 1}", env)

    def _get(self, port):
        try:
            return http_get(port, timeout=2)
        except OSError:
            return None

    def test_append_env_to_name(self):
        self.write("worker.py", SLEEPER)
        self.write("ecosystem.json", """{"apps": [
            {"name": "api", "script": "worker.py", "append_env_to_name": true,
             "env_production": {"GREETING": "prod"}},
            {"name": "jobs", "script": "worker.py"}]}""")
        self.pm("start", "ecosystem.json", "--env", "production", "--only", "api")
        self.assertEqual([row["name"] for row in self.jlist()], ["api-production"])
        self.wait_log(self.log_path("api-production", 0), "up prod []")
        self.pm("start", "ecosystem.json", "--only", "jobs")
        self.assertEqual(sorted(row["name"] for row in self.jlist()), ["api-production", "jobs"])

    def test_cron_with_a_seconds_field_reloads_on_time(self):
        self.write("worker.py", SLEEPER)
        self.write("ecosystem.json", """{apps: [{name: 'tick', script: 'worker.py',
            cron: '*/2 * * * * *', listen_timeout: 100}]}""")
        self.pm("start", "ecosystem.json")
        first = self.wait_ready("tick", 1)[0]["pid"]
        self.wait_for(lambda: [r for r in self.rows("tick") if r["pid"] not in (first, None, 0)],
                      "the 6-field cron_restart to reload tick (pid changes)")
        self.assertIn('cron_restart "*/2 * * * * *"', self.pmd_log())


if __name__ == "__main__":
    main()
