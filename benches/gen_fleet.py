#!/usr/bin/env python3
"""gen_fleet.py OUT [--apps N] [--envs M]

Writes a kiln project for benchmarks: N web-service apps in M envs, two
flavors, a per-env override on every seventh app. Every app renders to a
Deployment, a Service, an Ingress and a HorizontalPodAutoscaler in every
env, so the fleet is N * M * 4 objects.

The shape matches the fleet the team's shared generator makes, so figures
are comparable; benches/fleet.sh uses that generator instead when it is
present, for its kustomize and KCL twins of the same fleet.
"""
import argparse
import os

APP = """\
app "{name}" {{
    image "registry.example.com/fleet/{name}:{{{{ vars.tag }}}}"
    replicas 2
    port 8080 name="http"
    env "LOG_LEVEL" "info"
    env "SERVICE_NAME" "{name}"
    secret-env "DATABASE_URL" secret="{name}-db" key="url"
    resources cpu="100m" memory="128Mi" memory-limit="256Mi"
    probe "readiness" http="/healthz" port="http"
    probe "liveness" http="/livez" port="http"
    ingress "{name}.{{{{ vars.domain }}}}" path="/" tls=#true
    autoscale min=2 max=10 cpu=70
}}
"""

PROJECT = """\
project "fleet" {
    labels team="platform"
}

flavor "small" {
    replicas 1
    resources cpu="50m" memory="64Mi"
}

flavor "ha" {
    replicas 3
    resources cpu="500m" memory="512Mi" memory-limit="1Gi"
}
"""


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out")
    p.add_argument("--apps", type=int, default=50)
    p.add_argument("--envs", type=int, default=10)
    args = p.parse_args()
    out = args.out
    os.makedirs(os.path.join(out, "apps"), exist_ok=True)
    os.makedirs(os.path.join(out, "envs"), exist_ok=True)
    with open(os.path.join(out, "kiln.kdl"), "w") as f:
        f.write(PROJECT)
    for a in range(args.apps):
        name = f"svc-{a:04d}"
        with open(os.path.join(out, "apps", f"{name}.kdl"), "w") as f:
            f.write(APP.format(name=name))
    for e in range(args.envs):
        env = f"env-{e:02d}"
        flavor = "ha" if e % 3 == 0 else "small"
        with open(os.path.join(out, "envs", f"{env}.kdl"), "w") as f:
            f.write(f'env "{env}" {{\n')
            f.write(f'    namespace "fleet-{env}"\n')
            f.write(f'    flavor "{flavor}"\n')
            f.write(f'    vars domain="{env}.example.com" tag="1.{e}.0"\n')
            for a in range(0, args.apps, 7):
                f.write(f'    app "svc-{a:04d}" {{\n        env "LOG_LEVEL" "debug"\n    }}\n')
            f.write("}\n")
    print(f"{args.apps} apps x {args.envs} envs = {args.apps * args.envs * 4} objects, in {out}")


if __name__ == "__main__":
    main()
