#!/usr/bin/env python3
"""gen_helm_fleet.py OUT CHART_DIR [--apps N] [--envs M]

Writes a kiln project for benchmarks of `helm-release`: N apps installing
the chart in CHART_DIR (copied to OUT/charts/podinfo, vendored, so every
value is checked against its values.yaml) in M envs. Each app has a values
file and four `value`s; each env overrides two values and adds a file, so
every app in every env merges three files and six values across three
layers. The fleet renders N * M * 2 objects (a HelmRelease and a
HelmRepository per app and env).

Use the podinfo chart kiln's tests vendor:

    benches/gen_helm_fleet.py /tmp/helm-fleet tests/fixtures/charts/podinfo --apps 200 --envs 10
"""
import argparse
import os
import shutil

APP = """\
app "{name}" component="helm-release" {{
    chart "podinfo" repo="https://stefanprodan.github.io/podinfo" version=">=6.0.0 <7.0.0" vendored="../charts/podinfo"
    values from="../values/common.yaml"
    value "replicaCount" 2
    value "ui.message" "{name}"
    value "image.tag" "6.5.{{{{ vars.patch }}}}"
    value "httpRoute.hostnames" "{name}.{{{{ vars.domain }}}}" list=#true
    install-strategy "RetryOnFailure"
}}
"""

COMMON = """\
logLevel: info
ingress:
  enabled: true
  className: nginx
  hosts:
    - host: "podinfo.{{ vars.domain }}"
      paths:
        - path: /
          pathType: ImplementationSpecific
resources:
  requests:
    cpu: 10m
    memory: 32Mi
podAnnotations:
  prometheus.io/scrape: "true"
"""

ENV_VALUES = """\
logLevel: debug
hpa:
  enabled: true
  maxReplicas: 4
"""


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out")
    p.add_argument("chart")
    p.add_argument("--apps", type=int, default=200)
    p.add_argument("--envs", type=int, default=10)
    args = p.parse_args()
    out = args.out
    os.makedirs(os.path.join(out, "apps"), exist_ok=True)
    os.makedirs(os.path.join(out, "envs"), exist_ok=True)
    os.makedirs(os.path.join(out, "values"), exist_ok=True)
    chart = os.path.join(out, "charts", "podinfo")
    os.makedirs(chart, exist_ok=True)
    for f in ("Chart.yaml", "values.yaml"):
        shutil.copy(os.path.join(args.chart, f), chart)
    with open(os.path.join(out, "kiln.kdl"), "w") as f:
        f.write('project "helm-fleet"\n')
    with open(os.path.join(out, "values", "common.yaml"), "w") as f:
        f.write(COMMON)
    with open(os.path.join(out, "values", "env.yaml"), "w") as f:
        f.write(ENV_VALUES)
    names = [f"chart-{a:04d}" for a in range(args.apps)]
    for name in names:
        with open(os.path.join(out, "apps", f"{name}.kdl"), "w") as f:
            f.write(APP.format(name=name))
    for e in range(args.envs):
        env = f"env-{e:02d}"
        with open(os.path.join(out, "envs", f"{env}.kdl"), "w") as f:
            f.write(f'env "{env}" {{\n    vars domain="{env}.example.com" patch="{e}"\n')
            for name in names:
                f.write(
                    f'    app "{name}" {{\n'
                    f'        values from="../values/env.yaml"\n'
                    f'        value "replicaCount" {1 + e % 3}\n'
                    f'        value "logLevel" "warn"\n'
                    f"    }}\n"
                )
            f.write("}\n")


if __name__ == "__main__":
    main()
