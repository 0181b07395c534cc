"""Measure how far `iam:PassedToService` reaches: over the shipped data, and over the
playground's templates (the corpus services and the demos), every iam:PassRole their
handlers will be demanded, with the service the grant will carry or why it carries none.

The data: `counts` of autofix/data/derived/iam_passed_to_service.json (the types passing
a role; those with a principal for a role property, for every one; those whose every pass
can carry a service at run time, with the role's trust policy). The templates: each
Serverless service packaged by the playground's pinned osls (`sls package`, offline, in a
temporary copy), the SAM demo expanded by the pinned SAM translator, the CloudFormation
demo as written; each predicted as `autofix run --strategy predict` does
(`autofix.predict.template`), its passes resolved by `conditions.receiving_service`.

    python scripts/measure_passed_to.py [--json OUT] [--playground DIR]

(Not measured here: the CDK demo, which needs `cdk synth`; its e2e test holds its pass to
Lambda.)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from autofix import data  # noqa: E402
from autofix.account.stack_names import parse_template  # noqa: E402
from autofix.policy.conditions import PASS_ROLE, receiving_service  # noqa: E402
from autofix.predict.template import Place, Resolver, predict  # noqa: E402
from autofix.sandbox.cloudformation.sam_translator import translate  # noqa: E402
from autofix.testing import IamSandbox  # noqa: E402

ACCOUNT, REGION = "123456789012", "us-east-1"


def _serverless(playground: Path) -> list[Path]:
    corpus = [p.parent for p in (playground / "corpus").glob("*/serverless.yml")]
    return sorted([*corpus, playground / "serverless-demo", playground / "boundary"])


def _packaged(service: Path, work: Path, aws: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """(stack name, template) of a Serverless service, packaged by the pinned osls
    against a sandbox (`aws`: its environment; a layer lookup calls AWS)."""
    copy = work / service.name
    left_out = shutil.ignore_patterns(".serverless", ".autofix", "node_modules")
    shutil.copytree(service, copy, ignore=left_out)
    found = [m for m in (service / "node_modules", service.parent / "node_modules") if m.exists()]
    if not found:
        raise SystemExit(f"{service}: no node_modules (`make install`, or --playground)")
    (copy / "node_modules").symlink_to(found[0].resolve())  # the service's plugins
    sls = found[0].resolve() / ".bin" / "sls"
    env = {**os.environ, "SLS_TELEMETRY_DISABLED": "1", **aws}
    run = [str(sls), "package", "--stage", "dev", "--region", REGION, "--package", "out"]
    done = subprocess.run(run, cwd=copy, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"{service}: sls package failed:\n{done.stdout}{done.stderr}")
    out = copy / "out"
    template = json.loads((out / "cloudformation-template-update-stack.json").read_text())
    state = json.loads((out / "serverless-state.json").read_text())
    name = str(state["service"]["service"])
    return f"{name}-dev", template


def _uploaded(template: dict[str, Any]) -> dict[str, Any]:
    """A SAM template with its functions' local code as `sam package` leaves it: in S3."""
    for body in (template.get("Resources") or {}).values():
        props = body.get("Properties") if isinstance(body, dict) else None
        code = props.get("CodeUri") if isinstance(props, dict) else None
        if isinstance(code, str) and not code.startswith("s3://"):
            props["CodeUri"] = "s3://sam-demo-artifacts/code.zip"
    return template


def _templates(playground: Path, work: Path) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    with IamSandbox.start(work / "sandbox") as sandbox:
        aws = sandbox.admin_session().env()
        packaged = [(s, *_packaged(s, work, aws)) for s in _serverless(playground)]
    for service, stack, template in packaged:
        found.append((str(service.relative_to(playground.parent)), stack, template))
    sam = parse_template((playground / "sam-demo" / "template.yaml").read_text()) or {}
    expanded = translate(_uploaded(sam), {}, ACCOUNT, REGION)
    found.append(("playground/sam-demo", "sam-demo", expanded))
    cfn = parse_template((playground / "cfn-demo" / "template.yaml").read_text()) or {}
    found.append(("playground/cfn-demo", "cfn-demo", cfn))
    return found


def passes(stack: str, template: dict[str, Any]) -> list[dict[str, str]]:
    """Each iam:PassRole the template's handlers will be demanded: the role, the resource
    passing it, the service its grant carries (or "") and how that is known or why not."""
    place = Place(stack, ACCOUNT, REGION)
    resolver = Resolver(template, place)
    found = []
    for group in predict(template, place, ("create", "update")):
        body = resolver.resources.get(group.logical_id) or {}
        properties = resolver.resolve(body.get("Properties") or {})
        for req in group.requirements:
            if req.action.lower() != PASS_ROLE.lower():
                continue
            trust = resolver.trust_policy(req.resource)
            service, how = receiving_service(group.resource_type, req.resource, properties, trust)
            found.append({"resource": f"{group.logical_id} ({group.resource_type})",
                          "role": req.resource, "service": service or "", "how": how})  # fmt: skip
    return [dict(t) for t in {tuple(sorted(p.items())) for p in found}]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write every pass measured here")
    parser.add_argument(
        "--playground",
        type=Path,
        default=ROOT / "playground",
        help="the playground to read (one with its tools installed: `make install`)",
    )
    args = parser.parse_args()
    counts = data.load("derived", "iam_passed_to_service.json")["counts"]
    print("data:", json.dumps({k: v for k, v in counts.items() if k != "by_evidence"}))
    report: dict[str, Any] = {"data": counts, "templates": {}}
    total = conditioned = 0
    with tempfile.TemporaryDirectory() as tmp:
        for where, stack, template in _templates(args.playground.resolve(), Path(tmp)):
            found = sorted(passes(stack, template), key=lambda p: (p["resource"], p["role"]))
            report["templates"][where] = found
            for p in found:
                total += 1
                conditioned += bool(p["service"])
                said = p["service"] or f"no condition: {p['how']}"
                print(f"{where}: {p['resource']} passes {p['role']}: {said}")
            if not found:
                print(f"{where}: passes no role")
    print(f"templates: {conditioned} of {total} iam:PassRole grants carry iam:PassedToService")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
