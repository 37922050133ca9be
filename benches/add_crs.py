#!/usr/bin/env python3
"""add_crs.py PROJECT [--certificates N] [--monitors N] [--baseline DIR]

Adds custom resources to a generated fleet (gen_fleet.py, or the team's
gen-project, whose `project "fleet" {` line it extends): cert-manager's
Certificate CRD vendored in PROJECT/crds (from tests/fixtures/crds) and
named by `crds`, a `manifests` app `certificates` of N Certificates (one
file of N documents, templated per env), and `monitor` on the first M apps
(a ServiceMonitor each, of kiln's built-in CRD). Per env that is N + M
custom resources, each checked against its CRD.

With --baseline DIR, also writes a copy of the project without the `crds`
line to DIR: a binary from before `crds` existed renders the same objects
from it, unchecked, so both render the same files.
"""
import argparse
import os
import re
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
CRD = os.path.join(HERE, "..", "tests", "fixtures", "crds", "cert-manager.io_certificates.yaml")

CERTIFICATE = """\
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: cert-{i:04d}
spec:
  secretName: cert-{i:04d}-tls
  duration: 2160h
  renewBefore: 360h
  dnsNames:
  - "cert-{i:04d}.{{{{ vars.domain }}}}"
  issuerRef:
    name: letsencrypt
    kind: ClusterIssuer
  privateKey:
    algorithm: ECDSA
    size: 256
"""


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("project")
    p.add_argument("--certificates", type=int, default=100)
    p.add_argument("--monitors", type=int, default=100)
    p.add_argument("--baseline")
    args = p.parse_args()
    proj = args.project
    if args.baseline:
        shutil.rmtree(args.baseline, ignore_errors=True)
    os.makedirs(os.path.join(proj, "crds"), exist_ok=True)
    shutil.copy(CRD, os.path.join(proj, "crds"))
    docs = "---\n".join(CERTIFICATE.format(i=i) for i in range(args.certificates))
    with open(os.path.join(proj, "certificates.yaml"), "w") as f:
        f.write(docs)
    with open(os.path.join(proj, "apps", "certificates.kdl"), "w") as f:
        f.write('app "certificates" component="manifests" {\n    namespace "certificates"\n    manifest "../certificates.yaml"\n}\n')
    for i in range(args.monitors):
        path = os.path.join(proj, "apps", f"svc-{i:04d}.kdl")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(re.sub(r"\n}\s*$", '\n    monitor path="/metrics"\n}\n', text, count=1))
    kiln = os.path.join(proj, "kiln.kdl")
    with open(kiln) as f:
        text = f.read()
    if args.baseline:
        shutil.copytree(proj, args.baseline)
    with open(kiln, "w") as f:
        f.write(text.replace('project "fleet" {\n', 'project "fleet" {\n    crds "crds"\n', 1))
    print(f"{args.certificates} Certificates and {args.monitors} ServiceMonitors per env, in {proj}")


if __name__ == "__main__":
    main()
