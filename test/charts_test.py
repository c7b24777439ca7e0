#!/usr/bin/python3
"""Checks charts/ucr without helm (Debian 12 has none): Chart.yaml and values.yaml parse,
every template renders (test/gotemplate_lite.py) to valid YAML, the DaemonSet mounts every
hostPaths entry, and the rendered config.toml is accepted by the real `ucrd config` with
exactly ucrd's own defaults.

    /usr/bin/python3 test/charts_test.py --ucrd build/ucrd/ucrd [--chart charts/ucr]
"""
import argparse
import copy
import os
import subprocess
import sys
import tempfile
import tomllib
import unittest

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gotemplate_lite import Renderer, RenderError  # noqa: E402

ARGS = None
MANIFESTS = ("configmap.yaml", "daemonset.yaml", "serviceaccount.yaml")


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def render(values, release="ucr", namespace="kube-system"):
    """Renders every template like `helm template`; returns {file name: text}."""
    chart = load_yaml(os.path.join(ARGS.chart, "Chart.yaml"))
    tdir = os.path.join(ARGS.chart, "templates")
    renderer = Renderer()
    for name in sorted(os.listdir(tdir)):
        with open(os.path.join(tdir, name), encoding="utf-8") as f:
            renderer.add("ucr/templates/" + name, f.read())
    dot = {
        "Values": values,
        "Release": {"Name": release, "Namespace": namespace, "Service": "Helm"},
        "Chart": {"Name": chart["name"], "Version": chart["version"],
                  "AppVersion": chart["appVersion"]},
        "Template": {"BasePath": "ucr/templates"},
    }
    return {name: renderer.render("ucr/templates/" + name, dot)
            for name in sorted(os.listdir(tdir)) if not name.startswith("_")}


def default_values():
    values = load_yaml(os.path.join(ARGS.chart, "values.yaml"))
    values["image"]["repository"] = "registry.invalid/ucr/ucrd"
    return values


def ucrd_config(toml_text):
    """Runs `ucrd config --config <file>`; returns (exit code, stdout, stderr)."""
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
        f.write(toml_text)
    try:
        p = subprocess.run([ARGS.ucrd, "config", "--config", f.name], capture_output=True,
                           text=True, timeout=30)
        return p.returncode, p.stdout, p.stderr
    finally:
        os.unlink(f.name)


class TemplateEvaluator(unittest.TestCase):
    """gotemplate_lite against outputs Go's text/template (with Helm's nil printing) gives."""

    def run_template(self, text, data):
        r = Renderer()
        r.add("t", text)
        return r.render("t", data)

    def test_go_semantics(self):
        cases = [
            ('a {{- " b" -}}\n  c', {}, "a bc"),
            ("{{ range $k, $v := .m }}{{ $k }}={{ $v }};{{ end }}", {"m": {"b": 2, "a": 1}},
             "a=1;b=2;"),
            ("{{ range .l }}[{{ . }}]{{ else }}none{{ end }}", {"l": []}, "none"),
            ("{{ with .missing }}x{{ else }}y{{ end }}", {}, "y"),
            ("<{{ .missing }}>", {}, "<>"),
            ("{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}", {}, "2"),
            ('{{ "a" | printf "%s-%s" "b" }}', {}, "b-a"),
            ('{{ define "d" }}<{{ .v }}>{{ end }}{{ include "d" . | nindent 2 }}', {"v": 1},
             "\n  <1>"),
            ('{{ toJson .v }}', {"v": ["x<y", True]}, '["x\\u003cy",true]'),
        ]
        for text, data, want in cases:
            self.assertEqual(self.run_template(text, data), want, text)

    def test_errors_are_raised_not_rendered(self):
        for text in ("{{ .missing.x }}", "{{ lower .v }}", "{{ if true }}x", "{{ $nope }}"):
            with self.assertRaises(RenderError, msg=text):
                self.run_template(text, {"v": "A"})


class ChartFiles(unittest.TestCase):
    def test_chart_yaml(self):
        chart = load_yaml(os.path.join(ARGS.chart, "Chart.yaml"))
        self.assertEqual(chart["apiVersion"], "v2")
        self.assertEqual(chart["name"], "ucr")
        self.assertEqual(chart["version"], "0.1.0")
        self.assertEqual(chart["appVersion"], "0.1.0")

    def test_values_yaml_has_every_group(self):
        values = load_yaml(os.path.join(ARGS.chart, "values.yaml"))
        for key in ("image", "nodeSelector", "tolerations", "resources", "config", "hostPaths"):
            self.assertIn(key, values)
        self.assertEqual(set(values["image"]) >= {"repository", "tag", "pullPolicy"}, True)
        self.assertEqual(values["tolerations"], [{"operator": "Exists"}])


class Rendering(unittest.TestCase):
    def manifests(self, values):
        out = render(values)
        docs = {}
        for name in MANIFESTS:
            doc = yaml.safe_load(out[name])
            self.assertIsInstance(doc, dict, name)
            docs[doc["kind"]] = doc
        return docs, out

    def test_every_template_renders_to_yaml(self):
        docs, out = self.manifests(default_values())
        self.assertEqual(set(docs), {"ConfigMap", "DaemonSet", "ServiceAccount"})
        self.assertIn("unix:///run/ucrd/ucrd.sock", out["NOTES.txt"])

    def test_missing_image_repository_is_a_clear_error(self):
        values = default_values()
        values["image"]["repository"] = ""
        with self.assertRaisesRegex(RenderError, "image.repository is empty"):
            render(values)

    def test_config_and_host_paths_must_agree(self):
        for key, bad, message in (("root_dir", "/srv/ucrd", "config.root_dir"),
                                  ("state_dir", "/run/other", "config.state_dir"),
                                  ("socket", "/tmp/ucrd.sock", "config.socket")):
            values = default_values()
            values["config"][key] = bad
            with self.assertRaisesRegex(RenderError, message):
                render(values)
        values = default_values()
        values["config"]["cni"]["bin_dirs"] = ["/usr/lib/cni"]
        with self.assertRaisesRegex(RenderError, "cniBinDir"):
            render(values)

    def test_daemonset_runs_privileged_in_host_namespaces(self):
        ds = self.manifests(default_values())[0]["DaemonSet"]
        self.assertEqual(ds["spec"]["updateStrategy"],
                         {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}})
        pod = ds["spec"]["template"]["spec"]
        for key in ("hostPID", "hostNetwork", "hostIPC"):
            self.assertIs(pod[key], True, key)
        self.assertGreater(pod["terminationGracePeriodSeconds"], 0)
        self.assertEqual(pod["tolerations"], [{"operator": "Exists"}])
        (container,) = pod["containers"]
        self.assertIs(container["securityContext"]["privileged"], True)
        self.assertEqual(container["image"], "registry.invalid/ucr/ucrd:0.1.0")
        for probe in ("readinessProbe", "livenessProbe"):
            self.assertEqual(container[probe]["exec"]["command"],
                             ["test", "-S", "/run/ucrd/ucrd.sock"], probe)
        self.assertEqual(ds["spec"]["selector"]["matchLabels"].items()
                         <= ds["spec"]["template"]["metadata"]["labels"].items(), True)

    def test_daemonset_mounts_every_host_path(self):
        values = default_values()
        values["extraHostMounts"] = [{"name": "host-etc-ssl", "path": "/etc/ssl", "readOnly": True}]
        ds = self.manifests(values)[0]["DaemonSet"]
        pod = ds["spec"]["template"]["spec"]
        host_volumes = {v["name"]: v["hostPath"]["path"] for v in pod["volumes"] if "hostPath" in v}
        mounts = {m["name"]: m for m in pod["containers"][0]["volumeMounts"]}
        wanted = list(values["hostPaths"].values()) + ["/etc/ssl"]
        for path in wanted:
            names = [n for n, p in host_volumes.items() if p == path]
            self.assertEqual(len(names), 1, "hostPath volume for %s" % path)
            self.assertIn(names[0], mounts, "volumeMount for %s" % path)
            self.assertEqual(mounts[names[0]]["mountPath"], path, "same path inside for %s" % path)
        self.assertEqual(len(host_volumes), len(wanted), "no host path beyond values")
        for key in ("rootDir", "stateDir"):
            name = [n for n, p in host_volumes.items() if p == values["hostPaths"][key]][0]
            self.assertEqual(mounts[name].get("mountPropagation"), "Bidirectional", key)
        self.assertIs(mounts["host-etc-ssl"]["readOnly"], True)

    def test_config_map_is_mounted_where_ucrd_reads_it(self):
        docs, _ = self.manifests(default_values())
        pod = docs["DaemonSet"]["spec"]["template"]["spec"]
        (volume,) = [v for v in pod["volumes"] if "configMap" in v]
        self.assertEqual(volume["configMap"]["name"], docs["ConfigMap"]["metadata"]["name"])
        (mount,) = [m for m in pod["containers"][0]["volumeMounts"] if m["name"] == volume["name"]]
        self.assertEqual(mount["mountPath"], "/etc/ucrd")
        self.assertIn("config.toml", docs["ConfigMap"]["data"])
        self.assertIn("--config=/etc/ucrd/config.toml", pod["containers"][0]["args"])

    def test_config_change_rolls_the_pods(self):
        def checksum(values):
            ds = self.manifests(values)[0]["DaemonSet"]
            return ds["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
        values = default_values()
        before = checksum(values)
        values["config"]["log_level"] = "debug"
        self.assertNotEqual(checksum(values), before)


class RenderedConfig(unittest.TestCase):
    def config_toml(self, values):
        return yaml.safe_load(render(values)["configmap.yaml"])["data"]["config.toml"]

    def test_ucrd_accepts_the_defaults_and_they_are_ucrds_own(self):
        code, rendered_out, err = ucrd_config(self.config_toml(default_values()))
        self.assertEqual(code, 0, err)
        code, defaults_out, err = ucrd_config("")
        self.assertEqual(code, 0, err)
        # Same effective config, and values.yaml spells out every key ucrd prints.
        self.assertEqual(tomllib.loads(rendered_out), tomllib.loads(defaults_out))
        values_config = copy.deepcopy(default_values()["config"])
        self.assertEqual(values_config.pop("registries"), {})
        self.assertEqual(values_config, tomllib.loads(defaults_out))

    def test_registries_and_odd_strings_survive_rendering(self):
        values = default_values()
        values["config"]["log_level"] = "debug"
        values["config"]["registries"] = {
            "127.0.0.1:5100": {"mirrors": ["http://127.0.0.1:5101"], "insecure": True,
                               "username": 'u"s\\e<r>&', "password": "p w"},
            "docker.io": {"mirrors": []},
        }
        code, out, err = ucrd_config(self.config_toml(values))
        self.assertEqual(code, 0, err)
        effective = tomllib.loads(out)
        self.assertEqual(effective["log_level"], "debug")
        local = effective["registries"]["127.0.0.1:5100"]
        self.assertEqual(local["mirrors"], ["http://127.0.0.1:5101"])
        self.assertIs(local["insecure"], True)
        self.assertEqual(local["username"], 'u"s\\e<r>&')
        self.assertIn("docker.io", effective["registries"])

    def test_ucrd_rejects_an_unknown_key_by_name(self):
        values = default_values()
        values["config"]["cni"]["conf_dri"] = "/etc/cni/net.d"
        code, _, err = ucrd_config(self.config_toml(values))
        self.assertNotEqual(code, 0)
        self.assertIn("conf_dri", err)


def main():
    global ARGS
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--ucrd", required=True, help="the ucrd binary")
    parser.add_argument("--chart", default=os.path.join(here, "..", "charts", "ucr"))
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
