"""The service names a Serverless file declares: literal, or resolved from the same file,
never a name cut at a variable (a partial name would widen the guard's namespace)."""

from __future__ import annotations

from pathlib import Path

import pytest

from autofix.config import Step
from autofix.config.project import service_names_of


def names(tmp_path: Path, text: str) -> tuple[str, ...]:
    (tmp_path / "serverless.yml").write_text(text, encoding="utf-8")
    return service_names_of([Step("deploy", "sls deploy", tmp_path)])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("service: orders-api\nprovider: {name: aws}\n", ("orders-api",)),
        ("service:\n  name: 'orders-api'\n", ("orders-api",)),
        (  # a self reference is resolved from the file, short forms and all
            "service: sls-${self:custom.name}-sfp\ncustom:\n  name: bb245\n"
            "resources:\n  Resources:\n"
            "    B: {Type: AWS::S3::Bucket, Properties: {BucketName: !Ref X}}\n",
            ("sls-bb245-sfp",),
        ),
        ("service: app-${opt:team}\n", ()),  # stays variable: left out, not cut to "app-"
        ("service: app-${self:custom.missing}\n", ()),
        ("service: [not, a, name]\n", ()),
        ("service: ok\n  bad: indentation\n:", ()),
    ],
)
def test_service_names(tmp_path: Path, text: str, expected: tuple[str, ...]) -> None:
    assert names(tmp_path, text) == expected
